//! Each store of a rollout: its wave, where it stands, and the release it came from. A store
//! starts updating, and starts moving back, in the same transaction as its tenant's move and
//! update job, and only from the state the driver saw: so however often a turn is repeated
//! (a server killed, two servers at once), each store is updated once.

use sqlx::{any::AnyRow, AnyPool, Row};

use app::domain::rollout::StepState;
use app::domain::{JobKind, TenantState};

use super::backups::{self, NewBackup};
use super::rollouts::{self, RolloutRecord};
use super::tenants::queue_release;
use super::{DbError, Result};

/// A store of a rollout, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    /// The tenant.
    pub tenant_id: String,
    /// Its subdomain.
    pub subdomain: String,
    /// Its wave (0 is the canary cohort); `None` when left out as the rollout was planned.
    pub wave: Option<usize>,
    /// Where it stands.
    pub state: StepState,
    /// The release it ran before (`None`: its blueprint's own tags).
    pub from_release_id: Option<String>,
    /// Its update job, once started.
    pub job_id: Option<String>,
    /// Its rollback job, once moved back.
    pub rollback_job_id: Option<String>,
    /// Whether moving it back was refused: its store was no longer in service.
    pub back_refused: bool,
    /// The backup taken of it before its update, once asked for.
    pub backup_id: Option<String>,
    /// Whether its update or health gate failed.
    pub failed: bool,
    /// Why it failed, was moved back or was left out.
    pub reason: Option<String>,
    /// Container restarts when its bake began.
    pub restarts: Option<i64>,
    /// When its update started.
    pub started_at: Option<i64>,
    /// When its bake ends.
    pub bake_until: Option<i64>,
    /// When it reached its end.
    pub finished_at: Option<i64>,
    /// The step its job (the update, or the move back) is at, while the job runs.
    pub job_step: Option<&'static str>,
}

const COLUMNS: &str = "s.tenant_id, t.subdomain, s.wave, s.state, s.from_release_id, s.job_id, \
    s.rollback_job_id, s.back_refused, s.backup_id, s.failed, s.reason, s.restarts, s.started_at, s.bake_until, \
    s.finished_at, j.kind AS job_kind, j.step AS job_step, j.state AS job_state";

/// The title of the step a running job is at.
fn running_step(row: &AnyRow) -> Result<Option<&'static str>> {
    let state: Option<String> = row.try_get("job_state")?;
    if !matches!(state.as_deref(), Some("queued" | "running")) {
        return Ok(None);
    }
    let kind: Option<String> = row.try_get("job_kind")?;
    let step: Option<i64> = row.try_get("job_step")?;
    let kind = kind.and_then(|k| k.parse::<JobKind>().ok());
    Ok(kind.zip(step).and_then(|(kind, step)| {
        let index = usize::try_from(step).ok()?;
        kind.steps().get(index).map(|s| s.title)
    }))
}

fn from_row(row: &AnyRow) -> Result<StepRecord> {
    let state: String = row.try_get("state")?;
    let wave: Option<i64> = row.try_get("wave")?;
    Ok(StepRecord {
        tenant_id: row.try_get("tenant_id")?,
        subdomain: row.try_get("subdomain")?,
        wave: wave.map(|w| usize::try_from(w).unwrap_or_default()),
        state: state
            .parse()
            .map_err(|_| DbError::Corrupt(format!("rollout step state {state:?}")))?,
        from_release_id: row.try_get("from_release_id")?,
        job_id: row.try_get("job_id")?,
        rollback_job_id: row.try_get("rollback_job_id")?,
        back_refused: row.try_get::<i64, _>("back_refused")? != 0,
        backup_id: row.try_get("backup_id")?,
        failed: row.try_get::<i64, _>("failed")? != 0,
        reason: row.try_get("reason")?,
        restarts: row.try_get("restarts")?,
        started_at: row.try_get("started_at")?,
        bake_until: row.try_get("bake_until")?,
        finished_at: row.try_get("finished_at")?,
        job_step: running_step(row)?,
    })
}

/// A store as the rollout is planned: its wave (`None`: left out, with the reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The tenant.
    pub tenant_id: String,
    /// Its wave, or `None` when left out.
    pub wave: Option<usize>,
    /// The release it runs now.
    pub from_release_id: Option<String>,
    /// Why it is left out.
    pub reason: Option<String>,
}

