//! Drift: what someone changes by hand on the cluster is found by the reconciler and put
//! back, or only reported when the store's self-heal is off; a store whose workloads stop
//! serving shows degraded, and healthy again when they recover.

use std::future::Future;
use std::time::Duration;

use app::domain::{TenantHealth, TenantQuery, TenantState};
use app::ports::{TenantAdmin, TenantInspection};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use kube::Api;

use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::{admin, operator, post, test_config, Backend, TestApp};

on_both_databases!(
    the_reconciler_puts_back_what_was_deleted_or_edited_by_hand,
    with_self_heal_off_drift_is_reported_and_left_and_degraded_shows,
    a_lost_secret_beside_its_volumes_is_reported_not_replaced,
);

/// Waits (up to 15 s) for `check` to give a value.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting: {what}");
}

/// A ready store `acme`, with the reconciler looking at it every second.
async fn ready_store(backend: Backend) -> Option<TestApp> {
    let mut config = test_config();
    config.reconcile_every_secs = 1;
    let app = TestApp::spawn_with(backend, config).await?;
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    wait_for_state(&tenants, "acme", TenantState::Ready).await;
    Some(app)
}

async fn health(app: &TestApp) -> TenantHealth {
    app.tenants()
        .await
        .with_client(app.cluster())
        .health("acme")
        .await
        .unwrap()
}

/// Applies `object` as a person with `kubectl apply` would: another field manager, forced.
fn by_hand() -> PatchParams {
    PatchParams::apply("kubectl").force()
}

/// A hand edit of the first ConfigMap: one value changed. Returns its name and the value
/// storefleet rendered.
async fn edit_a_config(app: &TestApp) -> (String, String, String) {
    let api: Api<ConfigMap> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let mut config = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.data.as_ref().is_some_and(|d| !d.is_empty()))
        .expect("the store has a ConfigMap with data");
    let name = config.metadata.name.clone().unwrap();
    let data = config.data.as_mut().unwrap();
    let (key, value) = data.iter_mut().next().unwrap();
    let (key, rendered) = (key.clone(), value.clone());
    *value = "changed by hand".to_owned();
    config.metadata.managed_fields = None;
    config.metadata.resource_version = None;
    api.patch(&name, &by_hand(), &Patch::Apply(&config))
        .await
        .unwrap();
    (name, key, rendered)
}

async fn config_value(app: &TestApp, name: &str, key: &str) -> String {
    let api: Api<ConfigMap> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    api.get(name).await.unwrap().data.unwrap()[key].clone()
}

async fn the_reconciler_puts_back_what_was_deleted_or_edited_by_hand(backend: Backend) {
    let Some(app) = ready_store(backend).await else {
        return;
    };
    let deployments: Api<Deployment> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    deployments
        .delete("web", &DeleteParams::default())
        .await
        .unwrap();
    let (config, key, rendered) = edit_a_config(&app).await;

    eventually("the Deployment is back and the config restored", || async {
        let back = deployments.get_opt("web").await.unwrap().is_some();
        (back && config_value(&app, &config, &key).await == rendered).then_some(())
    })
    .await;
    // The repair is recorded right after it is applied.
    let health = eventually("both repairs are recorded", || async {
        let health = health(&app).await;
        let found = health.repairs.join("\n");
        (found.contains("Deployment web missing") && found.contains("ConfigMap")).then_some(health)
    })
    .await;
    assert_eq!(health.drift, None, "nothing differs once repaired");
    let found = health.repairs.join("\n");
    assert!(found.contains("Deployment web missing"), "{found}");
    assert!(
        found.contains(&format!("ConfigMap {config} changed at data.{key}")),
        "{found}"
    );
    assert!(found.contains("repaired"), "{found}");
    // The store's state never moved.
    let tenants = app.tenants().await;
    assert_eq!(
        tenants.show("acme").await.unwrap().tenant.state,
        TenantState::Ready
    );
}

