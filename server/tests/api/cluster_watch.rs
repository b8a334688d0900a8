//! Readiness by watches: a change in the cluster to a tenant's objects makes that tenant's
//! waiting jobs due at once and wakes the worker; a job backing off after a failure keeps its
//! pause.

use std::sync::Arc;
use std::time::Duration;

use app::ports::TenantAdmin;
use k8s_openapi::api::core::v1::{Namespace, Service};
use kube::api::{Api, Patch, PatchParams, PostParams};
use server::clock::now_ms;
use server::cluster::{SimCluster, SimOptions};
use server::config::DbConfig;
use server::db::jobs;
use server::provision::watch::{ClusterWatch, Watching, WATCHED_POLL};
use server::tenants::TenantService;
use tokio::sync::{watch, Notify};

use crate::on_both_databases;
use crate::support::{operator, test_config, Backend, TestDb};

on_both_databases!(a_change_in_the_cluster_makes_the_tenants_waiting_jobs_due);

/// How long the test waits for what should follow at once, before it fails.
const PATIENCE: Duration = Duration::from_secs(10);

async fn a_change_in_the_cluster_makes_the_tenants_waiting_jobs_due(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let database = server::serve::open_database(&DbConfig {
        database_url: db.url.clone(),
    })
    .await
    .unwrap();
    let pool = database.pool.clone();
    let settings = test_config().cluster.settings();
    // Two stores whose provisioning jobs no worker runs: one waits on the cluster, one backs
    // off after a failed attempt. Both are due in an hour.
    let tenants = TenantService::new(pool.clone(), settings.clone());
    let (_, waiting) = tenants
        .create(&operator(), "shop", "starter", None)
        .await
        .unwrap();
    let (_, backing_off) = tenants
        .create(&operator(), "cafe", "starter", None)
        .await
        .unwrap();
    // A third store's step is running: a worker holds its job, claimed when it was due.
    let (_, looking) = tenants
        .create(&operator(), "bakery", "starter", None)
        .await
        .unwrap();
    let later = now_ms() + 3_600_000;
    let looked_at = now_ms();
    sqlx::query(
        "UPDATE jobs SET state = 'running', lease_owner = 'worker-1', lease_expires_at = $1, \
         next_run_at = $2 WHERE id = $3",
    )
    .bind(later)
    .bind(looked_at - 1_000)
    .bind(looking.to_string())
    .execute(&pool)
    .await
    .unwrap();
    for (job, waits) in [(&waiting, 1), (&backing_off, 0)] {
        sqlx::query(
            "UPDATE jobs SET state = 'running', waiting = $1, next_run_at = $2 WHERE id = $3",
        )
        .bind(waits)
        .bind(later)
        .bind(job.to_string())
        .execute(&pool)
        .await
        .unwrap();
    }

    let sim = SimCluster::start(SimOptions::default()).await.unwrap();
    let wake = Arc::new(Notify::new());
    let watching = Watching::default();
    let (stop, stopped) = watch::channel(false);
    let watches = tokio::spawn(
        ClusterWatch::new(
            sim.engine_client().unwrap(),
            pool.clone(),
            &settings.namespace_prefix,
            wake.clone(),
            watching.clone(),
        )
        .run(stopped),
    );
    tokio::time::timeout(PATIENCE, async {
        while watching.poll() != WATCHED_POLL {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("every watch opens");

    // Something of each store's changes in the cluster: a Service of storefleet's.
    for subdomain in ["shop", "cafe", "bakery"] {
        let key: String =
            sqlx::query_scalar("SELECT namespace_key FROM tenants WHERE subdomain = $1")
                .bind(subdomain)
                .fetch_one(&pool)
                .await
                .unwrap();
        let namespace = settings.namespace(&key);
        let object: Namespace =
            serde_json::from_value(serde_json::json!({ "metadata": { "name": namespace } }))
                .unwrap();
        Api::<Namespace>::all(sim.client())
            .create(&PostParams::default(), &object)
            .await
            .unwrap();
        let service = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "web",
                "labels": { "app.kubernetes.io/managed-by": "storefleet" },
            },
            "spec": { "ports": [{ "port": 80 }] },
        });
        Api::<Service>::namespaced(sim.client(), &namespace)
            .patch("web", &PatchParams::apply("test"), &Patch::Apply(&service))
            .await
            .unwrap();
    }

    tokio::time::timeout(PATIENCE, wake.notified())
        .await
        .expect("the worker is woken");
    let due_at = |job: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT next_run_at FROM jobs WHERE id = $1")
                .bind(job)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(
        due_at(waiting.to_string()).await <= now_ms(),
        "the waiting job is due now"
    );
    assert_eq!(
        due_at(backing_off.to_string()).await,
        later,
        "the job backing off keeps its pause"
    );

    // The running step read the cluster before the change, and decides to wait: it looks
    // again at once rather than after its pause.
    tokio::time::timeout(PATIENCE, async {
        while due_at(looking.to_string()).await <= looked_at {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the running job is marked as changed under it");
    // No later change may wake the jobs again while the step's decision is checked.
    let _ = stop.send(true);
    watches.await.unwrap();
    let now = now_ms();
    assert!(jobs::wait(
        &pool,
        &looking.to_string(),
        "worker-1",
        looked_at,
        later,
        now
    )
    .await
    .unwrap());
    assert!(
        due_at(looking.to_string()).await <= now_ms(),
        "a change during the look leaves the job due"
    );
    // Claimed again, it looks after the change: its wait now lasts.
    let after = now_ms();
    sqlx::query("UPDATE jobs SET lease_owner = 'worker-2', lease_expires_at = $1 WHERE id = $2")
        .bind(later)
        .bind(looking.to_string())
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        jobs::wait(&pool, &looking.to_string(), "worker-2", after, later, after)
            .await
            .unwrap()
    );
    assert_eq!(due_at(looking.to_string()).await, later);
    sim.stop().await.unwrap();
}
