//! Rollouts over a fleet of 50 stores on the simulated cluster: a good release reaches every
//! store in wave order, never more at once than allowed; a release whose image never starts
//! halts at the canary, which goes back to its old images; a failure in a later wave moves
//! that wave back and keeps the earlier ones. What is asserted is what the cluster runs.

use std::collections::BTreeMap;
use std::time::Duration;

use app::domain::rollout::{NewRollout, RolloutOptions, RolloutState, RolloutView, StepState};
use app::domain::{NewRelease, TenantState};
use app::ports::TenantAdmin;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use kube::api::DeleteParams;
use kube::Api;
use server::releases::ReleaseService;
use server::rollouts::RolloutService;

use crate::cli::command_line;
use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::{admin, operator, test_config, Backend, TestApp};

on_both_databases!(
    a_good_release_reaches_fifty_stores_in_waves,
    a_release_that_never_starts_halts_at_the_canary_and_goes_back,
    a_failure_in_a_later_wave_moves_that_wave_back_and_keeps_the_earlier_ones,
    ci_starts_and_follows_a_rollout_with_its_token_and_every_refusal_changes_nothing,
    a_store_whose_health_page_fails_after_baking_goes_back,
    a_store_suspended_while_baking_fails_once_and_the_rollout_settles,
    two_starts_at_once_make_one_rollout,
    the_rollout_stream_follows_a_rollout_to_its_end_for_admins_only,
);

/// A server for a fleet of fifty: the stores are built at once, and on a busy machine a
/// store's wait may queue behind the others' longer than the suite's usual 3 s step limit.
async fn spawn_for_fifty(backend: Backend) -> Option<TestApp> {
    let mut config = test_config();
    config.job_step_timeout_secs = Some(30);
    TestApp::spawn_with(backend, config).await
}

/// `count` ready stores `shop-01`, `shop-02`, … made in that order.
pub(crate) async fn fleet(app: &TestApp, count: usize) -> Vec<String> {
    let tenants = app.tenants().await;
    let names: Vec<String> = (1..=count).map(|n| format!("shop-{n:02}")).collect();
    for name in &names {
        tenants
            .create(&operator(), name, "starter", None)
            .await
            .unwrap();
        // Distinct creation times keep the planned order the order of creation.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for name in &names {
        wait_for_state(&tenants, name, TenantState::Ready).await;
    }
    names
}

async fn release(app: &TestApp, name: &str, api_tag: &str) {
    ReleaseService::new(app.pool().await)
        .create(
            &operator(),
            &NewRelease {
                blueprint: "store".into(),
                name: name.into(),
                images: BTreeMap::from([("api".to_owned(), api_tag.to_owned())]),
                notes: String::new(),
            },
        )
        .await
        .unwrap();
}

fn options() -> RolloutOptions {
    RolloutOptions {
        canary: 1,
        waves: vec![10, 50, 100],
        max_parallel: 4,
        bake_secs: 0,
        budget_percent: 2,
        timeout_secs: 60,
        rollback_all: false,
    }
}

async fn start(app: &TestApp, release: &str, options: RolloutOptions) -> RolloutView {
    RolloutService::new(app.pool().await)
        .start(
            &operator(),
            &NewRollout {
                release: release.into(),
                blueprint: None,
                plan: None,
                stores: Vec::new(),
                options,
            },
        )
        .await
        .unwrap()
}

