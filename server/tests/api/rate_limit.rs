//! Log-in attempts are limited per account and per client address.

use app::error::AppError;

use crate::on_both_databases;
use crate::support::{error_of, retry_after, Backend, TestApp};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    the_account_limit_engages_even_for_the_right_password,
    the_client_limit_engages_across_accounts,
    a_success_clears_the_account_failures,
);

async fn the_account_limit_engages_even_for_the_right_password(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.signed_up("ada@example.com", PASSWORD).await;

    for _ in 0..5 {
        let response = app
            .call(
                "log_in",
                &[("email", "ada@example.com"), ("password", "a wrong guess")],
            )
            .await;
        assert_eq!(response.status(), 401);
    }
    let limited = app
        .call(
            "log_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(limited.status(), 429);
    let wait = retry_after(&limited).expect("a Retry-After header");
    assert!((1..=900).contains(&wait), "{wait}");
    let AppError::RateLimited { message, .. } = error_of(limited).await else {
        panic!("expected the rate limit");
    };
    assert_eq!(
        message,
        "Too many failed log-in attempts. Try again in 15 minutes."
    );
    assert_eq!(
        app.call("account", &[]).await.status(),
        401,
        "not signed in"
    );

    // Another account from the same address is not affected by this account's limit.
    app.signed_up("grace@example.com", PASSWORD).await;
    let other = app
        .call(
            "log_in",
            &[("email", "grace@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(other.status(), 200);

    // Once the failures leave the window, the account may log in again.
    app.execute("UPDATE login_failures SET failed_at = failed_at - 901000")
        .await;
    let later = app
        .call(
            "log_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(later.status(), 200);
}

async fn the_client_limit_engages_across_accounts(backend: Backend) {
    let mut config = crate::support::test_config();
    config.login_max_failures_per_client = 4;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    app.signed_up("ada@example.com", PASSWORD).await;

    for n in 0..4 {
        let email = format!("guess{n}@example.com");
        let response = app
            .call(
                "log_in",
                &[("email", &email), ("password", "a wrong guess")],
            )
            .await;
        assert_eq!(response.status(), 401);
    }
    let limited = app
        .call(
            "log_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(limited.status(), 429);
    let wait = retry_after(&limited).expect("a Retry-After header");
    assert!((1..=900).contains(&wait), "{wait}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM login_failures").await,
        8,
        "four failures, each counted for its account and its client; the refused attempt is not"
    );
}

async fn a_success_clears_the_account_failures(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.signed_up("ada@example.com", PASSWORD).await;
    for _ in 0..4 {
        app.call(
            "log_in",
            &[("email", "ada@example.com"), ("password", "a wrong guess")],
        )
        .await;
    }
    assert_eq!(
        app.call(
            "log_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)]
        )
        .await
        .status(),
        200
    );
    let wrong = app
        .call(
            "log_in",
            &[("email", "ada@example.com"), ("password", "a wrong guess")],
        )
        .await;
    assert_eq!(wrong.status(), 401, "counting starts again after a success");
}
