//! Rollouts as stored, and worked as a lease queue: one server at a time drives a rollout, a
//! step every few seconds; another takes over when its lease lapses. Its stores' progress is
//! in [`super::rollout_steps`].

use sqlx::{any::AnyRow, AnyPool, Row};

use app::domain::rollout::{RolloutOptions, RolloutState};

use super::lease::{self, Fenced, Queue};
use super::{DbError, Result};

/// Rollouts as a lease queue: due at `next_at` while anything in them can still move.
pub(super) const QUEUE: Queue = Queue {
    table: "rollouts",
    due_at: "next_at",
    claimable: "next_at < 9223372036854775807",
    held: "next_at < 9223372036854775807",
    on_claim: "",
};

/// A rollout's `next_at` once nothing in it moves any more.
pub const SETTLED: i64 = i64::MAX;

/// A rollout as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutRecord {
    /// Unique id.
    pub id: String,
    /// The release it moves stores to.
    pub release_id: String,
    /// Where it stands.
    pub state: RolloutState,
    /// How it proceeds.
    pub options: RolloutOptions,
    /// Why it halted or ended as it did.
    pub reason: Option<String>,
    /// Who started it, as the audit log names the actor.
    pub created_by: String,
    /// When it started.
    pub created_at: i64,
    /// When it ended.
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, release_id, state, options, reason, created_by, created_at, finished_at";

fn from_row(row: &AnyRow) -> Result<RolloutRecord> {
    let state: String = row.try_get("state")?;
    let options: String = row.try_get("options")?;
    Ok(RolloutRecord {
        id: row.try_get("id")?,
        release_id: row.try_get("release_id")?,
        state: state
            .parse()
            .map_err(|_| DbError::Corrupt(format!("rollout state {state:?}")))?,
        options: serde_json::from_str(&options)
            .map_err(|e| DbError::Corrupt(format!("rollout options: {e}")))?,
        reason: row.try_get("reason")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

/// Stores a new rollout, due at once, inside the caller's transaction.
pub(super) async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rollout: &RolloutRecord,
) -> Result<()> {
    let options = serde_json::to_string(&rollout.options)
        .map_err(|e| DbError::Corrupt(format!("rollout options: {e}")))?;
    sqlx::query(&format!(
        "INSERT INTO rollouts ({COLUMNS}, updated_at, next_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7)"
    ))
    .bind(&rollout.id)
    .bind(&rollout.release_id)
    .bind(rollout.state.as_str())
    .bind(options)
    .bind(rollout.reason.clone())
    .bind(&rollout.created_by)
    .bind(rollout.created_at)
    .bind(rollout.finished_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The rollout with this id.
pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<RolloutRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM rollouts WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// The newest rollouts first.
pub async fn recent(pool: &AnyPool, limit: i64) -> Result<Vec<RolloutRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM rollouts ORDER BY created_at DESC, id LIMIT $1");
    let rows = sqlx::query(&sql).bind(limit).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Whether a rollout of this blueprint is running, paused or rolling back.
pub async fn active_for_blueprint<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    blueprint: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT o.id FROM rollouts o JOIN releases r ON r.id = o.release_id \
         WHERE r.blueprint = $1 AND o.state IN ('running', 'paused', 'rolling_back') LIMIT 1",
    )
    .bind(blueprint)
    .fetch_optional(db)
    .await?;
    row.map(|r| r.try_get("id")).transpose().map_err(Into::into)
}

/// Moves a rollout from one of `from` to `to` (an admin's pause, resume, abort or roll back)
/// and makes it due at once, whoever drives it. False when it was in none of `from`.
pub async fn set_state(
    pool: &AnyPool,
    id: &str,
    from: &[RolloutState],
    to: RolloutState,
    reason: Option<&str>,
    now: i64,
) -> Result<bool> {
    let states: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let sql = format!(
        "UPDATE rollouts SET state = $2, reason = COALESCE($3, reason), updated_at = $4, \
         next_at = $4 WHERE id = $1 AND state IN ({})",
        states.join(", ")
    );
    let done = sqlx::query(&sql)
        .bind(id)
        .bind(to.as_str())
        .bind(reason)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes a rollout due at once (a store of it was moved back by hand, say), even one that
/// had settled.
pub async fn wake(pool: &AnyPool, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE rollouts SET next_at = $2, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// Ids of the rollouts due now, oldest due first.
pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<String>> {
    lease::due(pool, &QUEUE, now, limit).await
}

/// Takes a due rollout's lease for `token`.
pub async fn claim(pool: &AnyPool, id: &str, token: &str, now: i64, lease_ms: i64) -> Result<bool> {
    lease::claim(pool, &QUEUE, id, token, now, lease_ms).await
}

/// A driving turn's change of a rollout's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change<'a> {
    /// The state the turn began in: an admin's change meanwhile wins.
    pub from: RolloutState,
    /// The state it ends in.
    pub to: RolloutState,
    /// Why, if it says.
    pub reason: Option<&'a str>,
}

/// Ends a driving turn that began at `began`: the rollout's new state (when it changed, and an
/// admin did not change it meanwhile) and when it is due next, written only while `token`
/// holds its lease, and the lease released. A rollout an admin changed during the turn is due
/// again at once. False when the lease was lost.
pub async fn end_turn(
    pool: &AnyPool,
    id: &str,
    token: &str,
    change: Option<Change<'_>>,
    next_at: i64,
    began: i64,
    now: i64,
) -> Result<bool> {
    if let Some(change) = change {
        let changed = Fenced::new(
            &QUEUE,
            id,
            token,
            "next_at = $3, updated_at = $4, state = $5, reason = COALESCE($6, reason), \
             finished_at = CASE WHEN $7 = 1 THEN $4 ELSE finished_at END",
        )
        .bind(next_at)
        .bind(now)
        .bind(change.to.as_str())
        .bind(change.reason.map(str::to_owned))
        .bind(i64::from(change.to.is_final()))
        .bind(change.from.as_str())
        .bind(began)
        .only_if("state = $8 AND updated_at <= $9")
        .releasing()
        .in_any_state()
        .execute(pool)
        .await?;
        if changed {
            return Ok(true);
        }
    }
    Fenced::new(
        &QUEUE,
        id,
        token,
        "next_at = CASE WHEN updated_at > $5 THEN $4 ELSE $3 END, updated_at = $4",
    )
    .bind(next_at)
    .bind(now)
    .bind(if change.is_some() { i64::MIN } else { began })
    .releasing()
    .in_any_state()
    .execute(pool)
    .await
}
