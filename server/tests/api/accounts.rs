//! Sign-up, log-in, log-out and sessions.

use app::domain::{Role, UserView};
use app::error::AppError;

use crate::on_both_databases;
use crate::support::{error_of, Backend, TestApp};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    sign_up_log_in_and_read_the_account,
    a_wrong_password_is_refused_without_saying_why,
    bad_sign_ups_are_refused_and_store_nothing,
    forms_without_javascript_redirect,
    a_session_survives_a_server_restart,
    logging_in_renews_the_session_id,
    an_active_session_is_renewed_once_a_day,
    cookies_are_secure_behind_https,
);

async fn sign_up_log_in_and_read_the_account(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };

    let response = app
        .call(
            "sign_up",
            &[("email", "Ada@Example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("storefleet_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http public URL: {cookie}"
    );

    let me: UserView = app.call("account", &[]).await.json().await.unwrap();
    assert_eq!(me.email, "ada@example.com");
    assert_eq!(me.role, Role::Customer);

    assert_eq!(app.call("log_out", &[]).await.status(), 200);
    let response = app.call("account", &[]).await;
    assert_eq!(response.status(), 401);
    assert_eq!(error_of(response).await, AppError::Unauthenticated);

    let response = app
        .call(
            "log_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["location"], "/account");
    let me: UserView = app.call("account", &[]).await.json().await.unwrap();
    assert_eq!(me.email, "ada@example.com");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
}

async fn a_wrong_password_is_refused_without_saying_why(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.signed_up("ada@example.com", PASSWORD).await;

    let wrong = app
        .call(
            "log_in",
            &[
                ("email", "ada@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 401);
    let wrong = error_of(wrong).await;

    let unknown = app
        .call(
            "log_in",
            &[("email", "nobody@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(unknown.status(), 401);
    let unknown = error_of(unknown).await;

    assert_eq!(wrong, AppError::BadCredentials);
    assert_eq!(
        wrong, unknown,
        "an unknown account must look like a wrong password"
    );
    assert_eq!(wrong.to_string(), "Email or password is incorrect.");
    assert_eq!(
        app.call("account", &[]).await.status(),
        401,
        "no session after a failure"
    );
}

async fn bad_sign_ups_are_refused_and_store_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let cases = [
        (
            "not-an-email",
            PASSWORD,
            "Enter an email address like name@example.com.",
        ),
        (
            "ada@example.com",
            "short",
            "Choose a password of at least 12 characters.",
        ),
        (
            "ada@example.com",
            "ADA@example.com",
            "Your password must not be your email address.",
        ),
        (
            "ada.lovelace@example.com",
            "Ada.Lovelace@example.com",
            "Your password must not be your email address.",
        ),
    ];
    for (email, password, message) in cases {
        let response = app
            .call("sign_up", &[("email", email), ("password", password)])
            .await;
        assert_eq!(response.status(), 422, "{email} / {password}");
        assert_eq!(
            error_of(response).await,
            AppError::Invalid(message.to_owned())
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);

    app.signed_up("ada@example.com", PASSWORD).await;
    let again = app
        .call(
            "sign_up",
            &[
                ("email", "ADA@example.com"),
                ("password", "another password"),
            ],
        )
        .await;
    assert_eq!(again.status(), 409);
    assert!(matches!(error_of(again).await, AppError::Conflict(m) if m.contains("already exists")));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
}

async fn forms_without_javascript_redirect(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };

    let refused = app
        .post_form(
            "sign_up",
            "/register",
            &[("email", "ada@example.com"), ("password", "short")],
        )
        .await;
    assert_eq!(refused.status(), 302);
    let back = refused.headers()["location"].to_str().unwrap();
    assert!(
        back.starts_with(&format!("{}/register?", app.base)),
        "{back}"
    );
    assert!(
        back.contains("__err="),
        "the error travels back to the page: {back}"
    );
    let page = app
        .client
        .get(back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Choose a password of at least 12 characters."),
        "{page}"
    );

    let created = app
        .post_form(
            "sign_up",
            "/register",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(created.status(), 302);
    assert_eq!(created.headers()["location"], "/account");
    let page = app.get("/account").await.text().await.unwrap();
    assert!(
        page.contains(r#"data-testid="account-email">ada@example.com<"#),
        "{page}"
    );
}

async fn a_session_survives_a_server_restart(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    let response = app
        .call(
            "sign_up",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 200);
    let before = app.base.clone();

    app.restart().await;
    assert_ne!(app.base, before, "a new server process on a new port");

    let me: UserView = app.call("account", &[]).await.json().await.unwrap();
    assert_eq!(me.email, "ada@example.com");
}

fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("storefleet_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

async fn logging_in_renews_the_session_id(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let first = app
        .call(
            "sign_up",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    let before = session_cookie(&first);
    let again = app
        .call(
            "log_in",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status(), 200);
    let after = session_cookie(&again);
    assert_ne!(
        before, after,
        "a session id known before log-in must not stay valid"
    );

    // The old id no longer opens the account.
    let stale = crate::support::client()
        .post(format!("{}/api/account", app.base))
        .header("cookie", &before)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 401);
}

/// The idle limit counts from the last day a session was used, not from sign-in: a session
/// whose last renewal is a day old gets a new expiry, in its record and in its cookie.
async fn an_active_session_is_renewed_once_a_day(backend: Backend) {
    use tower_sessions::session::{Id, Record};
    use tower_sessions::SessionStore;

    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let signed_up = app
        .call(
            "sign_up",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    let cookie = session_cookie(&signed_up);
    let id: Id = cookie
        .trim_start_matches("storefleet_session=")
        .parse()
        .unwrap();
    let store = server::db::Db::connect(&app.db.url).await.unwrap().sessions;
    let stored = |id: Id| {
        let store = store.clone();
        async move {
            store
                .load(&id)
                .await
                .unwrap()
                .expect("the session is stored")
        }
    };
    let idle_limit = time::Duration::days(app.config.session_idle_days);

    // Used the same day: nothing is written, no cookie is sent.
    let used = app.call("account", &[]).await;
    assert_eq!(used.status(), 200);
    assert!(
        used.headers().get("set-cookie").is_none(),
        "a session renewed today is not written again"
    );

    // Two days pass since the last renewal, and the session is an hour from its end.
    let now = time::OffsetDateTime::now_utc();
    let mut record: Record = stored(id).await;
    let two_days_ago = (now - time::Duration::days(2)).unix_timestamp();
    record
        .data
        .insert("renewed_at".to_owned(), two_days_ago.into());
    record.expiry_date = now + time::Duration::hours(1);
    store.save(&record).await.unwrap();

    let used = app.call("account", &[]).await;
    assert_eq!(used.status(), 200, "the session is still open");
    let renewed = used
        .headers()
        .get("set-cookie")
        .expect("the renewed session's cookie is sent again")
        .to_str()
        .unwrap()
        .to_owned();
    let max_age = format!("Max-Age={}", idle_limit.whole_seconds());
    assert!(renewed.contains(&max_age), "{renewed} carries {max_age}");
    let expiry = stored(id).await.expiry_date;
    assert!(
        expiry > now + idle_limit - time::Duration::minutes(5),
        "the stored expiry moved to the idle limit from now: {expiry}"
    );

    // Renewed: the next use writes nothing again.
    let used = app.call("account", &[]).await;
    assert!(used.headers().get("set-cookie").is_none());
}

async fn cookies_are_secure_behind_https(backend: Backend) {
    let mut config = crate::support::test_config();
    config.public_url = "https://fleet.example.com".parse().unwrap();
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let response = app
        .client
        .post(format!("{}/api/sign_up", app.base))
        .header("origin", "https://fleet.example.com")
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}
