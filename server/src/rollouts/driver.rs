//! The rollout driver: takes each due rollout under a lease, looks at the stores it is moving
//! (their jobs, and the cluster for those baking), records what it saw, and does what the pure
//! [`decide`] says: start stores, move stores back, leave stores out, change the rollout's
//! state. Level-triggered: a turn starts from what is stored and what the cluster holds, so a
//! server killed mid-turn loses nothing, and a store starts only from the state the turn saw,
//! so no store is updated twice.

use std::sync::Arc;
use std::time::Duration;

use app::domain::backup::{BackupKind, BackupState};
use app::domain::rollout::turn::{decide, Step};
use app::domain::rollout::{RolloutState, StepState};
use app::domain::{JobState, TenantHealth};
use sqlx::AnyPool;
use tokio::sync::watch;

use crate::clock::now_ms;
use crate::db::backups::{self, NewBackup};
use crate::db::releases;
use crate::db::rollout_steps::{self, StepRecord, StepUpdate};
use crate::db::rollouts::{self, Change, RolloutRecord, SETTLED};
use crate::db::tenants::{self, TenantRecord};
use crate::db::{jobs, lease, DbError};
use crate::provision::engine::Engine;
use crate::ticker;
use app::domain::backup::object_key;

/// How the driver paces itself.
#[derive(Debug, Clone)]
pub struct DriveOptions {
    /// How often it looks for due rollouts, and how soon a moving rollout is due again.
    pub tick: Duration,
    /// How long a turn's lease lasts.
    pub lease: Duration,
    /// Back each store up before it is updated (when backups are on).
    pub backup_first: bool,
}

impl Default for DriveOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            backup_first: false,
        }
    }
}

