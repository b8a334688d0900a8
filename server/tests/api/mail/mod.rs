//! Mail through the outbox to a real SMTP server (MailDev): the welcome mail written with the
//! account, delivered once even when the server is down for a while, and workers that share
//! one outbox sending every message once.

pub(crate) mod maildev;
mod workers;

use server::mail::config::{MailConfig, SmtpUrl};
use sqlx::AnyPool;

use crate::on_both_databases;
use crate::support::{test_config, Backend, TestApp};
use maildev::{eventually, MailDev};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    welcome_mail_arrives_once_even_across_an_smtp_outage,
    without_smtp_mail_waits_for_a_server_that_has_it,
);

/// Mail settings for tests: this MailDev, quick polls and short waits between attempts.
pub fn mail_config(maildev: &MailDev) -> MailConfig {
    MailConfig {
        smtp_url: Some(SmtpUrl::parse(&maildev.smtp_url()).unwrap()),
        mail_poll_ms: 50,
        mail_backoff_ms: 100,
        mail_backoff_max_ms: 400,
        mail_timeout_secs: 5,
        ..MailConfig::default()
    }
}

/// One text value from the test's database.
async fn text(url: &str, sql: &str) -> String {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.unwrap();
    let value: String = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    value
}

async fn welcome_mail_arrives_once_even_across_an_smtp_outage(backend: Backend) {
    let Some(binary) = maildev::binary() else {
        return;
    };
    let mut maildev = MailDev::start(binary, &[]).await;
    let mut config = test_config();
    *config.mail = mail_config(&maildev);
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };

    app.signed_up("ann@example.com", PASSWORD).await;
    let welcome = eventually("the welcome mail reaches MailDev", || async {
        maildev.emails_to("ann@example.com").await.pop()
    })
    .await;
    assert_eq!(welcome["subject"], "Welcome to storefleet");
    assert_eq!(welcome["from"][0]["address"], "noreply@localhost");
    let body = welcome["text"].as_str().unwrap();
    assert!(body.contains("Welcome to storefleet."), "{body}");
    assert!(body.contains("Log in: http://127.0.0.1:3000/"), "{body}");
    let html = welcome["html"].as_str().unwrap();
    assert!(
        html.contains("<a href=\"http://127.0.0.1:3000/\">Log in</a>"),
        "{html}"
    );
    // Written with the account, keyed by it, and named after its outbox row.
    let outbox_id = text(
        &app.db.url,
        "SELECT o.id FROM outbox o JOIN users u ON o.key = 'welcome:' || u.id \
         WHERE u.email = 'ann@example.com'",
    )
    .await;
    assert_eq!(
        welcome["headers"]["message-id"],
        format!("<{outbox_id}@localhost>").as_str()
    );

    // A second sign-up with the same email writes no second welcome.
    let again = app
        .call(
            "sign_up",
            &[("email", "ann@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE recipient = 'ann@example.com'")
            .await,
        1
    );

    // The SMTP server goes away: the next welcome waits in the outbox, retried.
    maildev.pause();
    app.signed_up("bob@example.com", PASSWORD).await;
    eventually(
        "the welcome to bob fails and is rescheduled twice",
        || async {
            let waiting = app
                .scalar(
                    "SELECT COUNT(*) FROM outbox WHERE recipient = 'bob@example.com' \
                 AND state = 'pending' AND attempts >= 2 AND last_error IS NOT NULL",
                )
                .await;
            (waiting == 1).then_some(())
        },
    )
    .await;

    // It comes back on the same port: the message is delivered, once.
    maildev.resume().await;
    eventually("the welcome to bob is marked sent", || async {
        let sent = app
            .scalar(
                "SELECT COUNT(*) FROM outbox WHERE recipient = 'bob@example.com' \
                 AND state = 'sent' AND sent_at IS NOT NULL",
            )
            .await;
        (sent == 1).then_some(())
    })
    .await;
    let to_bob = maildev.emails_to("bob@example.com").await;
    assert_eq!(to_bob.len(), 1, "bob's welcome is delivered exactly once");
    assert_eq!(to_bob[0]["subject"], "Welcome to storefleet");
    assert_eq!(
        maildev.emails_to("ann@example.com").await.len(),
        1,
        "ann's welcome is not sent again"
    );
}

async fn without_smtp_mail_waits_for_a_server_that_has_it(backend: Backend) {
    let Some(binary) = maildev::binary() else {
        return;
    };
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    app.signed_up("cy@example.com", PASSWORD).await;
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM outbox WHERE recipient = 'cy@example.com' \
             AND kind = 'welcome' AND state = 'pending' AND attempts = 0"
        )
        .await,
        1,
        "the welcome waits in the outbox, untried"
    );

    let maildev = MailDev::start(binary, &[]).await;
    *app.config.mail = mail_config(&maildev);
    app.restart().await;
    let welcome = eventually("the waiting welcome is sent", || async {
        maildev.emails_to("cy@example.com").await.pop()
    })
    .await;
    assert_eq!(welcome["subject"], "Welcome to storefleet");
}
