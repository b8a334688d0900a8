//! Level-triggered waits: a job that resumes after a restart finds the cluster as it is, not
//! as it last left it, and puts back what is missing.

use std::time::Duration;

use app::domain::TenantState;
use app::ports::{TenantAdmin, TenantInspection};
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;

use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::{operator, test_config, Backend, TestApp};

on_both_databases!(
    a_job_resumed_on_an_empty_cluster_applies_its_objects_again,
    stores_made_before_a_restart_are_still_there_after_it,
);

async fn a_job_resumed_on_an_empty_cluster_applies_its_objects_again(backend: Backend) {
    let mut config = test_config();
    config.sim_ready_delay_ms = 1_500;
    config.job_step_timeout_secs = Some(60);
    config.job_lease_secs = 3;
    let Some(mut app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    // Once the objects are applied, the job waits on them; then the server restarts with a
    // simulated cluster that starts empty, as a rebuilt cluster would.
    for _ in 0..200 {
        if app.scalar("SELECT step FROM jobs").await >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(app.scalar("SELECT step FROM jobs").await >= 1);
    app.restart().await;

    wait_for_state(&tenants, "acme", TenantState::Ready).await;
    let reapplied = app
        .text(
            "SELECT message FROM job_events WHERE kind = 'waiting' \
             AND message LIKE '%re-applied%'",
        )
        .await;
    assert!(reapplied.contains("missing"), "{reapplied}");
    let deployments: Api<Deployment> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    assert!(deployments.get_opt("web").await.unwrap().is_some());
}

async fn stores_made_before_a_restart_are_still_there_after_it(backend: Backend) {
    let folder = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config.sim_state_file = Some(folder.path().join("cluster.json"));
    let Some(mut app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    wait_for_state(&tenants, "acme", TenantState::Ready).await;
    let namespace = app.namespace("acme").await;
    let deployments: Api<Deployment> = Api::namespaced(app.cluster(), &namespace);
    let before = deployments.get("web").await.unwrap().metadata;

    app.restart().await;

    let deployments: Api<Deployment> = Api::namespaced(app.cluster(), &namespace);
    let after = deployments.get("web").await.unwrap().metadata;
    assert_eq!(after.uid, before.uid);
    assert_eq!(after.resource_version, before.resource_version);
    let health = app
        .tenants()
        .await
        .with_client(app.cluster())
        .health("acme")
        .await
        .unwrap();
    assert!(
        health
            .workloads
            .iter()
            .all(|w| w.ready == w.desired && w.desired > 0),
        "{health:?}"
    );
    assert!(!health.workloads.is_empty());
}
