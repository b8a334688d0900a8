//! Every server function checks who calls it.

use app::domain::{Role, UserView};
use app::error::AppError;

use crate::on_both_databases;
use crate::support::{error_of, Backend, TestApp};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    a_customer_calling_admin_functions_gets_403_and_nothing_changes,
    a_visitor_gets_401,
    an_admin_lists_and_promotes_but_never_demotes_the_last_admin,
);

async fn a_customer_calling_admin_functions_gets_403_and_nothing_changes(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let signed_up = app
        .call(
            "sign_up",
            &[("email", "eve@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed_up.status(), 200);
    let me: UserView = app.call("account", &[]).await.json().await.unwrap();

    let list = app.call("admin/users", &[]).await;
    assert_eq!(list.status(), 403);
    assert_eq!(error_of(list).await, AppError::Forbidden);

    let promote = app
        .call(
            "admin/set_role",
            &[("user_id", me.id.as_str()), ("role", "admin")],
        )
        .await;
    assert_eq!(promote.status(), 403);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        0
    );
}

async fn a_visitor_gets_401(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for function in ["account", "admin/users"] {
        let response = app.call(function, &[]).await;
        assert_eq!(response.status(), 401, "{function}");
        assert_eq!(error_of(response).await, AppError::Unauthenticated);
    }
    let promote = app
        .call("admin/set_role", &[("user_id", "x"), ("role", "admin")])
        .await;
    assert_eq!(promote.status(), 401);
    let whoami: Option<UserView> = app.call("whoami", &[]).await.json().await.unwrap();
    assert_eq!(whoami, None);
}

async fn an_admin_lists_and_promotes_but_never_demotes_the_last_admin(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.signed_up("ada@example.com", PASSWORD).await;
    app.execute("UPDATE users SET role = 'admin' WHERE email = 'ada@example.com'")
        .await;
    app.signed_up("grace@example.com", PASSWORD).await;
    let response = app
        .call(
            "log_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.headers()["location"], "/admin");

    let users: Vec<UserView> = app.call("admin/users", &[]).await.json().await.unwrap();
    let emails: Vec<&str> = users.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails, ["ada@example.com", "grace@example.com"]);
    let ada = &users[0];

    let refused = app
        .call(
            "admin/set_role",
            &[("user_id", ada.id.as_str()), ("role", "customer")],
        )
        .await;
    assert_eq!(refused.status(), 409);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );

    let grace = &users[1];
    let promoted: UserView = app
        .call(
            "admin/set_role",
            &[("user_id", grace.id.as_str()), ("role", "admin")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(promoted.role, Role::Admin);
    let demoted: UserView = app
        .call(
            "admin/set_role",
            &[("user_id", ada.id.as_str()), ("role", "customer")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(demoted.role, Role::Customer);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );

    let missing = app
        .call(
            "admin/set_role",
            &[("user_id", "no-such-id"), ("role", "admin")],
        )
        .await;
    assert_eq!(missing.status(), 403, "ada is no longer an admin");
}
