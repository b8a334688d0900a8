//! Restore drills, worked as a lease queue: a drill is due at `next_at` while queued or running;
//! one worker at a time runs it, and another runs it again once that worker's lease lapses.

use std::collections::BTreeMap;

use sqlx::{any::AnyRow, AnyPool, Row};

use app::domain::drill::DrillState;
use app::domain::Mail;

use super::lease::{self, Fenced, Queue};
use super::{is_unique_violation, outbox, DbError, Result};

/// Drills as a lease queue: due while queued or running.
pub(super) const QUEUE: Queue = Queue {
    table: "drills",
    due_at: "next_at",
    claimable: "state IN ('queued', 'running')",
    held: "state IN ('queued', 'running')",
    on_claim: "",
};

/// A drill as stored, with its store's subdomain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillRecord {
    /// Unique id.
    pub id: String,
    /// The tenant whose backup it restores.
    pub tenant_id: String,
    /// That tenant's subdomain.
    pub subdomain: String,
    /// The backup it restores.
    pub backup_id: String,
    /// Where it stands.
    pub state: DrillState,
    /// Each restored table with its exact row count, once passed.
    pub tables: BTreeMap<String, u64>,
    /// Why it failed.
    pub error: Option<String>,
    /// The scratch database of its last run.
    pub scratch: Option<String>,
    /// Who asked for it.
    pub requested_by: String,
    /// When it was asked for.
    pub created_at: i64,
    /// When its last run began.
    pub started_at: Option<i64>,
    /// When it passed or failed.
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "d.id, d.tenant_id, t.subdomain, d.backup_id, d.state, d.tables, d.error, \
    d.scratch, d.requested_by, d.created_at, d.started_at, d.finished_at";

fn from_row(row: &AnyRow) -> Result<DrillRecord> {
    let state: String = row.try_get("state")?;
    let tables: Option<String> = row.try_get("tables")?;
    let tables = match tables {
        Some(json) => serde_json::from_str(&json)
            .map_err(|_| DbError::Corrupt(format!("drill tables {json:?}")))?,
        None => BTreeMap::new(),
    };
    Ok(DrillRecord {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        subdomain: row.try_get("subdomain")?,
        backup_id: row.try_get("backup_id")?,
        state: state
            .parse()
            .map_err(|_| DbError::Corrupt(format!("drill state {state:?}")))?,
        tables,
        error: row.try_get("error")?,
        scratch: row.try_get("scratch")?,
        requested_by: row.try_get("requested_by")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

/// A drill to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDrill<'a> {
    /// Its id.
    pub id: &'a str,
    /// The tenant.
    pub tenant_id: &'a str,
    /// The backup to restore (the newest done one when it starts, if this one is gone).
    pub backup_id: &'a str,
    /// Who asks (`schedule` for planned ones).
    pub requested_by: &'a str,
}

/// Queues a drill, due at once. False when a drill of the tenant is already under way
/// (nothing changes).
pub async fn insert(pool: &AnyPool, drill: &NewDrill<'_>, now: i64) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO drills (id, tenant_id, backup_id, state, requested_by, created_at, next_at) \
         VALUES ($1, $2, $3, 'queued', $4, $5, $5)",
    )
    .bind(drill.id)
    .bind(drill.tenant_id)
    .bind(drill.backup_id)
    .bind(drill.requested_by)
    .bind(now)
    .execute(pool)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(error) if is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// The drill with this id.
pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<DrillRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM drills d JOIN tenants t ON t.id = d.tenant_id WHERE d.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The drills with these ids (those that exist), a few hundred per query.
pub async fn get_many(pool: &AnyPool, ids: &[String]) -> Result<Vec<DrillRecord>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM drills d JOIN tenants t ON t.id = d.tenant_id \
             WHERE d.id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(pool).await? {
            found.push(from_row(&row)?);
        }
    }
    Ok(found)
}

/// The tenant's drill under way (queued or running), if any.
pub async fn under_way(pool: &AnyPool, tenant_id: &str) -> Result<Option<DrillRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM drills d JOIN tenants t ON t.id = d.tenant_id \
         WHERE d.tenant_id = $1 AND d.state IN ('queued', 'running')"
    ))
    .bind(tenant_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// How many drills run now under a live lease.
pub async fn running(pool: &AnyPool, now: i64) -> Result<i64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM drills WHERE state = 'running' AND lease_expires_at >= $1",
    )
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(count)
}

/// Ids of the drills due now, oldest due first.
pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<String>> {
    lease::due(pool, &QUEUE, now, limit).await
}

/// Takes a due drill's lease for `token`.
pub async fn claim(pool: &AnyPool, id: &str, token: &str, now: i64, lease_ms: i64) -> Result<bool> {
    lease::claim(pool, &QUEUE, id, token, now, lease_ms).await
}

/// Extends a held drill's lease; false when it was lost.
pub async fn renew(pool: &AnyPool, id: &str, token: &str, now: i64, lease_ms: i64) -> Result<bool> {
    lease::renew(pool, &QUEUE, id, token, now, lease_ms).await
}

/// A held drill's run began at `now`, restoring `backup_id` into `scratch`. Due again at once
/// should its lease lapse: a run killed half-way is simply run again.
pub async fn started(
    pool: &AnyPool,
    id: &str,
    token: &str,
    backup_id: &str,
    scratch: &str,
    now: i64,
) -> Result<bool> {
    Fenced::new(
        &QUEUE,
        id,
        token,
        "state = 'running', backup_id = $3, scratch = $4, started_at = $5, next_at = $5",
    )
    .bind(backup_id.to_owned())
    .bind(scratch.to_owned())
    .bind(now)
    .execute(pool)
    .await
}

/// A held drill passed: its tables and their row counts.
pub async fn passed(
    pool: &AnyPool,
    id: &str,
    token: &str,
    tables: &BTreeMap<String, u64>,
    now: i64,
) -> Result<bool> {
    let json = serde_json::to_string(tables).unwrap_or_else(|_| "{}".to_owned());
    Fenced::new(
        &QUEUE,
        id,
        token,
        "state = 'passed', tables = $3, error = NULL, finished_at = $4",
    )
    .bind(json)
    .bind(now)
    .releasing()
    .execute(pool)
    .await
}

/// A held drill failed with `error`; `mails` (to the admins) are queued in the same
/// transaction, so they are written once, with the failure, or not at all.
pub async fn failed(
    pool: &AnyPool,
    id: &str,
    token: &str,
    error: &str,
    mails: &[Mail],
    now: i64,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let failed = Fenced::new(
        &QUEUE,
        id,
        token,
        "state = 'failed', error = $3, finished_at = $4",
    )
    .bind(error.to_owned())
    .bind(now)
    .releasing()
    .execute(&mut *tx)
    .await?;
    if !failed {
        return Ok(false);
    }
    for mail in mails {
        outbox::enqueue(&mut tx, mail, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Ends a turn that left a held drill as it was: due again at `next_at`, lease released.
pub async fn later(pool: &AnyPool, id: &str, token: &str, next_at: i64) -> Result<bool> {
    Fenced::new(&QUEUE, id, token, "next_at = $3")
        .bind(next_at)
        .releasing()
        .execute(pool)
        .await
}
