//! An admin runs the fleet from the admin pages' server functions: makes a release, pins one
//! store and makes another the canary, starts a rollout (the pinned store left out, saying
//! why), pauses and resumes it, rolls it back, and makes and revokes an API token. Bad input
//! changes nothing; every action is audited.

use std::time::Duration;

use app::domain::rollout::{RolloutState, RolloutView, StepState};
use app::domain::token::MadeToken;
use app::domain::ReleaseView;
use app::error::AppError;
use app::ports::TenantAdmin;

use crate::on_both_databases;
use crate::rollouts::{fleet, image_on};
use crate::support::{admin, error_of, post, Backend, TestApp};

on_both_databases!(an_admin_releases_pins_rolls_out_and_back_from_the_admin_pages,);

async fn rollout(app: &TestApp, client: &reqwest::Client, id: &str) -> RolloutView {
    let response = post(app, client, "admin/rollouts/show", &[("id", id)]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn until(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    done: impl Fn(&RolloutView) -> bool,
) -> RolloutView {
    for _ in 0..600 {
        let view = rollout(app, client, id).await;
        if done(&view) {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("rollout {id} never got there");
}

fn settled(view: &RolloutView) -> bool {
    view.state.is_final()
        && !view
            .waves
            .iter()
            .flat_map(|w| &w.stores)
            .any(|s| s.state.is_open())
}

async fn api_tag(app: &TestApp, store: &str) -> String {
    let image = image_on(app.cluster(), &app.namespace(store).await).await;
    image.rsplit(':').next().unwrap().to_owned()
}

async fn an_admin_releases_pins_rolls_out_and_back_from_the_admin_pages(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    fleet(&app, 4).await;
    let root = admin(&app).await;

    // A release naming a component the blueprint lacks is refused, and nothing is stored.
    let bad = post(
        &app,
        &root,
        "admin/releases/create",
        &[
            ("blueprint", "store"),
            ("name", "1.5.0"),
            ("images", "cache=1.5.0"),
            ("notes", ""),
        ],
    )
    .await;
    assert_eq!(bad.status(), 422);
    assert!(
        matches!(error_of(bad).await, AppError::Invalid(m) if m.contains("no component cache"))
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM releases").await, 0);
    let made = post(
        &app,
        &root,
        "admin/releases/create",
        &[
            ("blueprint", "store"),
            ("name", "1.5.0"),
            ("images", "api=1.5.0\nweb=1.27.3-alpine"),
            ("notes", "faster checkout"),
        ],
    )
    .await;
    assert_eq!(made.status(), 200);
    let made: ReleaseView = made.json().await.unwrap();
    assert_eq!(made.images.len(), 2);

    for (function, form) in [
        (
            "admin/tenants/pin",
            [("subdomain", "shop-02"), ("reason", "customer's audit")],
        ),
        (
            "admin/tenants/canary",
            [("subdomain", "shop-03"), ("on", "true")],
        ),
    ] {
        assert_eq!(
            post(&app, &root, function, &form).await.status(),
            200,
            "{function}"
        );
    }
    let bad_pin = post(
        &app,
        &root,
        "admin/tenants/pin",
        &[("subdomain", "nobody-here"), ("reason", "x")],
    )
    .await;
    assert_eq!(bad_pin.status(), 404);

    let start = |waves: &'static str| {
        [
            ("release", "1.5.0"),
            ("plan", ""),
            ("canary", "1"),
            ("waves", waves),
            ("max_parallel", "2"),
            ("bake_secs", "0"),
            ("budget_percent", "2"),
            ("timeout_secs", "60"),
        ]
    };
    let refused = post(&app, &root, "admin/rollouts/start", &start("50")).await;
    assert_eq!(refused.status(), 422, "waves must end at 100");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM rollouts").await, 0);
    let started = post(&app, &root, "admin/rollouts/start", &start("100")).await;
    assert!(
        started.status().is_success() || started.status().is_redirection(),
        "{}",
        started.status()
    );
    let id = app.text("SELECT id FROM rollouts").await;
    let paused = post(
        &app,
        &root,
        "admin/rollouts/steer",
        &[("id", id.as_str()), ("steer", "pause")],
    )
    .await;
    assert_eq!(paused.status(), 200);
    let view: RolloutView = paused.json().await.unwrap();
    assert_eq!(view.state, RolloutState::Paused);
    // The canary cohort is the flagged store; the pinned one is left out and says why.
    assert_eq!(view.waves[0].stores[0].subdomain, "shop-03");
    assert_eq!(view.left_out.len(), 1);
    assert_eq!(view.left_out[0].subdomain, "shop-02");
    assert_eq!(
        view.left_out[0].reason.as_deref(),
        Some("pinned: customer's audit")
    );
    let twice = post(
        &app,
        &root,
        "admin/rollouts/steer",
        &[("id", id.as_str()), ("steer", "pause")],
    )
    .await;
    assert_eq!(twice.status(), 409, "a paused rollout cannot be paused");
    let resumed = post(
        &app,
        &root,
        "admin/rollouts/steer",
        &[("id", id.as_str()), ("steer", "resume")],
    )
    .await;
    assert_eq!(resumed.status(), 200);

    let done = until(&app, &root, &id, settled).await;
    assert_eq!(done.state, RolloutState::Done, "{:?}", done.reason);
    for store in ["shop-01", "shop-03", "shop-04"] {
        assert_eq!(api_tag(&app, store).await, "1.5.0", "{store}");
    }
    assert_eq!(
        api_tag(&app, "shop-02").await,
        "1.0.0",
        "the pinned store keeps its release"
    );

    let back = post(
        &app,
        &root,
        "admin/rollouts/steer",
        &[("id", id.as_str()), ("steer", "rollback")],
    )
    .await;
    assert_eq!(back.status(), 200);
    let back = until(&app, &root, &id, settled).await;
    assert_eq!(back.state, RolloutState::RolledBack);
    assert!(back
        .waves
        .iter()
        .flat_map(|w| &w.stores)
        .all(|s| s.state == StepState::RolledBack));
    for store in ["shop-01", "shop-02", "shop-03", "shop-04"] {
        assert_eq!(api_tag(&app, store).await, "1.0.0", "{store}");
    }
    // A store made after the rollback starts on what the fleet runs again, not on 1.5.0.
    let tenants = app.tenants().await;
    tenants
        .create(&crate::support::operator(), "late", "starter", None)
        .await
        .unwrap();
    crate::provisioning::wait_for_state(&tenants, "late", app::domain::TenantState::Ready).await;
    assert_eq!(api_tag(&app, "late").await, "1.0.0");

    // A token is shown once, listed without its secret, and revoked.
    let made = post(
        &app,
        &root,
        "admin/tokens/create",
        &[("name", "deploys"), ("rollouts", "on")],
    )
    .await;
    assert_eq!(made.status(), 200);
    let made: MadeToken = made.json().await.unwrap();
    assert!(made.secret.starts_with("sf_"));
    let listed = post(&app, &root, "admin/tokens", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(listed.contains("deploys") && !listed.contains(&made.secret));
    let revoked = post(&app, &root, "admin/tokens/revoke", &[("name", "deploys")]).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NOT NULL")
            .await,
        1
    );

    let audited = app
        .scalar(
            "SELECT COUNT(DISTINCT action) FROM audit_log WHERE actor_email = 'root@example.com' \
             AND action IN ('release.create', 'tenant.pin', 'tenant.canary', 'rollout.start', \
             'rollout.pause', 'rollout.resume', 'rollout.rollback', 'token.create', 'token.revoke')",
        )
        .await;
    assert_eq!(audited, 9);
}