/// Waits (up to 3 minutes) until the rollout has ended and no store of it is still moving.
async fn settled(app: &TestApp, id: &str) -> RolloutView {
    let rollouts = RolloutService::new(app.pool().await);
    for _ in 0..1800 {
        let view = rollouts.show(id).await.unwrap();
        let moving = view
            .waves
            .iter()
            .flat_map(|w| &w.stores)
            .any(|s| s.state.is_open());
        if view.state.is_final() && !moving {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("rollout {id} did not settle");
}

/// The image the `api` Deployment in a store's namespace runs, as the cluster holds it.
pub(crate) async fn image_on(cluster: kube::Client, namespace: &str) -> String {
    let api: Api<Deployment> = Api::namespaced(cluster, namespace);
    let deployment = api.get("api").await.unwrap();
    deployment.spec.unwrap().template.spec.unwrap().containers[0]
        .image
        .clone()
        .unwrap()
}

async fn api_image(app: &TestApp, store: &str) -> String {
    image_on(app.cluster(), &app.namespace(store).await).await
}

async fn a_good_release_reaches_fifty_stores_in_waves(backend: Backend) {
    let Some(app) = spawn_for_fifty(backend).await else {
        return;
    };
    let stores = fleet(&app, 50).await;
    release(&app, "1.1.0", "1.1.0").await;
    let started = start(&app, "1.1.0", options()).await;
    // 49 after the canary: 10 % → 5, 50 % → 25, 100 % → 49.
    let sizes: Vec<usize> = started.waves.iter().map(|w| w.counts.total()).collect();
    assert_eq!(sizes, [1, 5, 20, 24]);

    let view = settled(&app, &started.id).await;
    assert_eq!(view.state, RolloutState::Done, "{:?}", view.reason);
    assert!(view.waves.iter().all(|w| w.counts.done == w.counts.total()));
    for store in &stores {
        assert_eq!(
            api_image(&app, store).await,
            "ghcr.io/storefleet/store-api:1.1.0"
        );
    }
    let on_release = app
        .scalar(
            "SELECT COUNT(*) FROM tenants t JOIN releases r ON r.id = t.release_id \
             WHERE r.name = '1.1.0' AND t.state = 'ready'",
        )
        .await;
    assert_eq!(on_release, 50);

    // Each store was updated once, and never more than 4 at once: the update jobs' spans.
    let spans: Vec<(i64, i64, Option<i64>)> = sqlx::query(
        "SELECT s.wave, j.created_at, j.finished_at FROM rollout_tenants s \
         JOIN jobs j ON j.id = s.job_id ORDER BY j.created_at",
    )
    .fetch_all(&app.pool().await)
    .await
    .unwrap()
    .iter()
    .map(|row| {
        use sqlx::Row;
        (
            row.get::<i64, _>("wave"),
            row.get::<i64, _>("created_at"),
            row.get::<Option<i64>, _>("finished_at"),
        )
    })
    .collect();
    assert_eq!(spans.len(), 50);
    let updates = app
        .scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'update'")
        .await;
    assert_eq!(updates, 50, "one update job per store");
    for (_, start, _) in &spans {
        let at_once = spans
            .iter()
            .filter(|(_, s, f)| s <= start && f.is_none_or(|f| f > *start))
            .count();
        assert!(at_once <= 4, "{at_once} stores updating at once");
    }
    // Wave order: a wave starts once every store of the one before has finished.
    for wave in 1..4_i64 {
        let last_before = spans
            .iter()
            .filter(|(w, _, _)| *w == wave - 1)
            .filter_map(|(_, _, f)| *f)
            .max()
            .unwrap();
        let first = spans
            .iter()
            .filter(|(w, _, _)| *w == wave)
            .map(|(_, s, _)| *s)
            .min()
            .unwrap();
        assert!(
            first >= last_before,
            "wave {wave} began before wave {} ended",
            wave - 1
        );
    }
    // New stores start on the release the fleet reached.
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "late", "starter", None)
        .await
        .unwrap();
    wait_for_state(&tenants, "late", TenantState::Ready).await;
    assert_eq!(
        api_image(&app, "late").await,
        "ghcr.io/storefleet/store-api:1.1.0"
    );
}

async fn a_release_that_never_starts_halts_at_the_canary_and_goes_back(backend: Backend) {
    let Some(app) = spawn_for_fifty(backend).await else {
        return;
    };
    let stores = fleet(&app, 50).await;
    release(&app, "1.2.0", "never-ready").await;
    let started = start(&app, "1.2.0", options()).await;
    let view = settled(&app, &started.id).await;

    assert_eq!(view.state, RolloutState::Halted);
    assert_eq!(
        view.reason.as_deref(),
        Some("1 of 1 stores failed in the canary (budget 0)")
    );
    let canary = &view.waves[0].stores[0];
    assert_eq!(canary.subdomain, "shop-01");
    assert_eq!(canary.state, StepState::RolledBack, "{:?}", canary.reason);
    assert!(canary.failed);
    assert!(
        canary
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("never-ready")),
        "the canary's failure names its cause: {:?}",
        canary.reason
    );
    // Nothing past the canary was touched.
    for wave in &view.waves[1..] {
        assert_eq!(wave.counts.skipped, wave.counts.total());
    }
    let touched = app
        .scalar("SELECT COUNT(DISTINCT tenant_id) FROM jobs WHERE kind = 'update'")
        .await;
    assert_eq!(touched, 1);
    // The canary runs its old images again, and serves.
    for store in &stores {
        assert_eq!(
            api_image(&app, store).await,
            "ghcr.io/storefleet/store-api:1.0.0",
            "{store}"
        );
    }
    let canary = app.tenants().await.show("shop-01").await.unwrap();
    assert_eq!(canary.tenant.state, TenantState::Ready);
    assert_eq!(canary.tenant.release, None);
}

