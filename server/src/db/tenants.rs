//! Queries on tenants and their lifecycle transitions.

use std::collections::BTreeMap;

use sqlx::{any::AnyRow, AnyPool, Row};

use app::domain::{EventKind, Subdomain, TenantState};

use super::transitions::record_transition;
use super::{claim, outbox};
use super::{is_unique_violation, jobs, DbError, Result};
use app::domain::JobKind;
use app::domain::Mail;

/// A tenant as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRecord {
    /// Unique id.
    pub id: String,
    /// Its subdomain (unique, also after deletion).
    pub subdomain: Subdomain,
    /// The stable key its namespace is named by, `<prefix>-<key>`: the subdomain for stores
    /// made before namespaces were named by key, a generated one after.
    pub key: String,
    /// A standby store of its plan's pool, not a customer's yet.
    pub standby: bool,
    /// Its plan.
    pub plan: String,
    /// The owning account, if any.
    pub owner_id: Option<String>,
    /// Where it is in its life.
    pub state: TenantState,
    /// The owner's (non-secret) settings.
    pub settings: BTreeMap<String, String>,
    /// The release it runs, or is being moved to; `None`: its blueprint's own image tags.
    pub release: Option<RunningRelease>,
    /// Why an admin pinned it to its release; rollouts skip it.
    pub pinned: Option<String>,
    /// Updated first, in the canary cohort of every rollout.
    pub canary: bool,
    /// Creation time.
    pub created_at: i64,
    /// What differs from its render, as the reconciler's last look saw it and left it.
    pub drift: Option<String>,
    /// Whether the reconciler puts drift back, or only reports it.
    pub self_heal: bool,
}

/// The release a tenant runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningRelease {
    /// The release's id.
    pub id: String,
    /// Its name, e.g. `1.4.0`.
    pub name: String,
    /// The image tag of each component it sets.
    pub images: BTreeMap<String, String>,
}

/// No image tag of a release: the blueprint's own.
static BLUEPRINT_TAGS: BTreeMap<String, String> = BTreeMap::new();

impl TenantRecord {
    /// The image tag of each component its release sets (none: the blueprint's own).
    pub fn images(&self) -> &BTreeMap<String, String> {
        self.release.as_ref().map_or(&BLUEPRINT_TAGS, |r| &r.images)
    }
}

/// Outcome of creating a tenant.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    /// Stored, with its first job queued.
    Created {
        /// The queued job.
        job_id: String,
    },
    /// The subdomain is taken; nothing changed.
    SubdomainTaken,
}

/// The columns a new tenant is stored with.
const INSERT_COLUMNS: &str = "id, subdomain, plan, owner_id, state, settings, created_at, drift, \
     self_heal, namespace_key, standby";

/// The columns [`from_row`] reads, for the tenants table named `table` (or its alias): its
/// own, and the name and images of its release.
pub(super) fn columns(table: &str) -> String {
    let release = |column: &str| {
        format!("(SELECT r.{column} FROM releases r WHERE r.id = {table}.release_id) AS release_{column}")
    };
    format!(
        "{table}.id, {table}.subdomain, {table}.plan, {table}.owner_id, {table}.state, \
         {table}.settings, {table}.created_at, {table}.drift, {table}.self_heal, \
         {table}.release_id, {table}.pinned, {table}.canary, {table}.namespace_key, \
         {table}.standby, {}, {}",
        release("name"),
        release("images"),
    )
}

pub(super) fn from_row(row: &AnyRow) -> Result<TenantRecord> {
    let state: String = row.try_get("state")?;
    let settings: String = row.try_get("settings")?;
    let release = match row.try_get::<Option<String>, _>("release_id")? {
        None => None,
        Some(id) => {
            let images: String = row.try_get("release_images")?;
            Some(RunningRelease {
                id,
                name: row.try_get("release_name")?,
                images: serde_json::from_str(&images)
                    .map_err(|e| DbError::Corrupt(format!("release images: {e}")))?,
            })
        }
    };
    let subdomain: String = row.try_get("subdomain")?;
    Ok(TenantRecord {
        id: row.try_get("id")?,
        // No key: a store named before keys were, whose namespace is named by its subdomain.
        key: row
            .try_get::<Option<String>, _>("namespace_key")?
            .unwrap_or_else(|| subdomain.clone()),
        subdomain: Subdomain::stored(subdomain)
            .map_err(|e| DbError::Corrupt(format!("tenant subdomain: {e}")))?,
        standby: row.try_get::<i64, _>("standby")? != 0,
        plan: row.try_get("plan")?,
        owner_id: row.try_get("owner_id")?,
        state: state
            .parse::<TenantState>()
            .ok()
            .ok_or_else(|| DbError::Corrupt(format!("tenant state {state:?}")))?,
        settings: serde_json::from_str(&settings).map_err(|e| DbError::Corrupt(e.to_string()))?,
        release,
        pinned: row.try_get("pinned")?,
        canary: row.try_get::<i64, _>("canary")? != 0,
        created_at: row.try_get("created_at")?,
        drift: row.try_get("drift")?,
        self_heal: row.try_get::<i64, _>("self_heal")? != 0,
    })
}

