//! An API server outage is not a failure of the store: jobs wait it out without spending their
//! attempts, and say so in their timeline.

use std::time::Duration;

use app::domain::TenantState;
use app::ports::TenantAdmin;

use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::operator;
use crate::support::{test_config, Backend, TestApp};

on_both_databases!(a_cluster_down_longer_than_the_attempt_budget_costs_no_attempts);

async fn a_cluster_down_longer_than_the_attempt_budget_costs_no_attempts(backend: Backend) {
    // Two attempts 100 ms apart: without patience the job would fail within a second.
    let mut config = test_config();
    config.job_max_attempts = 2;
    config.job_backoff_ms = 100;
    config.cluster_outage_tolerance_secs = 600;
    let Some(mut app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;

    app.pause_cluster().await;
    let (_, job_id) = tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    // Twice as many tries as the attempt budget, all refused.
    let mut waits = Vec::new();
    for _ in 0..400 {
        waits = tenants
            .events(&job_id, 0)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind.as_str() == "waiting")
            .collect();
        if waits.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(waits.len() >= 4, "the job kept trying: {waits:?}");
    assert!(
        waits.iter().all(|e| e.step_name == "apply"
            && e.message.starts_with("Cluster unreachable since ")
            && e.message.contains(" UTC; trying again in ")),
        "{waits:?}"
    );
    let detail = tenants.show("acme").await.unwrap();
    assert_eq!(detail.tenant.state, TenantState::Provisioning);
    assert_eq!(detail.jobs[0].state.as_str(), "running");
    let error = detail.jobs[0].last_error.clone().unwrap_or_default();
    assert!(
        error.starts_with("Cluster unreachable since ") && error.contains("cluster: "),
        "{error}"
    );
    assert_eq!(app.scalar("SELECT attempts FROM jobs").await, 0);

    app.resume_cluster().await;
    let detail = wait_for_state(&tenants, "acme", TenantState::Ready).await;
    assert_eq!(detail.jobs[0].state.as_str(), "succeeded");
    assert_eq!(detail.jobs[0].last_error, None);
    assert_eq!(app.scalar("SELECT attempts FROM jobs").await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenant_transitions WHERE to_state = 'failed'")
            .await,
        0,
        "the store never counted as failed"
    );
    let events = tenants.events(&job_id, 0).await.unwrap();
    assert!(
        events
            .iter()
            .all(|e| e.kind.as_str() != "retrying" && e.kind.as_str() != "failed"),
        "no attempt was spent: {events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.kind.as_str() == "resumed"
                && e.message.starts_with("Cluster reachable again")),
        "{events:?}"
    );
}