async fn with_self_heal_off_drift_is_reported_and_left_and_degraded_shows(backend: Backend) {
    let Some(app) = ready_store(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    let off = post(
        &app,
        &admin,
        "admin/tenants/self-heal",
        &[("subdomain", "acme"), ("on", "false")],
    )
    .await;
    assert_eq!(off.status(), 200);
    assert!(!health(&app).await.self_heal);

    // Someone replaces the web image with one that never starts, recreating its pods.
    let deployments: Api<Deployment> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let mut web = deployments.get("web").await.unwrap();
    web.metadata.managed_fields = None;
    web.metadata.resource_version = None;
    web.status = None;
    let spec = web.spec.as_mut().unwrap();
    spec.strategy = Some(k8s_openapi::api::apps::v1::DeploymentStrategy {
        type_: Some("Recreate".to_owned()),
        rolling_update: None,
    });
    let container = &mut spec.template.spec.as_mut().unwrap().containers[0];
    let image = container.image.clone();
    container.image = Some("example/never-ready:1".to_owned());
    deployments
        .patch("web", &by_hand(), &Patch::Apply(&web))
        .await
        .unwrap();

    let drift = eventually("the drift is reported", || async {
        health(&app).await.drift
    })
    .await;
    assert!(
        drift.starts_with("Deployment web changed at spec."),
        "{drift}"
    );
    let degraded = eventually("the store shows degraded", || async {
        health(&app).await.degraded
    })
    .await;
    assert!(degraded.starts_with("web 0/1 ready"), "{degraded}");
    // Reported, not touched.
    let live = deployments.get("web").await.unwrap();
    let live_image = live.spec.unwrap().template.spec.unwrap().containers[0]
        .image
        .clone();
    assert_eq!(live_image.as_deref(), Some("example/never-ready:1"));
    assert!(health(&app)
        .await
        .repairs
        .iter()
        .all(|r| r.ends_with("reported")));
    // The admin pages mark it: the tenants list, and the tenant's page with its findings.
    let tenants = app.tenants().await;
    let listed = tenants
        .search(&TenantQuery {
            text: "acme".into(),
            ..TenantQuery::default()
        })
        .await
        .unwrap();
    let marked = listed.rows[0]
        .drift
        .clone()
        .expect("the list marks the drift");
    assert!(
        marked.starts_with("Deployment web changed at spec."),
        "{marked}"
    );
    let detail = tenants.show("acme").await.unwrap();
    assert!(!detail.tenant.self_heal);
    assert!(
        detail
            .drift_history
            .iter()
            .any(|line| line.contains("Deployment web changed") && line.ends_with("reported")),
        "{:?}",
        detail.drift_history
    );

    // With self-heal on again, the render comes back and the store recovers.
    tenants
        .set_self_heal(&operator(), "acme", true)
        .await
        .unwrap();
    eventually("the store is healthy again", || async {
        let health = health(&app).await;
        (health.degraded.is_none() && health.drift.is_none()).then_some(())
    })
    .await;
    let restored = deployments.get("web").await.unwrap();
    assert_eq!(
        restored.spec.unwrap().template.spec.unwrap().containers[0].image,
        image
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'tenant.self_heal' AND target = 'acme'"
        )
        .await,
        2
    );
}

async fn a_lost_secret_beside_its_volumes_is_reported_not_replaced(backend: Backend) {
    let Some(app) = ready_store(backend).await else {
        return;
    };
    let secrets: Api<Secret> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let names: Vec<String> = secrets
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|s| s.metadata.name)
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let kept = secrets.get(&names[0]).await.unwrap().data;
    secrets
        .delete(&names[0], &DeleteParams::default())
        .await
        .unwrap();

    // A new password would lock the store out of its database: the reconciler says so.
    let drift = eventually("the lost Secret is reported", || async {
        // A look that read the Secret just before it was deleted puts it back as it was,
        // password included; it is deleted again until a look finds it gone.
        if let Some(back) = secrets.get_opt(&names[0]).await.unwrap() {
            assert_eq!(back.data, kept, "a Secret put back holds what it held");
            secrets
                .delete(&names[0], &DeleteParams::default())
                .await
                .unwrap();
        }
        health(&app).await.drift
    })
    .await;
    assert!(
        drift.contains("holding the database password is gone"),
        "{drift}"
    );
    assert!(drift.contains("restore"), "{drift}");
    // And leaves it to a person, also at its next looks.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(secrets.get_opt(&names[0]).await.unwrap().is_none());
    assert_eq!(
        app.tenants().await.show("acme").await.unwrap().tenant.state,
        TenantState::Ready
    );
}
