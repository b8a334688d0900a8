//! Standby stores claimed through real `storefleet serve` processes sharing one database:
//! two servers never hand one standby out twice, and a server killed in the middle of a claim
//! leaves the store bound to its customer for the next server to finish.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use server::cluster::SimOptions;
use sqlx::AnyPool;

use crate::on_both_databases;
use crate::processes::{logs, scalar, wait_until, Server, Shared};
use crate::support::{client, Backend};

on_both_databases!(
    ten_sign_ups_on_two_servers_share_a_pool_of_three,
    a_server_killed_in_the_middle_of_a_claim_leaves_the_store_to_the_next,
);

const PASSWORD: &str = "correct horse battery";

/// Settings every server of these tests runs with: pools looked at often, filled at once.
const POOL: [(&str, &str); 2] = [
    ("STOREFLEET_POOL_TICK_MS", "100"),
    ("STOREFLEET_POOL_PARALLEL", "3"),
];

const READY_STANDBYS: &str = "SELECT COUNT(*) FROM tenants \
    WHERE standby = 1 AND state = 'ready' AND claimed_by IS NULL";

/// Signs a new customer up for a `starter` store at `server`.
async fn sign_up(server: &Server, subdomain: &str) {
    let email = format!("{subdomain}@example.com");
    let form = [
        ("store_name", subdomain),
        ("subdomain", subdomain),
        ("plan", "starter"),
        ("email", email.as_str()),
        ("password", PASSWORD),
    ];
    let response = client()
        .post(format!("{}/api/signup/create_store", server.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{subdomain}\n{}", server.log());
}

/// Each customer's store: its subdomain, namespace key and owner.
async fn stores(pool: &AnyPool) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT subdomain, namespace_key, owner_id FROM tenants WHERE standby = 0 \
         ORDER BY subdomain",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn ten_sign_ups_on_two_servers_share_a_pool_of_three(backend: Backend) {
    // A new store's database takes 15 s to initialise: standbys made after the sign-ups
    // cannot be ready before they are all in, so exactly the three made before are claimed.
    let options = SimOptions {
        ready_delay: Duration::from_millis(200),
        database_init_delay: Duration::from_secs(15),
        ..SimOptions::default()
    };
    let Some(shared) = Shared::start_on(backend, options).await else {
        return;
    };
    let first = shared.serve("first", &POOL).await;
    let second = shared.serve("second", &POOL).await;
    let servers = [&first, &second];
    shared
        .cli(&["pool", "set", "--plan", "starter", "--size", "3"])
        .await;
    let pool = shared.pool().await;
    wait_until(&pool, READY_STANDBYS, |n| n == 3, 90, &servers).await;

    let subdomains: Vec<String> = (1..=10).map(|n| format!("shop-{n:02}")).collect();
    let signing_up = subdomains
        .iter()
        .enumerate()
        .map(|(n, subdomain)| sign_up(servers[n % 2], subdomain));
    futures_util::future::join_all(signing_up).await;

    let ready = "SELECT COUNT(*) FROM tenants WHERE standby = 0 AND state = 'ready'";
    wait_until(&pool, ready, |n| n == 10, 120, &servers).await;
    let context = logs(&servers);
    let claims = "SELECT COUNT(*) FROM jobs WHERE kind = 'claim'";
    assert_eq!(scalar(&pool, claims).await, 3, "{context}");
    let from_scratch = "SELECT COUNT(*) FROM jobs j JOIN tenants t ON t.id = j.tenant_id \
        WHERE j.kind = 'provision' AND t.standby = 0";
    assert_eq!(scalar(&pool, from_scratch).await, 7, "{context}");
    let claimed = "SELECT COUNT(*) FROM tenants WHERE claimed_by IS NOT NULL";
    let claimers = "SELECT COUNT(DISTINCT claimed_by) FROM tenants WHERE claimed_by IS NOT NULL";
    assert_eq!(scalar(&pool, claimed).await, 3, "{context}");
    assert_eq!(
        scalar(&pool, claimers).await,
        3,
        "no store took two standbys"
    );

    // Every store has a namespace of its own, labelled for its own subdomain and owner.
    let stores = stores(&pool).await;
    assert_eq!(
        stores.iter().map(|s| s.0.clone()).collect::<Vec<_>>(),
        subdomains
    );
    let keys: std::collections::BTreeSet<&String> = stores.iter().map(|s| &s.1).collect();
    assert_eq!(keys.len(), 10, "no namespace was given twice");
    let namespaces: Api<Namespace> = Api::all(shared.sim.client());
    for (subdomain, key, owner) in &stores {
        let namespace = namespaces.get(&format!("store-{key}")).await.unwrap();
        let labels = namespace.metadata.labels.unwrap();
        assert_eq!(&labels["storefleet.io/subdomain"], subdomain);
        assert_eq!(&labels["storefleet.io/owner"], owner);
    }
}

async fn a_server_killed_in_the_middle_of_a_claim_leaves_the_store_to_the_next(backend: Backend) {
    // Pods take 2 s to start, so the claim is still waiting for them when its server dies.
    let options = SimOptions {
        ready_delay: Duration::from_secs(2),
        ..SimOptions::default()
    };
    let Some(shared) = Shared::start_on(backend, options).await else {
        return;
    };
    // A killed server's lease runs out on its own; a short one keeps the test quick.
    let mut settings = POOL.to_vec();
    settings.push(("STOREFLEET_JOB_LEASE_SECS", "2"));
    let mut first = shared.serve("first", &settings).await;
    shared
        .cli(&["pool", "set", "--plan", "starter", "--size", "1"])
        .await;
    let pool = shared.pool().await;
    wait_until(&pool, READY_STANDBYS, |n| n == 1, 60, &[&first]).await;
    let standby: (String, String) = sqlx::query_as(
        "SELECT id, namespace_key FROM tenants WHERE standby = 1 AND state = 'ready'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    sign_up(&first, "ada").await;
    first.kill();
    let unfinished = "SELECT COUNT(*) FROM jobs WHERE kind = 'claim' \
        AND state IN ('queued', 'running')";
    assert_eq!(scalar(&pool, unfinished).await, 1, "{}", first.log());

    let second = shared.serve("second", &POOL).await;
    let servers = [&first, &second];
    let ready = "SELECT COUNT(*) FROM tenants WHERE subdomain = 'ada' AND state = 'ready'";
    wait_until(&pool, ready, |n| n == 1, 60, &servers).await;
    let context = logs(&servers);

    // The standby it claimed is the customer's, and no one else's.
    let (ada_id, ada_key): (String, String) =
        sqlx::query_as("SELECT id, namespace_key FROM tenants WHERE subdomain = 'ada'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(ada_key, standby.1, "{context}");
    let claimed_by: String = sqlx::query_scalar("SELECT claimed_by FROM tenants WHERE id = $1")
        .bind(&standby.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(claimed_by, ada_id);
    let holders = format!(
        "SELECT COUNT(*) FROM tenants WHERE namespace_key = '{ada_key}' AND claimed_by IS NULL"
    );
    assert_eq!(scalar(&pool, &holders).await, 1, "{context}");
    let namespaces: Api<Namespace> = Api::all(shared.sim.client());
    let namespace = namespaces.get(&format!("store-{ada_key}")).await.unwrap();
    assert_eq!(
        namespace.metadata.labels.unwrap()["storefleet.io/subdomain"],
        "ada"
    );
}