/// Stores a rollout with its planned stores, in one transaction.
pub async fn create(
    pool: &AnyPool,
    blueprint: &str,
    rollout: &RolloutRecord,
    stores: &[Planned],
) -> Result<Created> {
    let mut tx = pool.begin().await?;
    // Touching the blueprint's row holds back any other start of a rollout of it until this
    // one commits, so two at once cannot both find none active.
    sqlx::query("UPDATE blueprints SET created_at = created_at WHERE name = $1")
        .bind(blueprint)
        .execute(&mut *tx)
        .await?;
    if let Some(busy) = rollouts::active_for_blueprint(&mut *tx, blueprint).await? {
        return Ok(Created::Busy(busy));
    }
    rollouts::insert(&mut tx, rollout).await?;
    for (position, store) in stores.iter().enumerate() {
        let state = if store.wave.is_some() {
            StepState::Waiting
        } else {
            StepState::Skipped
        };
        sqlx::query(
            "INSERT INTO rollout_tenants (rollout_id, tenant_id, wave, position, state, \
             from_release_id, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&rollout.id)
        .bind(&store.tenant_id)
        .bind(store.wave.map(|w| i64::try_from(w).unwrap_or(i64::MAX)))
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(state.as_str())
        .bind(store.from_release_id.clone())
        .bind(store.reason.clone())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Created::Started)
}

/// Asks for the backup of a waiting store before its update, once: the backup queued and the
/// store naming it, in one transaction. False when it had one already or no longer waits.
pub async fn back_up_first(
    pool: &AnyPool,
    rollout_id: &str,
    tenant_id: &str,
    backup: &NewBackup<'_>,
    now: i64,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let named = sqlx::query(
        "UPDATE rollout_tenants SET backup_id = $3 \
         WHERE rollout_id = $1 AND tenant_id = $2 AND backup_id IS NULL AND state = 'waiting'",
    )
    .bind(rollout_id)
    .bind(tenant_id)
    .bind(backup.id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !named {
        return Ok(false);
    }
    backups::insert(&mut *tx, backup, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether a rollout was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// It was, and is due at once.
    Started,
    /// Another rollout of its blueprint (this id) is still active: nothing was stored.
    Busy(String),
}

/// A rollout's stores: in wave order, those left out last.
pub async fn for_rollout(pool: &AnyPool, rollout_id: &str) -> Result<Vec<StepRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rollout_tenants s JOIN tenants t ON t.id = s.tenant_id \
         LEFT JOIN jobs j ON j.id = COALESCE(s.rollback_job_id, s.job_id) \
         WHERE s.rollout_id = $1 ORDER BY s.wave IS NULL, s.wave, s.position"
    );
    let rows = sqlx::query(&sql).bind(rollout_id).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// The newest rollout step of a tenant that is updating or moving back, with the rollout's
/// release name: what its owner sees while it happens.
pub async fn moving(pool: &AnyPool, tenant_id: &str) -> Result<Option<(StepState, String)>> {
    let row = sqlx::query(
        "SELECT s.state, r.name FROM rollout_tenants s \
         JOIN rollouts o ON o.id = s.rollout_id JOIN releases r ON r.id = o.release_id \
         WHERE s.tenant_id = $1 AND s.state IN ('updating', 'rolling_back') \
         ORDER BY o.created_at DESC LIMIT 1",
    )
    .bind(tenant_id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let state: String = row.try_get("state")?;
    let state = state
        .parse()
        .map_err(|_| DbError::Corrupt(format!("rollout step state {state:?}")))?;
    Ok(Some((state, row.try_get("name")?)))
}

/// How a store's update began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// Its update job is queued.
    Updating(String),
    /// It was no longer ready, or pinned meanwhile: left out, with the reason.
    Skipped(String),
    /// It was no longer waiting: another turn started it already.
    Already,
}

/// Starts a waiting store's update to `release_id`: the tenant moves to updating on the new
/// release with its job queued, and the store becomes updating — in one transaction.
pub async fn start_update(
    pool: &AnyPool,
    rollout_id: &str,
    tenant_id: &str,
    release_id: &str,
    cause: &str,
    now: i64,
) -> Result<Started> {
    let mut tx = pool.begin().await?;
    // The transaction writes first, so that SQLite takes its write lock before it reads.
    let claimed = sqlx::query(
        "UPDATE rollout_tenants SET state = 'updating', started_at = $3 \
         WHERE rollout_id = $1 AND tenant_id = $2 AND state = 'waiting'",
    )
    .bind(rollout_id)
    .bind(tenant_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        // Another turn started it.
        return Ok(Started::Already);
    }
    let tenant = sqlx::query("SELECT state, pinned FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_one(&mut *tx)
        .await?;
    let pinned: Option<String> = tenant.try_get("pinned")?;
    let state: String = tenant.try_get("state")?;
    let job = if pinned.is_some() {
        None
    } else {
        queue_release(
            &mut tx,
            tenant_id,
            &[TenantState::Ready],
            Some(release_id),
            cause,
            now,
        )
        .await?
    };
    let started = match job {
        Some(job_id) => {
            sqlx::query(
                "UPDATE rollout_tenants SET job_id = $3 WHERE rollout_id = $1 AND tenant_id = $2",
            )
            .bind(rollout_id)
            .bind(tenant_id)
            .bind(&job_id)
            .execute(&mut *tx)
            .await?;
            Started::Updating(job_id)
        }
        None => {
            let reason = match pinned {
                Some(reason) => format!("pinned: {reason}"),
                None => format!("not ready ({state}) when its turn came"),
            };
            sqlx::query(
                "UPDATE rollout_tenants SET state = 'skipped', reason = $3, finished_at = $4 \
                 WHERE rollout_id = $1 AND tenant_id = $2",
            )
            .bind(rollout_id)
            .bind(tenant_id)
            .bind(&reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Started::Skipped(reason)
        }
    };
    tx.commit().await?;
    Ok(started)
}

/// Moves a store back to the release it came from, if it is in one of `from`: the tenant
/// (ready, failed or still updating) moves to updating on its previous release with an
/// update job that ends the unfinished one, and the store becomes rolling back with `reason`
/// (a failure's reason is kept) — in one transaction. False when nothing moved.
pub async fn start_rollback(
    pool: &AnyPool,
    rollout_id: &str,
    step: &StepRecord,
    from: &[StepState],
    reason: &str,
    now: i64,
) -> Result<bool> {
    if !from.contains(&step.state) {
        return Ok(false);
    }
    let mut tx = pool.begin().await?;
    let cause = format!("rolled back: {reason}");
    let Some(job_id) = queue_release(
        &mut tx,
        &step.tenant_id,
        &[
            TenantState::Ready,
            TenantState::Failed,
            TenantState::Updating,
        ],
        step.from_release_id.as_deref(),
        &cause,
        now,
    )
    .await?
    else {
        // Its store is suspended, deleted or otherwise out of service: say so once.
        drop(tx);
        let state = tenant_state(pool, &step.tenant_id).await?;
        let why = format!(
            "it could not be moved back: the store is {}",
            state.as_deref().unwrap_or("gone")
        );
        sqlx::query(
            "UPDATE rollout_tenants SET back_refused = 1, \
             reason = COALESCE(reason || '; ', '') || $4 WHERE rollout_id = $1 AND tenant_id = $2 AND state = $3",
        )
        .bind(rollout_id)
        .bind(&step.tenant_id)
        .bind(step.state.as_str())
        .bind(why)
        .execute(pool)
        .await?;
        return Ok(false);
    };
    let moved = sqlx::query(
        "UPDATE rollout_tenants SET state = 'rolling_back', rollback_job_id = $4, \
         reason = COALESCE(reason, $5), finished_at = NULL \
         WHERE rollout_id = $1 AND tenant_id = $2 AND state = $3",
    )
    .bind(rollout_id)
    .bind(&step.tenant_id)
    .bind(step.state.as_str())
    .bind(job_id)
    .bind(reason)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if moved {
        tx.commit().await?;
    }
    Ok(moved)
}

async fn tenant_state(pool: &AnyPool, tenant_id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT state FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// What a turn found for a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpdate {
    /// Its new state.
    pub to: StepState,
    /// Whether it failed (kept once set).
    pub failed: bool,
    /// Why, if it says (an earlier reason is kept otherwise).
    pub reason: Option<String>,
    /// Restarts when its bake began, if it begins now.
    pub restarts: Option<i64>,
    /// When its bake ends, if it begins now.
    pub bake_until: Option<i64>,
}

/// Records what a turn found for a store, if it is still in `from`. False when it was not.
pub async fn record(
    pool: &AnyPool,
    rollout_id: &str,
    tenant_id: &str,
    from: StepState,
    update: &StepUpdate,
    now: i64,
) -> Result<bool> {
    let ended = i64::from(!update.to.is_open());
    let done = sqlx::query(
        "UPDATE rollout_tenants SET state = $4, failed = CASE WHEN $5 = 1 THEN 1 ELSE failed END, \
         reason = COALESCE($6, reason), restarts = COALESCE($7, restarts), \
         bake_until = COALESCE($8, bake_until), \
         finished_at = CASE WHEN $9 = 1 THEN $10 ELSE finished_at END \
         WHERE rollout_id = $1 AND tenant_id = $2 AND state = $3",
    )
    .bind(rollout_id)
    .bind(tenant_id)
    .bind(from.as_str())
    .bind(update.to.as_str())
    .bind(i64::from(update.failed))
    .bind(update.reason.clone())
    .bind(update.restarts)
    .bind(update.bake_until)
    .bind(ended)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
