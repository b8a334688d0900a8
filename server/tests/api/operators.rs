//! An admin can always act: cancel a job that cannot finish, and re-provision a store in any
//! state but deleted.

use app::domain::TenantState;
use app::ports::TenantAdmin;

use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::{admin, error_of, operator, post, Backend, TestApp};

on_both_databases!(
    an_admin_cancels_a_job_that_waits_and_re_provisions_the_store,
    a_store_stuck_provisioning_can_be_re_provisioned_at_once,
);

async fn an_admin_cancels_a_job_that_waits_and_re_provisions_the_store(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    let tenants = app.tenants().await;
    // With the cluster down, the job waits the outage out and cannot finish.
    app.pause_cluster().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    let admin = admin(&app).await;

    let cancelled = post(
        &app,
        &admin,
        "admin/tenants/cancel",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(cancelled.status(), 200);
    let detail = tenants.show("acme").await.unwrap();
    assert_eq!(detail.tenant.state, TenantState::Failed);
    let job = &detail.jobs[0];
    assert!(job.is_finished());
    assert_eq!(
        job.last_error.as_deref(),
        Some("Cancelled by root@example.com")
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'tenant.cancel' AND target = 'acme' \
             AND actor_email = 'root@example.com'"
        )
        .await,
        1
    );

    // Nothing left to cancel: a clear refusal, and nothing changes.
    let again = post(
        &app,
        &admin,
        "admin/tenants/cancel",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        error_of(again).await.to_string(),
        "The tenant has no unfinished job to cancel."
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'tenant.cancel'")
            .await,
        1
    );

    app.resume_cluster().await;
    let reprovisioned = post(
        &app,
        &admin,
        "admin/tenants/reprovision",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(reprovisioned.status(), 200);
    wait_for_state(&tenants, "acme", TenantState::Ready).await;
}

async fn a_store_stuck_provisioning_can_be_re_provisioned_at_once(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    let tenants = app.tenants().await;
    app.pause_cluster().await;
    let (_, first) = tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    assert_eq!(
        tenants.show("acme").await.unwrap().tenant.state,
        TenantState::Provisioning
    );

    let second = tenants.reprovision(&operator(), "acme").await.unwrap();
    assert_ne!(first, second);
    let superseded = app
        .text(&format!(
            "SELECT last_error FROM jobs WHERE id = '{}'",
            first.as_str()
        ))
        .await;
    assert_eq!(superseded, "cancelled: superseded by a provision job");

    app.resume_cluster().await;
    let detail = wait_for_state(&tenants, "acme", TenantState::Ready).await;
    assert_eq!(detail.jobs[0].id, second);

    // Deleted is the one state with no way back.
    tenants.delete(&operator(), "acme").await.unwrap();
    wait_for_state(&tenants, "acme", TenantState::Deleted).await;
    let refused = tenants.reprovision(&operator(), "acme").await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "The tenant is deleted and cannot be re-provisioned now."
    );
}
