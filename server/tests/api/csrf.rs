//! State-changing requests from another origin are refused.

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

on_both_databases!(
    a_cross_origin_sign_up_is_refused_and_creates_nothing,
    scheme_host_and_port_must_all_match_the_origin,
);

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

async fn scheme_host_and_port_must_all_match_the_origin(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let form = [
        ("email", "ada@example.com"),
        ("password", "correct horse battery"),
    ];
    let addr = app.base.trim_start_matches("http://");
    let (host, port) = addr.rsplit_once(':').unwrap();
    let port: u16 = port.parse().unwrap();
    let sign_up = |origin: Option<String>, referer: Option<String>| {
        let mut request = app
            .client
            .post(format!("{}/api/sign_up", app.base))
            .form(&form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(referer) = referer {
            request = request.header("referer", referer);
        }
        request.send()
    };

    for (origin, why) in [
        (format!("https://{addr}"), "another scheme"),
        (format!("http://{host}:{}", port + 1), "another port"),
        (format!("http://localhost:{port}"), "another host"),
    ] {
        let refused = sign_up(Some(origin.clone()), None).await.unwrap();
        assert_eq!(refused.status(), 403, "{why}: {origin}");
        let refused = sign_up(None, Some(format!("{origin}/register")))
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{why}: referer {origin}");
    }
    // The configured public URL is `http://127.0.0.1:3000`: another scheme is another origin,
    // and the default port is no port at all.
    for origin in ["https://127.0.0.1:3000", "http://127.0.0.1"] {
        let refused = sign_up(Some(origin.into()), None).await.unwrap();
        assert_eq!(refused.status(), 403, "{origin}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);

    // The exact origin goes through.
    let accepted = sign_up(Some(app.base.clone()), None).await.unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
}
