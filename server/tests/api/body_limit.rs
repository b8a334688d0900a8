//! A request body over the limit is refused with 413 before anything reads it as input.

use app::error::AppError;
use server::http::server_fns::BODY_LIMIT;

use crate::on_both_databases;
use crate::support::{error_of, Backend, TestApp};

on_both_databases!(an_oversized_body_answers_413_and_changes_nothing);

async fn an_oversized_body_answers_413_and_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let huge = "a".repeat(BODY_LIMIT + 1);

    let refused = app
        .call(
            "sign_up",
            &[("email", "ada@example.com"), ("password", &huge)],
        )
        .await;
    assert_eq!(refused.status(), 413);
    assert_eq!(error_of(refused).await, AppError::TooLarge);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);

    // Stripe's webhook, outside the server functions, has the same limit.
    let webhook = app
        .client
        .post(format!("{}/api/stripe/webhook", app.base))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status(), 413);

    // A body within the limit goes through.
    let accepted = app
        .call(
            "sign_up",
            &[
                ("email", "ada@example.com"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(accepted.status(), 200);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
}