/// Moves rollouts on.
pub struct Driver {
    pool: AnyPool,
    engine: Arc<Engine>,
    options: DriveOptions,
    owner: String,
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Driver {
    /// A driver over this database and engine.
    pub fn new(pool: AnyPool, engine: Arc<Engine>, options: DriveOptions) -> Self {
        Self {
            pool,
            engine,
            options,
            owner: format!("rollouts-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        ticker::every(
            self.options.tick,
            shutdown,
            "driving rollouts failed",
            || self.run_due(),
        )
        .await;
    }

    /// Takes one turn of every rollout due now; returns how many it took.
    pub async fn run_due(&self) -> Result<usize, DbError> {
        let now = now_ms();
        let mut turns = 0;
        for id in rollouts::due(&self.pool, now, 20).await? {
            let token = lease::token(&self.owner);
            if !rollouts::claim(&self.pool, &id, &token, now, ms(self.options.lease)).await? {
                continue;
            }
            if let Err(error) = self.turn(&id, &token).await {
                // What the turn did is kept (each change stands alone); the next turn starts
                // from there, soon, rather than when this lease would have run out.
                tracing::warn!(rollout = %id, %error, "a rollout's turn failed");
                let again = now_ms() + ms(self.options.tick);
                rollouts::end_turn(&self.pool, &id, &token, None, again, now, now_ms()).await?;
            }
            turns += 1;
        }
        Ok(turns)
    }

    async fn turn(&self, id: &str, token: &str) -> Result<(), DbError> {
        let began = now_ms();
        let Some(rollout) = rollouts::get(&self.pool, id).await? else {
            return Ok(());
        };
        let mut steps = rollout_steps::for_rollout(&self.pool, id).await?;
        for step in &mut steps {
            let now = now_ms();
            if let Some(update) = self.observe(&rollout, step, now).await? {
                if rollout_steps::record(&self.pool, id, &step.tenant_id, step.state, &update, now)
                    .await?
                {
                    if update.failed {
                        tracing::warn!(rollout = id, store = %step.subdomain, reason = ?update.reason, "a store failed its update");
                    }
                    step.state = update.to;
                    step.failed |= update.failed;
                }
            }
        }
        let views: Vec<Step> = steps
            .iter()
            .map(|s| Step {
                tenant_id: s.tenant_id.clone(),
                wave: s.wave,
                state: s.state,
                failed: s.failed,
                back_tried: s.rollback_job_id.is_some() || s.back_refused,
            })
            .collect();
        let turn = decide(rollout.state, &rollout.options, &views);
        let now = now_ms();
        let step_of = |tenant: &str| steps.iter().find(|s| s.tenant_id == tenant);
        for (tenant, why) in &turn.roll_back {
            if let Some(step) = step_of(tenant) {
                let from = [step.state];
                rollout_steps::start_rollback(&self.pool, id, step, &from, why, now).await?;
            }
        }
        for (tenant, why) in &turn.skip {
            let update = StepUpdate {
                to: StepState::Skipped,
                failed: false,
                reason: Some(why.clone()),
                restarts: None,
                bake_until: None,
            };
            rollout_steps::record(&self.pool, id, tenant, StepState::Waiting, &update, now).await?;
        }
        let cause = format!("rollout {id}");
        for tenant in &turn.start {
            if self.options.backup_first {
                let Some(step) = step_of(tenant) else {
                    continue;
                };
                if !self.backed_up(id, step, now).await? {
                    continue;
                }
            }
            // Stamped now, after its backup was seen stored.
            let at = now_ms();
            rollout_steps::start_update(&self.pool, id, tenant, &rollout.release_id, &cause, at)
                .await?;
        }
        let change = turn.change.as_ref().map(|(to, reason)| Change {
            from: rollout.state,
            to: *to,
            reason: Some(reason.as_str()),
        });
        if let Some((to, reason)) = &turn.change {
            tracing::info!(rollout = id, state = to.as_str(), %reason, "rollout moved");
        }
        let next_at = if turn.settled {
            SETTLED
        } else {
            now + ms(self.options.tick)
        };
        let ended = rollouts::end_turn(&self.pool, id, token, change, next_at, began, now).await?;
        let ended_as = turn.change.as_ref().map(|(to, _)| *to);
        if ended
            && matches!(
                ended_as,
                Some(RolloutState::Done | RolloutState::RolledBack)
            )
        {
            // New stores start on the release the fleet last reached.
            if let Some(release) = releases::by_id(&self.pool, &rollout.release_id).await? {
                releases::refresh_current(&self.pool, &release.blueprint).await?;
            }
        }
        Ok(())
    }

    /// What changed for a store being moved, if anything: its job ended, its update took too
    /// long, or its bake ended well or badly.
    async fn observe(
        &self,
        rollout: &RolloutRecord,
        step: &StepRecord,
        now: i64,
    ) -> Result<Option<StepUpdate>, DbError> {
        let options = &rollout.options;
        let update = |to, failed, reason: Option<String>| StepUpdate {
            to,
            failed,
            reason,
            restarts: None,
            bake_until: None,
        };
        match step.state {
            StepState::Updating => {
                let Some(job) = self.job(step.job_id.as_deref()).await? else {
                    return Ok(Some(update(
                        StepState::Failed,
                        true,
                        Some("its update job is gone".into()),
                    )));
                };
                match job.state {
                    JobState::Succeeded => {
                        let Some(tenant) = tenants::by_id(&self.pool, &step.tenant_id).await?
                        else {
                            return Ok(None);
                        };
                        let Some(health) = self.health(step, &tenant).await else {
                            return Ok(None);
                        };
                        let bake = i64::try_from(options.bake_secs.saturating_mul(1000))
                            .unwrap_or(i64::MAX);
                        Ok(Some(StepUpdate {
                            restarts: Some(i64::from(health.restarts)),
                            bake_until: Some(now.saturating_add(bake)),
                            ..update(StepState::Baking, false, None)
                        }))
                    }
                    JobState::Failed => {
                        let error = job.last_error.unwrap_or_else(|| "no reason given".into());
                        Ok(Some(update(
                            StepState::Failed,
                            true,
                            Some(format!("update failed: {error}")),
                        )))
                    }
                    JobState::Queued | JobState::Running => {
                        let timeout = i64::try_from(options.timeout_secs.saturating_mul(1000))
                            .unwrap_or(i64::MAX);
                        let late = step.started_at.is_some_and(|s| now - s > timeout);
                        Ok(late.then(|| {
                            update(
                                StepState::Failed,
                                true,
                                Some(format!(
                                    "not ready {} s after its update began{}",
                                    options.timeout_secs,
                                    job.last_error.map(|e| format!(": {e}")).unwrap_or_default()
                                )),
                            )
                        }))
                    }
                }
            }
            StepState::Baking => {
                // Judged once, when the bake ends: restarts only grow, so a crash loop during
                // the bake shows then, and the cluster is not read every turn meanwhile.
                if step.bake_until.is_some_and(|until| now < until) {
                    return Ok(None);
                }
                let Some(tenant) = tenants::by_id(&self.pool, &step.tenant_id).await? else {
                    return Ok(None);
                };
                let Some(health) = self.health(step, &tenant).await else {
                    return Ok(None);
                };
                if let Some(short) = health.shortfall() {
                    return Ok(Some(update(
                        StepState::Failed,
                        true,
                        Some(format!("unhealthy while baking: {short}")),
                    )));
                }
                let before = step.restarts.unwrap_or_default();
                if i64::from(health.restarts) > before {
                    return Ok(Some(update(
                        StepState::Failed,
                        true,
                        Some(format!(
                            "containers restarted while baking ({} → {})",
                            before, health.restarts
                        )),
                    )));
                }
                // Last, the store's own health page, where its blueprint has one.
                match self.health_page(step, &tenant).await {
                    Some(Ok(())) => Ok(Some(update(StepState::Done, false, None))),
                    Some(Err(answer)) => Ok(Some(update(
                        StepState::Failed,
                        true,
                        Some(format!("unhealthy after baking: {answer}")),
                    ))),
                    None => Ok(None),
                }
            }
            StepState::RollingBack => {
                let job = self.job(step.rollback_job_id.as_deref()).await?;
                Ok(match job.map(|j| (j.state, j.last_error)) {
                    Some((JobState::Succeeded, _)) => {
                        Some(update(StepState::RolledBack, false, None))
                    }
                    Some((JobState::Failed, error)) => Some(update(
                        StepState::Failed,
                        false,
                        Some(format!(
                            "moving back failed: {}",
                            error.unwrap_or_else(|| "no reason given".into())
                        )),
                    )),
                    Some(_) => None,
                    None => Some(update(
                        StepState::Failed,
                        false,
                        Some("its rollback job is gone".into()),
                    )),
                })
            }
            _ => Ok(None),
        }
    }

    /// Whether the store's backup before its update is stored: asked for once, then awaited
    /// (the store keeps its place, waiting, meanwhile). One that failed leaves the store out,
    /// saying why: a store is not updated without its data saved first.
    async fn backed_up(&self, id: &str, step: &StepRecord, now: i64) -> Result<bool, DbError> {
        let Some(backup_id) = &step.backup_id else {
            let backup = uuid::Uuid::new_v4().to_string();
            let key = object_key(&step.tenant_id, &backup);
            let new = NewBackup {
                id: &backup,
                tenant_id: &step.tenant_id,
                kind: BackupKind::PreUpdate,
                object_key: &key,
                requested_by: &format!("rollout {id}"),
            };
            rollout_steps::back_up_first(&self.pool, id, &step.tenant_id, &new, now).await?;
            return Ok(false);
        };
        let Some(backup) = backups::get(&self.pool, backup_id).await? else {
            return Ok(false);
        };
        match backup.state {
            BackupState::Done => Ok(true),
            BackupState::Queued | BackupState::Running => Ok(false),
            BackupState::Failed => {
                let update = StepUpdate {
                    to: StepState::Skipped,
                    failed: false,
                    reason: Some(format!(
                        "its backup before the update failed: {}",
                        backup.error.unwrap_or_else(|| "no reason given".into())
                    )),
                    restarts: None,
                    bake_until: None,
                };
                rollout_steps::record(
                    &self.pool,
                    id,
                    &step.tenant_id,
                    StepState::Waiting,
                    &update,
                    now,
                )
                .await?;
                Ok(false)
            }
        }
    }

    async fn job(&self, id: Option<&str>) -> Result<Option<jobs::JobRecord>, DbError> {
        match id {
            Some(id) => jobs::get(&self.pool, id).await,
            None => Ok(None),
        }
    }

    /// Whether the store's health page answers 200 (`Ok`; also when it has none) or what it
    /// answered (`Err`); `None` when it cannot be asked now.
    async fn health_page(
        &self,
        step: &StepRecord,
        tenant: &TenantRecord,
    ) -> Option<Result<(), String>> {
        match self.engine.health_page(tenant).await {
            Ok(None) => Some(Ok(())),
            Ok(Some(answer)) => Some(Err(answer)),
            Err(error) => {
                tracing::warn!(store = %step.subdomain, error = %error.message, "asking a store's health page failed");
                None
            }
        }
    }

    /// The store's health now; `None` when the cluster cannot be read (the next turn looks
    /// again: an unreadable cluster is not an unhealthy store).
    async fn health(&self, step: &StepRecord, tenant: &TenantRecord) -> Option<TenantHealth> {
        match self.engine.health(tenant).await {
            Ok(health) => Some(health),
            Err(error) => {
                tracing::warn!(store = %step.subdomain, error = %error.message, "reading a store's health failed");
                None
            }
        }
    }
}