async fn a_failure_in_a_later_wave_moves_that_wave_back_and_keeps_the_earlier_ones(
    backend: Backend,
) {
    let Some(app) = spawn_for_fifty(backend).await else {
        return;
    };
    let stores = fleet(&app, 50).await;
    release(&app, "1.3.0", "1.3.0").await;
    // shop-04 is in wave 1 (shop-02 … shop-06); its Secret lost beside its volumes makes its
    // update fail.
    let secrets: Api<Secret> = Api::namespaced(app.cluster(), &app.namespace("shop-04").await);
    for secret in secrets.list(&Default::default()).await.unwrap() {
        let name = secret.metadata.name.unwrap();
        secrets
            .delete(&name, &DeleteParams::default())
            .await
            .unwrap();
    }
    let started = start(&app, "1.3.0", options()).await;
    let view = settled(&app, &started.id).await;

    assert_eq!(view.state, RolloutState::Halted);
    assert_eq!(
        view.reason.as_deref(),
        Some("1 of 5 stores failed in wave 1 (budget 0)")
    );
    // The canary keeps the release; wave 1's other stores went back; later waves untouched.
    assert_eq!(view.waves[0].counts.done, 1);
    let failed: Vec<&str> = view.waves[1]
        .stores
        .iter()
        .filter(|s| s.failed)
        .map(|s| s.subdomain.as_str())
        .collect();
    assert_eq!(failed, ["shop-04"]);
    // Those that had started went back; any its turn had not reached were left out.
    let others: Vec<StepState> = view.waves[1]
        .stores
        .iter()
        .filter(|s| s.subdomain != "shop-04")
        .map(|s| s.state)
        .collect();
    assert!(others.contains(&StepState::RolledBack), "{others:?}");
    assert!(
        others
            .iter()
            .all(|s| matches!(s, StepState::RolledBack | StepState::Skipped)),
        "{others:?}"
    );
    for wave in &view.waves[2..] {
        assert_eq!(wave.counts.skipped, wave.counts.total());
    }
    for store in &stores {
        let image = api_image(&app, store).await;
        let expected = if store == "shop-01" { "1.3.0" } else { "1.0.0" };
        assert_eq!(
            image,
            format!("ghcr.io/storefleet/store-api:{expected}"),
            "{store}"
        );
    }
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or_default())
}

async fn token(app: &TestApp, name: &str, scope: &str) -> String {
    command_line(app, &["token", "create", "--name", name, "--scope", scope])
        .await
        .trim()
        .to_owned()
}

async fn ci_starts_and_follows_a_rollout_with_its_token_and_every_refusal_changes_nothing(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    fleet(&app, 3).await;
    let releases = token(&app, "ci-releases", "releases:write").await;
    let rollouts = token(&app, "ci-rollouts", "rollouts:write").await;
    let post = reqwest::Method::POST;
    let (status, _) = call(
        &app,
        post.clone(),
        "/api/v1/releases",
        Some(&releases),
        r#"{"blueprint": "store", "name": "2.0.0", "images": {"api": "2.0.0"}}"#,
    )
    .await;
    assert_eq!(status, 201);

    let start = r#"{"release": "2.0.0", "options": {"bake_secs": 2, "waves": [100]}}"#;
    let refusals = [
        (None, start, 401),
        (Some(releases.as_str()), start, 403),
        (Some("sf_not-a-token"), start, 401),
        (Some(rollouts.as_str()), "{not json", 400),
        (Some(rollouts.as_str()), r#"{"release": "9.9.9"}"#, 422),
        (
            Some(rollouts.as_str()),
            r#"{"release": "2.0.0", "options": {"waves": [50]}}"#,
            422,
        ),
        (
            Some(rollouts.as_str()),
            r#"{"release": "2.0.0", "stores": ["nobody"]}"#,
            422,
        ),
    ];
    for (token, body, expected) in refusals {
        let (status, answer) = call(&app, post.clone(), "/api/v1/rollouts", token, body).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM rollouts").await, 0);

    let (status, started) = call(
        &app,
        post.clone(),
        "/api/v1/rollouts",
        Some(&rollouts),
        start,
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["release"], "2.0.0");
    let (status, busy) = call(&app, post, "/api/v1/rollouts", Some(&rollouts), start).await;
    assert_eq!(
        status, 409,
        "a second rollout of the blueprint waits: {busy}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM rollouts").await, 1);

    let id = started["id"].as_str().unwrap();
    let path = format!("/api/v1/rollouts/{id}");
    let (status, _) = call(&app, reqwest::Method::GET, &path, Some(&releases), "").await;
    assert_eq!(status, 403);
    let mut state = String::new();
    for _ in 0..600 {
        let (status, shown) = call(&app, reqwest::Method::GET, &path, Some(&rollouts), "").await;
        assert_eq!(status, 200);
        state = shown["state"].as_str().unwrap().to_owned();
        if state == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, "done");
    let audited = app
        .scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'rollout.start' \
             AND actor_email LIKE '%ci-rollouts%'",
        )
        .await;
    assert_eq!(audited, 1, "the start is audited with the token's name");
}

