//! Mail workers on one outbox: claims are fenced and lapse, racing workers send each message
//! once, and a message the SMTP server refuses for good ends `failed` with the reason.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use app::domain::Mail;
use server::clock::now_ms;
use server::db::outbox::{self, OutboxState};
use server::db::Db;
use server::mail::sender::SmtpSender;
use server::mail::worker::{MailWorker, MailWorkerOptions};
use server::mail::{messages, MailConfig};

use super::mail_config;
use super::maildev::{self, eventually, MailDev};
use crate::on_both_databases;
use crate::support::{Backend, TestDb};

on_both_databases!(
    claims_are_fenced_and_lapse,
    two_workers_send_each_message_once,
    a_rejected_message_fails_with_the_reason,
);

/// A migrated, empty database of this engine.
async fn database(backend: Backend) -> Option<(TestDb, Db)> {
    let test_db = TestDb::create(backend).await?;
    let db = Db::connect(&test_db.url).await.unwrap();
    server::catalog::prepare(&db).await.unwrap();
    Some((test_db, db))
}

async fn enqueue(db: &Db, mail: &Mail) -> String {
    let mut tx = db.pool.begin().await.unwrap();
    assert!(outbox::enqueue(&mut tx, mail, now_ms()).await.unwrap());
    tx.commit().await.unwrap();
    outbox::by_key(&db.pool, &mail.key)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn worker(db: &Db, config: &MailConfig) -> MailWorker {
    let sender = SmtpSender::from_config(config).unwrap().unwrap();
    MailWorker::new(
        db.pool.clone(),
        Arc::new(sender),
        MailWorkerOptions::from_config(config),
    )
}

async fn claims_are_fenced_and_lapse(backend: Backend) {
    let Some((_test_db, db)) = database(backend).await else {
        return;
    };
    let id = enqueue(&db, &messages::welcome("welcome:u1", "ann@example.com", "")).await;
    let now = now_ms();
    let lease = 60_000;
    let first = outbox::claim(&db.pool, &id, "first", now, lease)
        .await
        .unwrap();
    assert_eq!(first.unwrap().lease_owner.as_deref(), Some("first"));
    assert!(
        outbox::claim(&db.pool, &id, "second", now, lease)
            .await
            .unwrap()
            .is_none(),
        "a live lease keeps others off"
    );
    assert!(!outbox::mark_sent(&db.pool, &id, "second", now)
        .await
        .unwrap());

    // The first holder dies; once its lease lapses another takes the message, and the dead
    // holder's late bookkeeping changes nothing.
    let later = now + lease + 1;
    assert!(outbox::due(&db.pool, later, 10)
        .await
        .unwrap()
        .contains(&id));
    let third = outbox::claim(&db.pool, &id, "third", later, lease)
        .await
        .unwrap();
    assert!(third.is_some(), "a lapsed lease is taken again");
    assert!(!outbox::mark_sent(&db.pool, &id, "first", later)
        .await
        .unwrap());
    assert!(
        !outbox::reschedule(&db.pool, &id, "first", 1, later, "late")
            .await
            .unwrap()
    );
    assert!(outbox::mark_sent(&db.pool, &id, "third", later)
        .await
        .unwrap());
    let sent = outbox::get(&db.pool, &id).await.unwrap().unwrap();
    assert_eq!(sent.state, OutboxState::Sent);
    assert_eq!(sent.lease_owner, None);
    assert!(outbox::due(&db.pool, later + lease * 2, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn two_workers_send_each_message_once(backend: Backend) {
    let Some(binary) = maildev::binary() else {
        return;
    };
    let Some((test_db, db)) = database(backend).await else {
        return;
    };
    let maildev = MailDev::start(binary, &[]).await;
    let config = mail_config(&maildev);
    let mut ids = BTreeSet::new();
    for n in 0..12 {
        let mail = messages::suspended(
            &format!("suspended:job{n}"),
            &format!("owner{n}@example.com"),
            &format!("store{n}"),
            "The payment is overdue.",
        );
        ids.insert(enqueue(&db, &mail).await);
    }
    // Two replicas: each its own pool and worker, racing for the same rows.
    let other = Db::connect(&test_db.url).await.unwrap();
    let workers = [worker(&db, &config), worker(&other, &config)];
    let drain = |worker: MailWorker| {
        let pool = db.pool.clone();
        async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            while outbox::pending_count(&pool).await.unwrap() > 0 {
                assert!(tokio::time::Instant::now() < deadline, "outbox not drained");
                if worker.run_due().await.unwrap() == 0 {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    };
    let [a, b] = workers;
    tokio::join!(drain(a), drain(b));

    let emails = eventually("MailDev lists every message", || async {
        let emails = maildev.emails().await;
        (emails.len() >= ids.len()).then_some(emails)
    })
    .await;
    assert_eq!(emails.len(), ids.len(), "each message is sent once");
    let message_ids: BTreeSet<String> = emails
        .iter()
        .map(|e| e["headers"]["message-id"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = ids.iter().map(|id| format!("<{id}@localhost>")).collect();
    assert_eq!(message_ids, expected);
    for id in &ids {
        let record = outbox::get(&db.pool, id).await.unwrap().unwrap();
        assert_eq!(record.state, OutboxState::Sent, "{id}");
    }
}

async fn a_rejected_message_fails_with_the_reason(backend: Backend) {
    let Some(binary) = maildev::binary() else {
        return;
    };
    let Some((_test_db, db)) = database(backend).await else {
        return;
    };
    // A size limit below any message: the server answers 552 to the message's data.
    let maildev = MailDev::start(binary, &["--max-message-size", "200"]).await;
    let config = mail_config(&maildev);
    let id = enqueue(
        &db,
        &messages::archived("archived:job1", "ann@example.com", "bakery"),
    )
    .await;
    let worker = worker(&db, &config);
    assert_eq!(worker.run_due().await.unwrap(), 1);
    let record = outbox::get(&db.pool, &id).await.unwrap().unwrap();
    assert_eq!(record.state, OutboxState::Failed);
    assert_eq!(record.attempts, 1);
    let reason = record.last_error.unwrap_or_default();
    assert!(reason.contains("552"), "{reason}");
    assert_eq!(
        worker.run_due().await.unwrap(),
        0,
        "a failed message is not retried"
    );
    assert!(maildev.emails().await.is_empty());
}
