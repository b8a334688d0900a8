//! What people see of a store on the cluster: an admin's view of its objects with their
//! status, and a store behind a load balancer reaching ready with its Service's address.

use app::api::tenants::inspect::TenantInspection;
use app::domain::TenantState;
use app::ports::TenantAdmin;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{Api, ListParams};

use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::operator;
use crate::support::{admin, post, test_config, Backend, TestApp};

on_both_databases!(
    an_admin_sees_the_stores_objects_with_their_status,
    a_store_behind_a_load_balancer_is_ready_at_its_address,
);

async fn an_admin_sees_the_stores_objects_with_their_status(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    wait_for_state(&tenants, "acme", TenantState::Ready).await;

    let admin = admin(&app).await;
    let response = post(
        &app,
        &admin,
        "admin/tenants/inspect",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(response.status(), 200);
    let inspection: TenantInspection = response.json().await.unwrap();
    let objects = inspection.objects.expect("the cluster answered");
    let status_of = |kind: &str| -> Vec<String> {
        objects
            .iter()
            .filter(|o| o.kind == kind)
            .map(|o| o.status.clone())
            .collect()
    };
    assert_eq!(status_of("PersistentVolumeClaim"), ["Bound", "Bound"]);
    assert_eq!(status_of("Deployment"), ["1/1 ready", "1/1 ready"]);
    assert_eq!(status_of("StatefulSet"), ["1/1 ready"]);
    assert_eq!(status_of("Ingress"), ["address 127.0.0.1"]);
}

async fn a_store_behind_a_load_balancer_is_ready_at_its_address(backend: Backend) {
    let mut config = test_config();
    config.cluster.exposure = server::config::ExposureKind::LoadBalancer;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    let detail = wait_for_state(&tenants, "acme", TenantState::Ready).await;
    assert_eq!(detail.jobs[0].state.as_str(), "succeeded");
    let events = tenants.events(&detail.jobs[0].id, 0).await.unwrap();
    assert!(events
        .iter()
        .any(|e| e.step_name == "address" && e.kind.as_str() == "succeeded"));
    let ingresses: Api<Ingress> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let none = ingresses.list(&ListParams::default()).await.unwrap();
    assert!(none.items.is_empty(), "the Service is the way in");
}
