//! State-changing requests from another origin are refused.

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

on_both_databases!(a_cross_origin_sign_up_is_refused_and_creates_nothing);

async fn a_cross_origin_sign_up_is_refused_and_creates_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let form = [
        ("email", "ada@example.com"),
        ("password", "correct horse battery"),
    ];

    for origin in [
        "https://evil.example",
        "http://shop.127.0.0.1.nip.io:3000",
        "null",
    ] {
        let response = app
            .client
            .post(format!("{}/api/sign_up", app.base))
            .header("origin", origin)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{origin}");
        assert_eq!(
            response.text().await.unwrap(),
            "Cross-origin request refused."
        );
    }
    let response = app
        .client
        .post(format!("{}/api/sign_up", app.base))
        .header("referer", "https://evil.example/a-page")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);

    // The same request from the server's own origin goes through.
    assert_eq!(app.call("sign_up", &form).await.status(), 200);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
}
