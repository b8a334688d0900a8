//! A server function called with arguments that do not decode answers 400 and does nothing.

use app::error::AppError;

use crate::on_both_databases;
use crate::support::{admin, error_of, post, Backend, TestApp};

on_both_databases!(undecodable_arguments_answer_400_and_change_nothing);

async fn undecodable_arguments_answer_400_and_change_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    let customer = app
        .signed_up("ada@example.com", "correct horse battery")
        .await;
    let users = app.scalar("SELECT COUNT(*) FROM users").await;
    let audit = app.scalar("SELECT COUNT(*) FROM audit_log").await;

    // A missing field.
    let missing = app.call("sign_up", &[("email", "grace@example.com")]).await;
    assert_eq!(missing.status(), 400);
    assert!(matches!(error_of(missing).await, AppError::Transport(_)));

    // A body that is not a form at all.
    let garbled = app
        .client
        .post(format!("{}/api/sign_up", app.base))
        .header("origin", &app.base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, b'=', 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status(), 400);
    assert!(matches!(error_of(garbled).await, AppError::Transport(_)));

    // A value that is not one of the field's values.
    let id = app
        .text("SELECT id FROM users WHERE email = 'ada@example.com'")
        .await;
    let unknown_role = post(
        &app,
        &admin,
        "admin/set_role",
        &[("user_id", &id), ("role", "emperor")],
    )
    .await;
    assert_eq!(unknown_role.status(), 400);
    assert!(matches!(
        error_of(unknown_role).await,
        AppError::Transport(_)
    ));

    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, users);
    assert_eq!(
        app.text("SELECT role FROM users WHERE email = 'ada@example.com'")
            .await,
        "customer"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_log").await, audit);
    // The customer is still who they were.
    assert_eq!(post(&app, &customer, "account", &[]).await.status(), 200);
}
