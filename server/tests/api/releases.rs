//! Releases and the API tokens CI announces them with: a token is made on the command line
//! and shown once, a call with it makes a release, and every refusal (no token, a wrong or
//! revoked one, one without the scope, a bad release) changes nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::cli::command_line as command;
use crate::on_both_databases;
use crate::support::{Backend, TestApp};

on_both_databases!(a_ci_token_announces_releases_until_it_is_revoked,);

async fn announce(app: &TestApp, token: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/releases", app.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let unauthenticated = status == StatusCode::UNAUTHORIZED;
    let challenge = response.headers().get("www-authenticate").cloned();
    assert_eq!(
        unauthenticated,
        challenge.is_some(),
        "a 401 says how to authenticate"
    );
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn releases(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM releases").await
}

async fn a_ci_token_announces_releases_until_it_is_revoked(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let ci = command(
        &app,
        &[
            "token",
            "create",
            "--name",
            "ci",
            "--scope",
            "releases:write",
        ],
    )
    .await
    .trim()
    .to_owned();
    assert!(ci.starts_with("sf_") && ci.len() > 40, "{ci}");
    let other = command(
        &app,
        &[
            "token",
            "create",
            "--name",
            "deployer",
            "--scope",
            "rollouts:write",
        ],
    )
    .await
    .trim()
    .to_owned();
    // Only a hash is kept.
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{ci}' OR scopes LIKE '%sf_%'"
        ))
        .await,
        0
    );

    let release = json!({
        "blueprint": "store",
        "name": "1.4.0",
        "images": { "api": "1.4.0", "web": "1.27.3-alpine" },
        "notes": "Faster checkout",
    })
    .to_string();

    // Refused: no token, a made-up one, one without the scope.
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (
            Some("sf_madeupmadeupmadeupmadeupmadeupmadeup00"),
            StatusCode::UNAUTHORIZED,
        ),
        (Some("not even a token"), StatusCode::UNAUTHORIZED),
        (Some(other.as_str()), StatusCode::FORBIDDEN),
    ] {
        let (answered, body) = announce(&app, token, &release).await;
        assert_eq!(answered, status, "{token:?}: {body}");
        assert!(body["error"].is_string(), "{body}");
        assert_eq!(releases(&app).await, 0);
    }
    // Refused: a body that is not a release, and a release its blueprint cannot run.
    let (status, body) = announce(&app, Some(&ci), "{\"name\": ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let unknown = json!({ "blueprint": "store", "name": "1.4.0", "images": { "mailer": "1" } });
    let (status, body) = announce(&app, Some(&ci), &unknown.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no component mailer"),
        "{body}"
    );
    assert_eq!(releases(&app).await, 0);

    // Made, once: releases never change.
    let (status, made) = announce(&app, Some(&ci), &release).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["name"], "1.4.0");
    assert_eq!(made["images"]["web"], "1.27.3-alpine");
    assert_eq!(made["created_by"], "token ci");
    let (status, body) = announce(&app, Some(&ci), &release).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(releases(&app).await, 1);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM api_tokens WHERE name = 'ci' AND last_used_at IS NOT NULL"
        )
        .await,
        1
    );

    // Revoked: refused from then on.
    command(&app, &["token", "revoke", "--name", "ci"]).await;
    let next = release.replace("1.4.0\"", "1.4.1\"");
    let (status, _) = announce(&app, Some(&ci), &next).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(releases(&app).await, 1);

    // An operator makes one on the command line; both are listed, the newest first.
    command(
        &app,
        &[
            "release",
            "create",
            "--name",
            "1.5.0",
            "--image",
            "api=1.5.0",
        ],
    )
    .await;
    let listed = command(&app, &["release", "list"]).await;
    let names: Vec<&str> = listed
        .lines()
        .map(|line| line.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(names, ["1.5.0", "1.4.0"], "{listed}");

    // Each call is audited, with who made it and how.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'release.create' \
             AND actor_kind = 'token' AND actor_email = 'ci' AND target = 'store/1.4.0'"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'release.create' \
             AND actor_kind = 'operator' AND actor_email = 'ops' AND target = 'store/1.5.0'"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'token.refused'")
            .await,
        5
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('token.create', 'token.revoke') \
             AND actor_kind = 'operator'"
        )
        .await,
        3
    );
}
