//! Pages answer with the status of what they show: a store the viewer may not see is 404,
//! an admin page for a customer is 403.

use crate::on_both_databases;
use crate::owner::{owned_store, PASSWORD};
use crate::support::{admin, Backend, TestApp};

on_both_databases!(
    a_store_the_viewer_may_not_see_answers_404,
    admin_pages_answer_403_to_a_customer
);

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn a_store_the_viewer_may_not_see_answers_404(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (olga, _) = owned_store(&app, "olga@example.com", "acme").await;
    let mallory = app.signed_up("mallory@example.com", PASSWORD).await;

    for path in [
        "/stores/acme",
        "/stores/nosuch",
        "/signup/acme/progress",
        "/stores/acme/settings",
    ] {
        let (status, body) = page(&mallory, &app, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Page not found"), "{path}");
        assert!(!body.contains("data-testid=\"store-url\""), "{path}");
    }
    let (status, body) = page(&mallory, &app, "/stores/acme").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("href=\"/stores\""),
        "a way back to the viewer's stores"
    );

    let (status, body) = page(&olga, &app, "/stores/acme").await;
    assert_eq!(status, 200);
    assert!(body.contains("data-testid=\"store-url\""));
    // The owner sees where the store lives on the cluster.
    let namespace = app.namespace("acme").await;
    assert!(
        body.contains(&format!("data-testid=\"store-namespace\">{namespace}<")),
        "{body}"
    );
}

async fn admin_pages_answer_403_to_a_customer(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (customer, _) = owned_store(&app, "olga@example.com", "acme").await;
    let admin = admin(&app).await;

    for path in [
        "/admin",
        "/admin/accounts",
        "/admin/system",
        "/admin/tenants",
        "/admin/tenants/acme",
        "/admin/catalog",
        "/admin/audit",
    ] {
        let (status, body) = page(&customer, &app, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(body.contains("You are not allowed to do that."), "{path}");
        let (status, _) = page(&admin, &app, path).await;
        assert_eq!(status, 200, "{path} for an admin");
    }
    let (status, body) = page(&admin, &app, "/admin/tenants/nosuch").await;
    assert_eq!(status, 404);
    assert!(body.contains("No such tenant"));
}
