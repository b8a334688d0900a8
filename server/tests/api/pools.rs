//! Pools of standby stores: a sign-up claims a ready standby and is live long before a cold
//! start would allow, the pool refills, a standby is nobody's store, and only admins set a
//! pool's size.

use std::time::{Duration, Instant};

use app::domain::overview::FleetOverview;
use app::domain::pool::{PoolView, Pools};
use app::domain::{TenantPage, TenantView};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{Patch, PatchParams};
use kube::Api;
use server::config::ServeConfig;
use server::dns::secret::Secret;

use crate::on_both_databases;
use crate::signup::wait_until_ready;
use crate::support::{admin, client, error_of, post, test_config, Backend, TestApp};

on_both_databases!(
    only_admins_set_a_pool_and_bad_sizes_change_nothing,
    a_sign_up_claims_a_ready_standby_and_the_pool_refills,
    a_standby_that_stops_being_ready_is_replaced,
    standbys_that_keep_failing_stop_being_made,
    a_store_paid_for_claims_a_standby,
);

const PASSWORD: &str = "correct horse battery";
const METRICS_TOKEN: &str = "pools-test-token";

/// A cluster whose cold start is 30 s: 20 s to pull the images the first time, 10 s for each
/// new store's database to initialise its volume.
pub(crate) fn cold_start() -> ServeConfig {
    ServeConfig {
        sim_image_pull_ms: 20_000,
        sim_database_init_ms: 10_000,
        pool_parallel: 3,
        // The tests' usual 3 s cap on a step would fail every cold start.
        job_step_timeout_secs: Some(120),
        metrics_token: Some(Secret::from(METRICS_TOKEN.to_owned())),
        ..test_config()
    }
}

async fn pools(app: &TestApp, admin: &reqwest::Client) -> Pools {
    let response = post(app, admin, "admin/pools", &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn pool<'a>(pools: &'a Pools, plan: &str) -> &'a PoolView {
    pools.pools.iter().find(|p| p.plan == plan).unwrap()
}