fn json(map: &BTreeMap<String, String>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
}

/// Stores a new tenant in `state`, records the transition and queues `job` — all in one
/// transaction, so a crash leaves either all of it or nothing.
pub async fn create(
    pool: &AnyPool,
    tenant: &TenantRecord,
    cause: &str,
    job: Option<JobKind>,
    now: i64,
) -> Result<Created> {
    let mut tx = pool.begin().await?;
    let created = create_in(&mut tx, tenant, cause, job, now).await?;
    if matches!(created, Created::Created { .. }) {
        tx.commit().await?;
    }
    Ok(created)
}

/// [`create`] inside the caller's transaction, so that what it writes with the tenant commits
/// or rolls back with it.
pub async fn create_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &TenantRecord,
    cause: &str,
    job: Option<JobKind>,
    now: i64,
) -> Result<Created> {
    let inserted = sqlx::query(&format!(
        "INSERT INTO tenants ({INSERT_COLUMNS}, updated_at, release_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $7, \
         (SELECT b.release_id FROM blueprints b JOIN plans p ON p.blueprint = b.name \
          WHERE p.name = $3))"
    ))
    .bind(&tenant.id)
    .bind(tenant.subdomain.as_str())
    .bind(&tenant.plan)
    .bind(tenant.owner_id.clone())
    .bind(tenant.state.as_str())
    .bind(json(&tenant.settings))
    .bind(now)
    .bind(tenant.drift.clone())
    .bind(i64::from(tenant.self_heal))
    .bind(&tenant.key)
    .bind(i64::from(tenant.standby))
    .execute(&mut **tx)
    .await;
    match inserted {
        Err(error) if is_unique_violation(&error) => return Ok(Created::SubdomainTaken),
        other => other?,
    };
    record_transition(tx, &tenant.id, None, tenant.state, cause, now).await?;
    let job_id = uuid::Uuid::new_v4().to_string();
    if let Some(kind) = job {
        let kind = first_build(tx, &tenant.id, kind, now).await?;
        jobs::enqueue(&mut **tx, &job_id, Some(&tenant.id), kind, now).await?;
    }
    Ok(Created::Created { job_id })
}

/// The job that builds a store for the first time: a provisioning becomes a claim when a
/// standby of the store's plan is ready to be taken over.
async fn first_build(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant_id: &str,
    kind: JobKind,
    now: i64,
) -> Result<JobKind> {
    if kind != JobKind::Provision {
        return Ok(kind);
    }
    Ok(match claim::claim_in(tx, tenant_id, now).await? {
        Some(_) => JobKind::Claim,
        None => kind,
    })
}

