//! The mail outbox: messages written with the change that causes them, sent by the mail
//! worker.

use sqlx::{any::AnyRow, Any, AnyPool, Row};

use app::domain::Mail;

use super::lease::{self, Fenced, Queue};
use super::{is_unique_violation, DbError, Result};

/// The outbox as a lease queue: due at `next_attempt_at`, and `pending` until sent or failed.
pub(super) const QUEUE: Queue = Queue {
    table: "outbox",
    due_at: "next_attempt_at",
    claimable: "state = 'pending'",
    held: "state = 'pending'",
    on_claim: "",
};

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

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be sent, or between attempts.
    Pending,
    /// Accepted by the SMTP server.
    Sent,
    /// Rejected for good by the SMTP server; `last_error` says why.
    Failed,
}

impl OutboxState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Unique id; the Message-ID is derived from it.
    pub id: String,
    /// The rendered message.
    pub mail: Mail,
    /// Where it is.
    pub state: OutboxState,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not to be sent before this time.
    pub next_attempt_at: i64,
    /// The claim holding it (a worker's token), while one does.
    pub lease_owner: Option<String>,
    /// The last failure, for admins.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: i64,
    /// When the SMTP server accepted it.
    pub sent_at: Option<i64>,
}

const COLUMNS: &str = "id, key, kind, recipient, subject, body_text, body_html, state, attempts, \
    next_attempt_at, lease_owner, last_error, created_at, sent_at";

fn from_row(row: &AnyRow) -> Result<OutboxRecord> {
    let state: String = row.try_get("state")?;
    let attempts: i64 = row.try_get("attempts")?;
    Ok(OutboxRecord {
        id: row.try_get("id")?,
        mail: Mail {
            key: row.try_get("key")?,
            kind: row.try_get("kind")?,
            to: row.try_get("recipient")?,
            subject: row.try_get("subject")?,
            text: row.try_get("body_text")?,
            html: row.try_get("body_html")?,
        },
        state: state
            .parse::<OutboxState>()
            .ok()
            .ok_or_else(|| DbError::Corrupt(format!("outbox state {state:?}")))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: row.try_get("next_attempt_at")?,
        lease_owner: row.try_get("lease_owner")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// The message with this id.
pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<OutboxRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// The message written for this key (its cause).
pub async fn by_key(pool: &AnyPool, key: &str) -> Result<Option<OutboxRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE key = $1");
    let row = sqlx::query(&sql).bind(key).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// The newest `limit` messages, newest first.
pub async fn recent(pool: &AnyPool, limit: i64) -> Result<Vec<OutboxRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox ORDER BY created_at DESC, id LIMIT $1");
    let rows = sqlx::query(&sql).bind(limit).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// How many messages wait to be sent.
pub async fn pending_count(pool: &AnyPool) -> Result<i64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
        .fetch_one(pool)
        .await?;
    Ok(count)
}

/// Ids of pending messages that are due and not held by a live lease, oldest due first.
pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<String>> {
    lease::due(pool, &QUEUE, now, limit).await
}

/// Takes the lease of a due message for `token`. Only one caller can win. Returns the message
/// when this caller holds it.
pub async fn claim(
    pool: &AnyPool,
    id: &str,
    token: &str,
    now: i64,
    lease_ms: i64,
) -> Result<Option<OutboxRecord>> {
    if !lease::claim(pool, &QUEUE, id, token, now, lease_ms).await? {
        return Ok(None);
    }
    get(pool, id).await
}

/// Records that the SMTP server accepted a held message. False when the lease was lost.
pub async fn mark_sent(pool: &AnyPool, id: &str, token: &str, now: i64) -> Result<bool> {
    Fenced::new(&QUEUE, id, token, "state = 'sent', sent_at = $3")
        .releasing()
        .bind(now)
        .execute(pool)
        .await
}

/// Releases a held message after a failed attempt, to be tried again at `next_attempt_at`,
/// recording the attempt count and the error. False when the lease was lost.
pub async fn reschedule(
    pool: &AnyPool,
    id: &str,
    token: &str,
    attempts: u32,
    next_attempt_at: i64,
    error: &str,
) -> Result<bool> {
    Fenced::new(
        &QUEUE,
        id,
        token,
        "attempts = $3, next_attempt_at = $4, last_error = $5",
    )
    .releasing()
    .bind(i64::from(attempts))
    .bind(next_attempt_at)
    .bind(error)
    .execute(pool)
    .await
}

/// Ends a held message as failed for good, with the reason. False when the lease was lost.
pub async fn mark_failed(
    pool: &AnyPool,
    id: &str,
    token: &str,
    attempts: u32,
    error: &str,
) -> Result<bool> {
    Fenced::new(
        &QUEUE,
        id,
        token,
        "state = 'failed', attempts = $3, last_error = $4",
    )
    .releasing()
    .bind(i64::from(attempts))
    .bind(error)
    .execute(pool)
    .await
}