/// Waits until `plan`'s pool has `ready` standbys ready, at most `secs` seconds.
async fn wait_for_ready(
    app: &TestApp,
    admin: &reqwest::Client,
    plan: &str,
    ready: u32,
    secs: u64,
) -> Pools {
    let started = Instant::now();
    loop {
        let now = pools(app, admin).await;
        if pool(&now, plan).ready == ready {
            return now;
        }
        if started.elapsed() > Duration::from_secs(secs) {
            let jobs: Vec<(String, String, i64, Option<String>)> = sqlx::query_as(
                "SELECT kind, state, step, last_error FROM jobs ORDER BY created_at",
            )
            .fetch_all(&app.pool().await)
            .await
            .unwrap();
            panic!(
                "after {secs} s the pool is {:?}\njobs: {jobs:?}",
                pool(&now, plan)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn only_admins_set_a_pool_and_bad_sizes_change_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    let customer = app.signed_up("eve@example.com", PASSWORD).await;
    let set = |size: &'static str, plan: &'static str| [("plan", plan), ("size", size)];

    let refused = post(&app, &customer, "admin/pools/set", &set("3", "starter")).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        post(&app, &client(), "admin/pools", &[]).await.status(),
        401
    );

    for (size, plan, message) in [
        ("lots", "starter", "whole number"),
        ("101", "starter", "at most 100"),
        ("2", "gold", "no plan named \"gold\""),
    ] {
        let refused = post(&app, &admin, "admin/pools/set", &set(size, plan)).await;
        assert_eq!(refused.status(), 422, "{size} {plan}");
        let error = error_of(refused).await.to_string();
        assert!(error.contains(message), "{error}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM pools").await, 0);
    let shown = pools(&app, &admin).await;
    assert!(shown.pools.iter().all(|p| p.size == 0), "{shown:?}");

    let set_to_zero = post(&app, &admin, "admin/pools/set", &set("0", "pro")).await;
    assert_eq!(set_to_zero.status(), 200);
    let view: PoolView = set_to_zero.json().await.unwrap();
    assert_eq!((view.plan.as_str(), view.size), ("pro", 0));
    assert_eq!(
        app.text("SELECT detail FROM audit_log WHERE action = 'pool.set'")
            .await,
        "size=0"
    );
}

async fn a_sign_up_claims_a_ready_standby_and_the_pool_refills(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, cold_start()).await else {
        return;
    };
    let admin = admin(&app).await;
    let set = [("plan", "starter"), ("size", "3")];
    assert_eq!(
        post(&app, &admin, "admin/pools/set", &set).await.status(),
        200
    );
    let filled = wait_for_ready(&app, &admin, "starter", 3, 120).await;
    assert_eq!(pool(&filled, "starter").provisioning, 0);

    // Standbys are nobody's stores: not listed, not counted, not billed.
    let listed: TenantPage = post(&app, &admin, "admin/tenants", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.total, 0, "{:?}", listed.rows);
    let overview: FleetOverview = post(&app, &admin, "admin/overview", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview.total, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenants WHERE standby = 1 AND owner_id IS NOT NULL")
            .await,
        0
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM subscriptions").await, 0);
    let metrics = client()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ready_starters = metrics
        .lines()
        .find(|line| {
            line.starts_with("storefleet_tenants{")
                && line.contains("state=\"ready\"")
                && line.contains("plan=\"starter\"")
        })
        .unwrap_or_else(|| panic!("no gauge of ready starter stores in\n{metrics}"));
    assert!(ready_starters.ends_with(" 0"), "{ready_starters}");

    // A customer signs up for the plan.
    let signed_up_at = k8s_openapi::jiff::Timestamp::now();
    let browser = client();
    let form = [
        ("store_name", "Ada's Shop"),
        ("subdomain", "ada-shop"),
        ("plan", "starter"),
        ("email", "ada@example.com"),
        ("password", PASSWORD),
    ];
    let started = Instant::now();
    let created = post(&app, &browser, "signup/create_store", &form).await;
    assert_eq!(created.status(), 200);
    let ready = wait_until_ready(&browser, &app, "ada-shop").await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(15),
        "a claimed standby is ready well before a 30 s cold start ends: {took:?}"
    );
    let job = ready.progress.expect("the claim's progress").job;
    assert_eq!(job.kind, "claim");
    assert_eq!(
        job.step_titles[0],
        "Take a ready standby store and set it up for you"
    );
    let mine: Vec<TenantView> = post(&app, &browser, "stores/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.len(), 1, "the customer owns their store only");

    // On the cluster: the standby's namespace, made before the sign-up, now the customer's.
    let namespace = app.namespace("ada-shop").await;
    assert_eq!(ready.tenant.namespace, namespace);
    let made = Api::<Namespace>::all(app.cluster())
        .get(&namespace)
        .await
        .unwrap();
    let created_at = made.metadata.creation_timestamp.unwrap().0;
    assert!(created_at < signed_up_at, "{created_at} vs {signed_up_at}");
    let labels = made.metadata.labels.unwrap();
    assert_eq!(labels["storefleet.io/subdomain"], "ada-shop");
    let owner = app
        .text("SELECT owner_id FROM tenants WHERE subdomain = 'ada-shop'")
        .await;
    assert_eq!(labels["storefleet.io/owner"], owner);
    let ingresses: Api<Ingress> = Api::namespaced(app.cluster(), &namespace);
    let ingress = ingresses.get("public").await.unwrap();
    let host = ingress.spec.unwrap().rules.unwrap()[0].host.clone();
    assert_eq!(host.as_deref(), Some("ada-shop.shops.test"));
    let maps: Api<ConfigMap> = Api::namespaced(app.cluster(), &namespace);
    let web = maps.get("web").await.unwrap().data.unwrap();
    assert_eq!(web["STORE_NAME"], "Ada's Shop");
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM tenants WHERE claimed_by = '{}' AND state = 'deleted'",
            ready.tenant.id.as_str()
        ))
        .await,
        1,
        "exactly one standby was given to the store"
    );

    // The pool makes a new standby and shows the claim.
    let refilled = wait_for_ready(&app, &admin, "starter", 3, 60).await;
    assert_eq!(pool(&refilled, "starter").claimed_today, 1);
    let with_standby = &refilled.ready_times[0];
    assert!(with_standby.from_standby);
    assert_eq!(with_standby.stores, 1);
}

