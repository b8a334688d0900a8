//! The tenant server functions and the live progress stream, over HTTP as the UI uses them.

use std::time::Duration;

use app::api::TenantPageData;
use app::domain::{JobProgress, TenantView};
use app::error::AppError;

use crate::on_both_databases;
use crate::support::{admin, client, error_of, post, progress_message, Backend, TestApp};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    only_admins_reach_the_tenant_functions_and_nothing_changes_otherwise,
    the_progress_stream_follows_a_job_and_resumes_after_the_last_event,
);

async fn only_admins_reach_the_tenant_functions_and_nothing_changes_otherwise(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let customer = app.signed_up("eve@example.com", PASSWORD).await;
    let visitor = client();
    let create = [
        ("subdomain", "acme"),
        ("plan", "starter"),
        ("owner_email", ""),
    ];
    let calls: [(&str, &[(&str, &str)]); 5] = [
        ("admin/tenants", &[]),
        ("admin/tenants/create", &create),
        ("admin/tenants/detail", &[("subdomain", "acme")]),
        (
            "admin/tenants/delete",
            &[("subdomain", "acme"), ("confirm", "acme")],
        ),
        ("admin/catalog", &[]),
    ];
    for (function, form) in calls {
        let refused = post(&app, &customer, function, form).await;
        assert_eq!(refused.status(), 403, "{function}");
        assert_eq!(error_of(refused).await, AppError::Forbidden);
        assert_eq!(
            post(&app, &visitor, function, form).await.status(),
            401,
            "{function}"
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM tenants").await, 0);

    let admin = admin(&app).await;
    let created = post(&app, &admin, "admin/tenants/create", &create).await;
    assert_eq!(created.status(), 200);
    let tenant: TenantView = created.json().await.unwrap();
    assert_eq!(tenant.subdomain, "acme");

    // Deleting needs the subdomain typed again.
    let unconfirmed = post(
        &app,
        &admin,
        "admin/tenants/delete",
        &[("subdomain", "acme"), ("confirm", "acm")],
    )
    .await;
    assert_eq!(unconfirmed.status(), 422);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'delete'")
            .await,
        0
    );
}

/// Reads Server-Sent Events until the stream ends; returns (id, data) pairs.
async fn read_stream(response: reqwest::Response) -> Vec<(i64, JobProgress)> {
    let text = tokio::time::timeout(Duration::from_secs(30), response.text())
        .await
        .expect("the stream ends when the job does")
        .unwrap();
    text.split("\n\n").filter_map(progress_message).collect()
}

async fn the_progress_stream_follows_a_job_and_resumes_after_the_last_event(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    post(
        &app,
        &admin,
        "admin/tenants/create",
        &[
            ("subdomain", "acme"),
            ("plan", "starter"),
            ("owner_email", ""),
        ],
    )
    .await;
    let page: TenantPageData = post(
        &app,
        &admin,
        "admin/tenants/detail",
        &[("subdomain", "acme")],
    )
    .await
    .json()
    .await
    .unwrap();
    let job_id = page.progress.unwrap().job.id;
    let url = format!("{}/api/jobs/{job_id}/events", app.base);

    let response = admin.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let messages = read_stream(response).await;
    let ids: Vec<i64> = messages.iter().map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    let seqs: Vec<i64> = messages
        .iter()
        .flat_map(|(_, p)| p.events.iter().map(|e| e.seq))
        .collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "every event once, in order"
    );
    let last = &messages.last().unwrap().1;
    assert_eq!(last.job.state.as_str(), "succeeded");
    assert_eq!(last.events.last().unwrap().kind.as_str(), "finished");

    // A browser reconnecting sends the last id it saw and gets only what came after.
    let resumed = admin
        .get(&url)
        .header("last-event-id", (seqs.len() as i64 - 2).to_string())
        .send()
        .await
        .unwrap();
    let again = read_stream(resumed).await;
    let kinds: Vec<String> = again
        .iter()
        .flat_map(|(_, p)| p.events.iter().map(|e| e.kind.as_str().to_owned()))
        .collect();
    assert_eq!(kinds, ["succeeded", "finished"]);

    // Nobody else may watch: a customer who does not own the tenant, and a visitor.
    let customer = app.signed_up("eve@example.com", PASSWORD).await;
    assert_eq!(customer.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(client().get(&url).send().await.unwrap().status(), 401);
}
