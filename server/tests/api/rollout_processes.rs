//! A rollout driven by real `storefleet serve` processes that are killed (`kill -9`) in the
//! middle of its waves, and, on PostgreSQL, by two servers at once: it finishes, and every
//! store is updated exactly once.

use std::time::Duration;

use app::ports::TenantAdmin;
use rand::Rng;

use crate::on_both_databases;
use crate::processes::{logs, scalar, Server, Shared};
use crate::rollouts::image_on;
use crate::support::{operator, test_config, Backend};

on_both_databases!(a_rollout_through_kills_updates_every_store_once,);

const STORES: usize = 12;

async fn a_rollout_through_kills_updates_every_store_once(backend: Backend) {
    // Workloads take a second to start, so kills land while stores are updating.
    let Some(shared) = Shared::start(backend, Duration::from_millis(800)).await else {
        return;
    };
    let settings = [
        ("STOREFLEET_JOB_LEASE_SECS", "2"),
        ("STOREFLEET_ROLLOUT_TICK_MS", "200"),
    ];
    // Two servers share the work on PostgreSQL; SQLite is one server's database.
    let names: &[&str] = match backend {
        Backend::Postgres => &["a", "b"],
        Backend::Sqlite => &["a"],
    };
    let mut servers: Vec<Server> = Vec::new();
    for name in names {
        servers.push(shared.serve(name, &settings).await);
    }
    let pool = shared.pool().await;
    let tenants =
        server::tenants::TenantService::new(pool.clone(), test_config().cluster.settings());
    for n in 1..=STORES {
        tenants
            .create(&operator(), &format!("shop-{n:02}"), "starter", None)
            .await
            .unwrap();
    }
    let ready = "SELECT COUNT(*) FROM tenants WHERE state = 'ready'";
    for _ in 0..600 {
        if scalar(&pool, ready).await == STORES as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all: Vec<&Server> = servers.iter().collect();
    assert_eq!(scalar(&pool, ready).await, STORES as i64, "{}", logs(&all));

    shared
        .cli(&[
            "release",
            "create",
            "--name",
            "3.0.0",
            "--image",
            "api=3.0.0",
        ])
        .await;
    let started = shared
        .cli(&[
            "rollout",
            "start",
            "--release",
            "3.0.0",
            "--waves",
            "50,100",
            "--max-parallel",
            "3",
            "--bake-secs",
            "0",
        ])
        .await;
    assert!(String::from_utf8_lossy(&started.stdout).contains("started"));

    // Five kills at random moments while the waves run, each server restarted at once.
    let mut kills = 0;
    let mut generation = 0;
    while kills < 5 {
        let pause = rand::thread_rng().gen_range(300..1200);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let state: String = sqlx::query_scalar("SELECT state FROM rollouts")
            .fetch_one(&pool)
            .await
            .unwrap();
        if state != "running" {
            break;
        }
        let victim = rand::thread_rng().gen_range(0..servers.len());
        servers[victim].kill();
        generation += 1;
        let name = format!("{}{generation}", names[victim]);
        servers[victim] = shared.serve(&name, &settings).await;
        kills += 1;
    }
    assert!(
        kills >= 2,
        "the rollout ended before the servers could be killed"
    );

    let settled = "SELECT COUNT(*) FROM rollouts WHERE state = 'done' \
        AND NOT EXISTS (SELECT 1 FROM rollout_tenants WHERE state <> 'done')";
    for _ in 0..1200 {
        if scalar(&pool, settled).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all: Vec<&Server> = servers.iter().collect();
    let context = logs(&all);
    assert_eq!(scalar(&pool, settled).await, 1, "{context}");
    // Exactly one update job per store, each succeeded.
    let per_store: Vec<i64> =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'update' GROUP BY tenant_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(per_store, vec![1; STORES], "{context}");
    let succeeded = "SELECT COUNT(*) FROM jobs WHERE kind = 'update' AND state = 'succeeded'";
    assert_eq!(scalar(&pool, succeeded).await, STORES as i64, "{context}");
    let client = shared.sim.client();
    for n in 1..=STORES {
        let namespace = shared.namespace(&format!("shop-{n:02}")).await;
        let image = image_on(client.clone(), &namespace).await;
        assert!(image.ends_with(":3.0.0"), "shop-{n:02}: {image}");
    }
}