async fn a_standby_that_stops_being_ready_is_replaced(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    let set = [("plan", "starter"), ("size", "1")];
    assert_eq!(
        post(&app, &admin, "admin/pools/set", &set).await.status(),
        200
    );
    wait_for_ready(&app, &admin, "starter", 1, 60).await;
    let (id, key): (String, String) = sqlx::query_as(
        "SELECT id, namespace_key FROM tenants WHERE standby = 1 AND state = 'ready'",
    )
    .fetch_one(&app.pool().await)
    .await
    .unwrap();

    // Someone breaks it by hand: its web pods are replaced by ones that never start.
    let deployments: Api<Deployment> = Api::namespaced(app.cluster(), &format!("store-{key}"));
    let broken = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": "web" },
        "spec": {
            "strategy": { "type": "Recreate", "rollingUpdate": null },
            "template": { "spec": { "containers": [{ "name": "web", "image": "never-ready" }] } },
        },
    });
    deployments
        .patch(
            "web",
            &PatchParams::apply("someone").force(),
            &Patch::Apply(&broken),
        )
        .await
        .unwrap();

    // The pool deletes it and makes another.
    let gone = format!("SELECT COUNT(*) FROM tenants WHERE id = '{id}' AND state = 'deleted'");
    for _ in 0..600 {
        if app.scalar(&gone).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.scalar(&gone).await,
        1,
        "the broken standby was not removed"
    );
    let cause = app
        .text(&format!(
            "SELECT cause FROM tenant_transitions WHERE tenant_id = '{id}' AND to_state = 'deleting'"
        ))
        .await;
    assert!(cause.contains("turned unhealthy (web 0/1 ready"), "{cause}");
    let refilled = wait_for_ready(&app, &admin, "starter", 1, 60).await;
    assert_eq!(pool(&refilled, "starter").ready, 1);
    let replacement = app
        .text("SELECT id FROM tenants WHERE standby = 1 AND state = 'ready'")
        .await;
    assert_ne!(replacement, id);
}

async fn standbys_that_keep_failing_stop_being_made(backend: Backend) {
    // The store's API image cannot be pulled: every standby fails at once.
    let config = ServeConfig {
        sim_failing_images: vec!["store-api:1.0.0".to_owned()],
        ..test_config()
    };
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let admin = admin(&app).await;
    let set = [("plan", "starter"), ("size", "1")];
    assert_eq!(
        post(&app, &admin, "admin/pools/set", &set).await.status(),
        200
    );

    let made = "SELECT COUNT(*) FROM tenants WHERE standby = 1";
    let failed = "SELECT COUNT(*) FROM tenant_transitions tt JOIN tenants t \
        ON t.id = tt.tenant_id WHERE t.standby = 1 AND tt.to_state = 'failed'";
    for _ in 0..600 {
        if app.scalar(failed).await >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(app.scalar(failed).await >= 5, "the standbys failed");
    // What was already being made may still fail; then nothing more is made.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = app.scalar(made).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(app.scalar(made).await, settled, "no more standbys are made");
    assert!(
        settled <= 7,
        "at most the budget and those in flight: {settled}"
    );
}

async fn a_store_paid_for_claims_a_standby(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    let set = [("plan", "starter"), ("size", "1")];
    assert_eq!(
        post(&app, &admin, "admin/pools/set", &set).await.status(),
        200
    );
    wait_for_ready(&app, &admin, "starter", 1, 60).await;

    // A store waiting for its first payment claims nothing yet.
    let pool = app.pool().await;
    let now = server::clock::now_ms();
    let record = server::db::tenants::TenantRecord {
        id: uuid::Uuid::new_v4().to_string(),
        subdomain: app::domain::Subdomain::parse("paid-shop").unwrap(),
        key: server::tenants::key::new_key(),
        standby: false,
        plan: "starter".into(),
        owner_id: None,
        state: app::domain::TenantState::PendingPayment,
        settings: Default::default(),
        release: None,
        pinned: None,
        canary: false,
        created_at: now,
        drift: None,
        self_heal: true,
    };
    server::db::tenants::create(&pool, &record, "signed up", None, now)
        .await
        .unwrap();
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenants WHERE claimed_by IS NOT NULL")
            .await,
        0
    );

    // Paid: its first build takes the standby over.
    let job = server::db::tenants::transition(
        &pool,
        &record.id,
        app::domain::TenantState::PendingPayment,
        app::domain::TenantState::Provisioning,
        "paid",
        Some(server::jobs::JobKind::Provision),
        &[],
        server::clock::now_ms(),
    )
    .await
    .unwrap()
    .expect("the store was waiting for its payment");
    let kind = app
        .text(&format!("SELECT kind FROM jobs WHERE id = '{job}'"))
        .await;
    assert_eq!(kind, "claim");
    let ready = "SELECT COUNT(*) FROM tenants WHERE subdomain = 'paid-shop' AND state = 'ready'";
    for _ in 0..200 {
        if app.scalar(ready).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.scalar(ready).await, 1, "the claimed store became ready");
    assert_ne!(
        app.namespace("paid-shop").await,
        format!("store-{}", record.key)
    );
}