/// The titles of an update job's steps.
const UPDATE_STEPS: [&str; 3] = [
    "Update the configuration",
    "Wait for the store to restart",
    "Mark the store ready",
];

async fn a_store_whose_health_page_fails_after_baking_goes_back(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    fleet(&app, 1).await;
    let namespace = app.namespace("shop-01").await;
    // Its health page answers through the web Service.
    let cluster = app.cluster();
    let health = format!("/api/v1/namespaces/{namespace}/services/web:80/proxy/healthz");
    let page = |cluster: kube::Client| {
        let request = axum::http::Request::get(health.as_str())
            .body(Vec::new())
            .unwrap();
        async move { cluster.request_text(request).await }
    };
    assert!(page(cluster.clone()).await.is_ok());
    release(&app, "1.6.0", "1.6.0").await;
    let started = start(
        &app,
        "1.6.0",
        RolloutOptions {
            bake_secs: 3,
            ..options()
        },
    )
    .await;
    // While it bakes, someone points the web Service at nothing: its pods stay ready, its
    // page does not answer.
    let rollouts = RolloutService::new(app.pool().await);
    let mut steps_seen = Vec::new();
    for _ in 0..300 {
        let view = rollouts.show(&started.id).await.unwrap();
        let store = &view.waves[0].stores[0];
        if store.state == StepState::Baking {
            break;
        }
        steps_seen.extend(store.step.clone());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // While it updated, the rollout said which step of its job it was at.
    assert!(
        steps_seen
            .iter()
            .any(|s| UPDATE_STEPS.contains(&s.as_str())),
        "{steps_seen:?}"
    );
    let services: Api<k8s_openapi::api::core::v1::Service> =
        Api::namespaced(cluster.clone(), &namespace);
    let nowhere = serde_json::json!({
        "apiVersion": "v1", "kind": "Service", "metadata": { "name": "web" },
        "spec": { "selector": { "storefleet.io/component": "nowhere" } }
    });
    services
        .patch(
            "web",
            &kube::api::PatchParams::apply("kubectl").force(),
            &kube::api::Patch::Apply(&nowhere),
        )
        .await
        .unwrap();

    let view = settled(&app, &started.id).await;
    let store = &view.waves[0].stores[0];
    assert_eq!(view.state, RolloutState::Halted);
    assert!(store.failed);
    assert_eq!(store.state, StepState::RolledBack, "{:?}", store.reason);
    assert_eq!(
        store.reason.as_deref(),
        Some("unhealthy after baking: /healthz on web answered nothing but errors for 5 s")
    );
    // Moving back applied the store's own Service again: its page answers.
    assert!(page(cluster).await.is_ok());
    assert_eq!(
        api_image(&app, "shop-01").await,
        "ghcr.io/storefleet/store-api:1.0.0"
    );
}

async fn a_store_suspended_while_baking_fails_once_and_the_rollout_settles(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    fleet(&app, 2).await;
    release(&app, "1.7.0", "1.7.0").await;
    let started = start(
        &app,
        "1.7.0",
        RolloutOptions {
            bake_secs: 3,
            ..options()
        },
    )
    .await;
    let rollouts = RolloutService::new(app.pool().await);
    for _ in 0..300 {
        let view = rollouts.show(&started.id).await.unwrap();
        if view.waves[0].stores[0].state == StepState::Baking {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // An admin suspends the canary while it bakes: its workloads go to zero.
    let tenants = app.tenants().await;
    tenants.suspend(&operator(), "shop-01").await.unwrap();
    wait_for_state(&tenants, "shop-01", TenantState::Suspended).await;

    // Its gate fails, it cannot be moved back while suspended, and the rollout says so once
    // and ends instead of trying again every turn.
    let view = settled(&app, &started.id).await;
    assert_eq!(view.state, RolloutState::Halted);
    let canary = &view.waves[0].stores[0];
    assert_eq!(canary.state, StepState::Failed);
    let reason = canary.reason.as_deref().unwrap_or_default();
    assert!(reason.starts_with("unhealthy"), "{reason}");
    assert!(
        reason.ends_with("it could not be moved back: the store is suspended"),
        "{reason}"
    );
    let moves_back = app
        .scalar("SELECT COUNT(*) FROM tenant_transitions WHERE cause LIKE 'rolled back%'")
        .await;
    assert_eq!(moves_back, 0);
    // Its next turn finds nothing left to do and leaves it due no more.
    let due = format!("SELECT next_at FROM rollouts WHERE id = '{}'", started.id);
    let mut next_at = 0;
    for _ in 0..50 {
        next_at = app.scalar(&due).await;
        if next_at == i64::MAX {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(next_at, i64::MAX, "a settled rollout is due no more");
    // The second store was never touched; the first stays suspended.
    assert_eq!(view.waves[1].counts.skipped, 1);
    assert_eq!(
        tenants.show("shop-01").await.unwrap().tenant.state,
        TenantState::Suspended
    );
}

async fn two_starts_at_once_make_one_rollout(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    fleet(&app, 3).await;
    release(&app, "1.8.0", "1.8.0").await;
    let request = NewRollout {
        release: "1.8.0".into(),
        blueprint: None,
        plan: None,
        stores: Vec::new(),
        options: options(),
    };
    let (first, second) = (
        RolloutService::new(app.pool().await),
        RolloutService::new(app.pool().await),
    );
    let admin = operator();
    let (a, b) = tokio::join!(
        first.start(&admin, &request),
        second.start(&admin, &request)
    );
    let started = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(started, 1, "{a:?} {b:?}");
    let refused = if a.is_ok() { b } else { a };
    assert!(
        matches!(refused, Err(server::rollouts::RolloutError::Busy(_))),
        "{refused:?}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM rollouts").await, 1);
}

/// The views a rollout's event stream sent, in order, once it ends.
async fn read_rollout_stream(response: reqwest::Response) -> Vec<RolloutView> {
    let text = tokio::time::timeout(Duration::from_secs(60), response.text())
        .await
        .expect("the stream ends when the rollout settles")
        .unwrap();
    text.split("\n\n")
        .filter(|block| block.contains("event: rollout"))
        .map(|block| {
            let data: String = block
                .lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            serde_json::from_str(&data).unwrap()
        })
        .collect()
}

async fn the_rollout_stream_follows_a_rollout_to_its_end_for_admins_only(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    fleet(&app, 3).await;
    release(&app, "1.9.0", "1.9.0").await;
    let started = start(&app, "1.9.0", options()).await;
    let url = format!("{}/api/rollouts/{}/events", app.base, started.id);

    // A customer and a visitor may not watch it.
    let customer = app
        .signed_up("eve@example.com", "correct horse battery")
        .await;
    assert_eq!(customer.get(&url).send().await.unwrap().status(), 404);
    let visitor = crate::support::client();
    assert_eq!(visitor.get(&url).send().await.unwrap().status(), 401);
    let nowhere = format!("{}/api/rollouts/no-such-rollout/events", app.base);
    let admin = admin(&app).await;
    assert_eq!(admin.get(&nowhere).send().await.unwrap().status(), 404);

    let response = admin.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let views = read_rollout_stream(response).await;
    // Each message says something new; the stream ends with the rollout done.
    assert!(views.len() >= 2, "{} messages", views.len());
    assert!(views.windows(2).all(|w| w[0] != w[1]), "no message twice");
    let done = |v: &RolloutView| v.waves.iter().map(|w| w.counts.done).sum::<usize>();
    assert!(views.windows(2).all(|w| done(&w[0]) <= done(&w[1])));
    let last = views.last().unwrap();
    assert_eq!(last.state, RolloutState::Done);
    assert_eq!(done(last), 3);
    assert!(!last.is_moving());
}