/// Moves the tenant from `from` to `to` if it is still in `from`, and records who or what
/// caused it. False (and nothing changed) when the tenant was no longer in `from`.
pub(super) async fn move_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant_id: &str,
    from: TenantState,
    to: TenantState,
    cause: &str,
    now: i64,
) -> Result<bool> {
    let moved =
        sqlx::query("UPDATE tenants SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2")
            .bind(tenant_id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1;
    if moved {
        record_transition(tx, tenant_id, Some(from), to, cause, now).await?;
    }
    Ok(moved)
}

/// Moves a tenant to another release (`None`: its blueprint's own tags) inside the caller's
/// transaction: from the first of `from` it is in to updating, with an update job queued that
/// ends any unfinished one. None (nothing changed) when it was in none of `from`; otherwise
/// the job's id.
pub(super) async fn queue_release(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant_id: &str,
    from: &[TenantState],
    release_id: Option<&str>,
    cause: &str,
    now: i64,
) -> Result<Option<String>> {
    let mut moved = false;
    for state in from {
        if move_state(tx, tenant_id, *state, TenantState::Updating, cause, now).await? {
            moved = true;
            break;
        }
    }
    if !moved {
        return Ok(None);
    }
    sqlx::query("UPDATE tenants SET release_id = $2 WHERE id = $1")
        .bind(tenant_id)
        .bind(release_id)
        .execute(&mut **tx)
        .await?;
    let job_id = uuid::Uuid::new_v4().to_string();
    supersede(tx, tenant_id, &job_id, JobKind::Update, now).await?;
    Ok(Some(job_id))
}

/// Pins a tenant to its release with a reason, or unpins it (`None`). False: no such tenant.
pub async fn pin(pool: &AnyPool, tenant_id: &str, reason: Option<&str>, now: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE tenants SET pinned = $2, updated_at = $3 WHERE id = $1")
        .bind(tenant_id)
        .bind(reason)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Flags a tenant as a canary, updated first in every rollout, or not. False: no such tenant.
pub async fn set_canary(pool: &AnyPool, tenant_id: &str, canary: bool, now: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE tenants SET canary = $2, updated_at = $3 WHERE id = $1")
        .bind(tenant_id)
        .bind(i64::from(canary))
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The tenants on plans of `blueprint` (or of `plan` only), oldest first: the stores a
/// rollout of one of its releases may reach.
pub async fn of_blueprint(
    pool: &AnyPool,
    blueprint: &str,
    plan: Option<&str>,
) -> Result<Vec<TenantRecord>> {
    let sql = format!(
        "SELECT {} FROM tenants WHERE plan IN (SELECT name FROM plans WHERE blueprint = $1) \
         AND plan = COALESCE($2, plan) AND state <> 'deleted' ORDER BY created_at, subdomain",
        columns("tenants")
    );
    let rows = sqlx::query(&sql)
        .bind(blueprint)
        .bind(plan)
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Moves a tenant from `from` to `to` (only if it is still in `from`), records who or what
/// caused it, queues `job` and writes `mail` to the outbox — in one transaction. None when
/// the tenant was not in `from`; otherwise the job's id.
#[allow(clippy::too_many_arguments)]
pub async fn transition(
    pool: &AnyPool,
    tenant_id: &str,
    from: TenantState,
    to: TenantState,
    cause: &str,
    job: Option<JobKind>,
    mail: &[Mail],
    now: i64,
) -> Result<Option<String>> {
    let mut tx = pool.begin().await?;
    if !move_state(&mut tx, tenant_id, from, to, cause, now).await? {
        return Ok(None);
    }
    let job_id = uuid::Uuid::new_v4().to_string();
    if let Some(kind) = job {
        // A store paid for is built for the first time: a standby may be ready for it.
        let kind = match from {
            TenantState::PendingPayment => first_build(&mut tx, tenant_id, kind, now).await?,
            _ => kind,
        };
        supersede(&mut tx, tenant_id, &job_id, kind, now).await?;
    }
    for message in mail {
        outbox::enqueue(&mut tx, message, now).await?;
    }
    tx.commit().await?;
    Ok(Some(job_id))
}

/// Moves a tenant from `from` to `to` as a step of the job `job_id`, writing `mail` to the
/// outbox with the change, only while that job is still running: a job ended by a newer one
/// (cancelled while its step ran) moves nothing. The job's row is locked first, so the newer
/// job's cancellation and this move happen one after the other. False when nothing moved.
#[allow(clippy::too_many_arguments)]
pub async fn transition_by_job(
    pool: &AnyPool,
    job_id: &str,
    tenant_id: &str,
    from: TenantState,
    to: TenantState,
    cause: &str,
    mail: &[Mail],
    now: i64,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let running =
        sqlx::query("UPDATE jobs SET updated_at = $2 WHERE id = $1 AND state = 'running'")
            .bind(job_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
    if !running || !move_state(&mut tx, tenant_id, from, to, cause, now).await? {
        return Ok(false);
    }
    for message in mail {
        outbox::enqueue(&mut tx, message, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Queues `kind` for a tenant that is still in `state`, without changing its state (e.g. a
/// suspended tenant's resumption, which marks it ready at its end). None when the tenant was
/// no longer in `state`.
pub async fn queue_job(
    pool: &AnyPool,
    tenant_id: &str,
    state: TenantState,
    kind: JobKind,
    now: i64,
) -> Result<Option<String>> {
    let mut tx = pool.begin().await?;
    let still = sqlx::query("UPDATE tenants SET updated_at = $3 WHERE id = $1 AND state = $2")
        .bind(tenant_id)
        .bind(state.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if !still {
        return Ok(None);
    }
    let job_id = uuid::Uuid::new_v4().to_string();
    supersede(&mut tx, tenant_id, &job_id, kind, now).await?;
    tx.commit().await?;
    Ok(Some(job_id))
}

/// Queues a job, ending the tenant's unfinished ones first: the newest intent wins, and work
/// a newer job supersedes (a build the deletion removes, a suspension the resumption undoes)
/// must not run on.
pub(super) async fn supersede(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant_id: &str,
    job_id: &str,
    kind: JobKind,
    now: i64,
) -> Result<()> {
    let reason = format!("cancelled: superseded by a {} job", kind.as_str());
    jobs::cancel_unfinished(&mut **tx, tenant_id, &reason, now).await?;
    jobs::enqueue(&mut **tx, job_id, Some(tenant_id), kind, now).await?;
    Ok(())
}

/// The tenant with this subdomain.
pub async fn by_subdomain(pool: &AnyPool, subdomain: &str) -> Result<Option<TenantRecord>> {
    let sql = format!(
        "SELECT {} FROM tenants WHERE subdomain = $1",
        columns("tenants")
    );
    let row = sqlx::query(&sql)
        .bind(subdomain)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The tenant with this id.
pub async fn by_id<'e, E>(executor: E, id: &str) -> Result<Option<TenantRecord>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {} FROM tenants WHERE id = $1", columns("tenants"));
    let row = sqlx::query(&sql).bind(id).fetch_optional(executor).await?;
    row.as_ref().map(from_row).transpose()
}

/// The tenants an account owns, newest first.
pub async fn owned_by(pool: &AnyPool, owner_id: &str) -> Result<Vec<TenantRecord>> {
    let sql = format!(
        "SELECT {} FROM tenants WHERE owner_id = $1 ORDER BY created_at DESC, subdomain",
        columns("tenants")
    );
    let rows = sqlx::query(&sql).bind(owner_id).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Every customer's tenant (no standby store), newest first.
pub async fn list(pool: &AnyPool) -> Result<Vec<TenantRecord>> {
    let sql = format!(
        "SELECT {} FROM tenants WHERE standby = 0 ORDER BY created_at DESC, subdomain",
        columns("tenants")
    );
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Cancels a tenant's unfinished job with `reason` as its event and error and, when the
/// tenant was being built or updated, marks it failed — in one transaction. False when the
/// job had finished meanwhile.
pub async fn cancel_job(
    pool: &AnyPool,
    tenant: &TenantRecord,
    job: &jobs::JobRecord,
    reason: &str,
    now: i64,
) -> Result<bool> {
    let step_name = job
        .kind
        .steps()
        .get(job.step)
        .map_or("done", |step| step.name.as_str());
    let mut tx = pool.begin().await?;
    if !jobs::cancel(&mut *tx, &job.id, reason, now).await? {
        return Ok(false);
    }
    jobs::append_event(
        &mut *tx,
        &job.id,
        job.step,
        step_name,
        EventKind::Failed,
        reason,
        now,
    )
    .await?;
    let building = matches!(
        tenant.state,
        TenantState::Provisioning | TenantState::Updating
    );
    if building
        && !move_state(
            &mut tx,
            &tenant.id,
            tenant.state,
            TenantState::Failed,
            reason,
            now,
        )
        .await?
    {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Puts a tenant's failed job back in the queue and, when the tenant itself is `failed`,
/// moves it back to `back_to` — in one transaction. False when the job was not failed.
pub async fn retry_job(
    pool: &AnyPool,
    tenant: &TenantRecord,
    job_id: &str,
    back_to: TenantState,
    cause: &str,
    now: i64,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    if !jobs::retry_failed(&mut *tx, job_id, now).await? {
        return Ok(false);
    }
    if tenant.state == TenantState::Failed
        && !move_state(
            &mut tx,
            &tenant.id,
            TenantState::Failed,
            back_to,
            cause,
            now,
        )
        .await?
    {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Whether the tenant has ever been ready.
pub async fn ever_ready(pool: &AnyPool, tenant_id: &str) -> Result<bool> {
    let readied: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tenant_transitions WHERE tenant_id = $1 AND to_state = 'ready'",
    )
    .bind(tenant_id)
    .fetch_one(pool)
    .await?;
    Ok(readied > 0)
}
