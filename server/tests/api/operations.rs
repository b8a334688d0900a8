//! Probes and pages an operator relies on.

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

on_both_databases!(probes_answer, pages_render_on_the_server);

async fn probes_answer(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}

async fn pages_render_on_the_server(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for (path, text) in [
        ("/", "A store of your own"),
        ("/signup", "Start your store"),
        ("/register", "Create your account"),
        ("/login", "Log in"),
        ("/account", "to see your account"),
        ("/admin", "as an admin"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let page = response.text().await.unwrap();
        assert!(page.contains(text), "{path} lacks {text:?}");
        assert!(page.contains("/pkg/storefleet.js"), "{path} loads the WASM");
    }
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page not found"));
}
