//! The mail outbox: messages written with the change that causes them, sent by the mail
//! worker.

use sqlx::Any;

use super::{is_unique_violation, Result};

/// A message to send, fully rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Writing a message with a key already in the outbox does nothing, so the cause of a
    /// message (e.g. `ready:<job id>`) names it at most once.
    pub key: String,
    /// What kind of message it is, e.g. `store_ready`, for logs and tests.
    pub kind: String,
    /// The recipient's address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Writes a message to the outbox inside the caller's transaction. False when a message with
/// the same key is already there (nothing changes).
pub async fn enqueue(tx: &mut sqlx::Transaction<'_, Any>, mail: &Mail, now: i64) -> Result<bool> {
    // A savepoint keeps a duplicate key from aborting the caller's transaction (PostgreSQL).
    let mut savepoint = sqlx::Acquire::begin(&mut **tx).await?;
    let inserted = sqlx::query(
        "INSERT INTO outbox (id, key, kind, recipient, subject, body_text, body_html, state, \
         attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&mail.key)
    .bind(&mail.kind)
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(now)
    .execute(&mut *savepoint)
    .await;
    match inserted {
        Ok(_) => {
            savepoint.commit().await?;
            Ok(true)
        }
        Err(error) if is_unique_violation(&error) => {
            savepoint.rollback().await?;
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}
