//! A tenant's real database: made with its `db` StatefulSet, used by its Jobs, dropped with
//! its namespace. Needs `STOREFLEET_TEST_POSTGRES_URL` (an admin URL); skipped without it,
//! unless `STOREFLEET_REQUIRE_POSTGRES` is set.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use serde_json::json;
use sqlx::{Connection, PgConnection};

use super::tests::{cluster, finished, has, job, namespace};
use crate::cluster::sim::{SimCluster, SimOptions};

const PATIENCE: Duration = Duration::from_secs(30);

fn admin_url() -> Option<String> {
    let url = std::env::var("STOREFLEET_TEST_POSTGRES_URL").ok();
    if url.is_none() && std::env::var("STOREFLEET_REQUIRE_POSTGRES").is_ok() {
        panic!("STOREFLEET_REQUIRE_POSTGRES is set but STOREFLEET_TEST_POSTGRES_URL is not");
    }
    url
}

async fn connect_soon(url: &str) -> PgConnection {
    let start = Instant::now();
    loop {
        match PgConnection::connect(url).await {
            Ok(connection) => return connection,
            Err(error) if start.elapsed() > PATIENCE => panic!("{url}: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn database_exists(admin: &str, name: &str) -> bool {
    let mut connection = PgConnection::connect(admin).await.expect("admin connects");
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut connection)
        .await
        .expect("pg_database read");
    found.is_some()
}

/// Waits until the namespace's `db` StatefulSet reports `count` ready replicas.
async fn ready_replicas(sim: &SimCluster, ns: &str, count: i32) {
    let start = Instant::now();
    loop {
        let set = Api::<StatefulSet>::namespaced(sim.client(), ns)
            .get("db")
            .await
            .expect("db read");
        let ready = set.status.and_then(|s| s.ready_replicas).unwrap_or(0);
        if ready == count {
            return;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "db has {ready} ready, not {count}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_gets_a_real_database_its_jobs_use_and_lose_with_it() {
    let Some(admin) = admin_url() else {
        eprintln!("skipped: STOREFLEET_TEST_POSTGRES_URL is not set");
        return;
    };
    let sim = cluster(SimOptions {
        databases: Some(admin.clone()),
        ..SimOptions::default()
    })
    .await;
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let ns = format!("store-sim-{}", &suffix[..8]);
    let database = format!("store_sim_{}", &suffix[..8]);
    namespace(&sim, &ns).await;
    let db: StatefulSet = serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": { "name": "db" },
        "spec": {
            "serviceName": "db",
            "selector": { "matchLabels": { "app": "db" } },
            "template": {
                "metadata": { "labels": { "app": "db" } },
                "spec": { "containers": [{ "name": "postgres", "image": "postgres:16" }] },
            },
        },
    }))
    .unwrap();
    Api::<StatefulSet>::namespaced(sim.client(), &ns)
        .patch(
            "db",
            &PatchParams::apply("storefleet").force(),
            &Patch::Apply(&db),
        )
        .await
        .expect("db applied");
    ready_replicas(&sim, &ns, 1).await;
    let url = sim.database_url(&ns).expect("a tenant database url");
    let mut tenant = connect_soon(&url).await;
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut tenant)
        .await
        .unwrap();
    assert_eq!(one, 1);

    // The spec points at the in-cluster host; the sim points the Job at the real database.
    let in_cluster = json!([{ "name": "PGHOST", "value": "db" }]);
    let sql = "psql -v ON_ERROR_STOP=1 -c 'CREATE TABLE t (v int); INSERT INTO t VALUES (42)'";
    let created = finished(
        &sim,
        &ns,
        job("create", "postgres:16", sql, in_cluster.clone()),
    )
    .await;
    assert!(has(&created, "Complete").is_some(), "{:?}", created.status);
    let dump = r#"pg_dump --format=custom --file="$WORK/db.dump" && test -s "$WORK/db.dump""#;
    let dumped = finished(&sim, &ns, job("dump", "postgres:16", dump, in_cluster)).await;
    assert!(has(&dumped, "Complete").is_some(), "{:?}", dumped.status);
    let v: i32 = sqlx::query_scalar("SELECT v FROM t")
        .fetch_one(&mut tenant)
        .await
        .unwrap();
    assert_eq!(v, 42);
    let _ = tenant.close().await;

    // Scaled to nothing, the database answers no Job, as no pod backs its Service.
    Api::<StatefulSet>::namespaced(sim.client(), &ns)
        .patch(
            "db",
            &PatchParams::apply("storefleet").force(),
            &Patch::Apply(json!({
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": { "name": "db" },
                "spec": { "replicas": 0 },
            })),
        )
        .await
        .expect("db scaled down");
    ready_replicas(&sim, &ns, 0).await;
    let in_cluster = json!([{ "name": "PGHOST", "value": "db" }]);
    let refused = finished(&sim, &ns, job("dump-down", "postgres:16", dump, in_cluster)).await;
    let failed = has(&refused, "Failed");
    assert!(failed.is_some(), "{:?}", refused.status);
    let (_, said) = failed.unwrap_or_default();
    assert!(said.contains("no-database"), "{said}");

    Api::<Namespace>::all(sim.client())
        .delete(&ns, &DeleteParams::default())
        .await
        .expect("namespace deleted");
    let start = Instant::now();
    loop {
        let gone = Api::<Namespace>::all(sim.client())
            .get_opt(&ns)
            .await
            .unwrap()
            .is_none();
        if gone && !database_exists(&admin, &database).await {
            break;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "the database {database} outlived its tenant"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
