//! Suspending, resuming, archiving and re-provisioning a store, checked on the simulated
//! cluster and on the owner's dashboard.

use app::api::stores::StoreOverviewData;
use app::domain::TenantState;
use app::ports::TenantAdmin;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::ListParams;
use kube::Api;

use crate::on_both_databases;
use crate::owner::owned_store;
use crate::provisioning::wait_for_state;
use crate::support::operator;
use crate::support::{admin, post, Backend, TestApp};

on_both_databases!(
    an_admin_suspends_and_resumes_a_store,
    an_archived_store_keeps_its_data_and_nothing_runs,
    an_admin_reprovisions_a_store,
);

async fn replicas(app: &TestApp, name: &str) -> Option<i32> {
    let api: Api<Deployment> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    api.get_opt(name)
        .await
        .unwrap()
        .map(|d| d.spec.unwrap().replicas.unwrap())
}

async fn backend_of_the_host(app: &TestApp) -> String {
    let api: Api<Ingress> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let ingress = api.get("public").await.unwrap();
    let rules = ingress.spec.unwrap().rules.unwrap();
    let path = &rules[0].http.as_ref().unwrap().paths[0];
    path.backend.service.as_ref().unwrap().name.clone()
}

async fn claims(app: &TestApp) -> usize {
    let api: Api<PersistentVolumeClaim> =
        Api::namespaced(app.cluster(), &app.namespace("acme").await);
    api.list(&ListParams::default()).await.unwrap().items.len()
}

async fn an_admin_suspends_and_resumes_a_store(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (owner, tenants) = owned_store(&app, "olga@example.com", "acme").await;
    let admin = admin(&app).await;

    let suspended = post(
        &app,
        &admin,
        "admin/tenants/suspend",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(suspended.status(), 200);
    wait_for_state(&tenants, "acme", TenantState::Suspended).await;
    assert_eq!(replicas(&app, "web").await, Some(0));
    assert_eq!(replicas(&app, "api").await, Some(0));
    let databases: Api<StatefulSet> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let database = databases.get("database").await.unwrap();
    assert_eq!(database.spec.unwrap().replicas, Some(0));
    assert_eq!(replicas(&app, "maintenance").await, Some(1));
    assert_eq!(backend_of_the_host(&app).await, "maintenance");
    assert_eq!(claims(&app).await, 2);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'suspended' AND recipient = 'olga@example.com'")
            .await,
        1
    );

    // The owner sees it.
    let overview: StoreOverviewData =
        post(&app, &owner, "stores/overview", &[("subdomain", "acme")])
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(overview.detail.tenant.state, TenantState::Suspended);
    // A suspended store's settings cannot change; nothing is saved.
    let refused = post(
        &app,
        &owner,
        "stores/settings/save",
        &[("subdomain", "acme"), ("values[theme_color]", "#000000")],
    )
    .await;
    assert_eq!(refused.status(), 409);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM setting_changes").await, 0);

    // Suspending again is refused.
    let again = post(
        &app,
        &admin,
        "admin/tenants/suspend",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(again.status(), 409);

    let resumed = post(
        &app,
        &admin,
        "admin/tenants/resume",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(resumed.status(), 200);
    wait_for_state(&tenants, "acme", TenantState::Ready).await;
    assert_eq!(replicas(&app, "web").await, Some(1));
    assert_eq!(replicas(&app, "maintenance").await, None);
    assert_eq!(backend_of_the_host(&app).await, "web");
    let causes = app
        .scalar("SELECT COUNT(*) FROM tenant_transitions WHERE cause = 'admin root@example.com' AND to_state = 'suspended'")
        .await;
    assert_eq!(causes, 1);
    for action in ["tenant.suspend", "tenant.resume"] {
        let sql = format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' \
             AND actor_email = 'root@example.com' AND target = 'acme'"
        );
        assert_eq!(app.scalar(&sql).await, 1, "{action}");
    }
}

async fn an_archived_store_keeps_its_data_and_nothing_runs(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_owner, tenants) = owned_store(&app, "olga@example.com", "acme").await;
    tenants.suspend(&operator(), "acme").await.unwrap();
    wait_for_state(&tenants, "acme", TenantState::Suspended).await;
    let record = server::db::tenants::by_subdomain(tenants.pool(), "acme")
        .await
        .unwrap()
        .unwrap();
    tenants
        .move_tenant(&record, server::tenants::Move::Archive, "test", &[])
        .await
        .unwrap();
    wait_for_state(&tenants, "acme", TenantState::Archived).await;

    assert_eq!(replicas(&app, "web").await, None);
    assert_eq!(replicas(&app, "api").await, None);
    let databases: Api<StatefulSet> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    assert!(databases.get_opt("database").await.unwrap().is_none());
    assert_eq!(claims(&app).await, 2);
    assert_eq!(replicas(&app, "maintenance").await, Some(1));
    assert_eq!(backend_of_the_host(&app).await, "maintenance");
    // An archived store cannot be resumed.
    assert!(tenants.resume(&operator(), "acme").await.is_err());
}

async fn an_admin_reprovisions_a_store(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_owner, tenants) = owned_store(&app, "olga@example.com", "acme").await;
    let admin = admin(&app).await;
    // Someone removed a Deployment by hand; re-provisioning brings it back.
    let api: Api<Deployment> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    api.delete("api", &Default::default()).await.unwrap();
    let response = post(
        &app,
        &admin,
        "admin/tenants/reprovision",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(response.status(), 200);
    wait_for_state(&tenants, "acme", TenantState::Ready).await;
    assert_eq!(replicas(&app, "api").await, Some(1));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'provision' AND state = 'succeeded'")
            .await,
        2
    );
}
