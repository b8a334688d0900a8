//! Starting and steering rollouts, and marking stores pinned or canary: the use cases behind
//! the admin pages, the command line and the API. Each checks what it is asked, changes the
//! database in one step, and records who asked in the audit log.

use std::collections::HashMap;

use app::domain::audit::action;
use app::domain::rollout::{
    self, Candidate, NewRollout, RolloutState, RolloutSummary, RolloutView, StepState,
};
use app::domain::Actor;
use sqlx::AnyPool;

use super::error::RolloutError;
use super::view;
use crate::audit::Recorder;
use crate::clock::now_ms;
use crate::db::releases::{self, ReleaseRecord};
use crate::db::rollout_steps::{self, Created, Planned};
use crate::db::rollouts::{self, RolloutRecord};
use crate::db::{catalog, tenants};

/// How many rollouts the list shows.
const LISTED: i64 = 50;

/// Starts and steers rollouts.
#[derive(Clone)]
pub struct RolloutService {
    pool: AnyPool,
    audit: Recorder,
}

impl RolloutService {
    /// Rollouts over this database.
    pub fn new(pool: AnyPool) -> Self {
        Self {
            audit: Recorder::new(pool.clone()),
            pool,
        }
    }

    /// Plans and starts a rollout for `actor`; audited as `rollout.start`. The driver takes
    /// it from there.
    pub async fn start(
        &self,
        actor: &Actor,
        request: &NewRollout,
    ) -> Result<RolloutView, RolloutError> {
        request.options.check()?;
        let release = self
            .release(&request.release, request.blueprint.as_deref())
            .await?;
        if let Some(plan) = &request.plan {
            let known = catalog::plan(&self.pool, plan).await?;
            if known.is_none_or(|p| p.blueprint != release.blueprint) {
                return Err(RolloutError::UnknownPlan(plan.clone(), release.blueprint));
            }
        }
        // A quick answer before planning; storing the rollout asks again, under a lock.
        if let Some(busy) = rollouts::active_for_blueprint(&self.pool, &release.blueprint).await? {
            return Err(RolloutError::Busy(busy));
        }
        let mut stores =
            tenants::of_blueprint(&self.pool, &release.blueprint, request.plan.as_deref()).await?;
        if !request.stores.is_empty() {
            for wanted in &request.stores {
                if !stores.iter().any(|t| t.subdomain.as_str() == wanted) {
                    return Err(RolloutError::UnknownStore(
                        wanted.clone(),
                        release.blueprint.clone(),
                    ));
                }
            }
            stores.retain(|t| request.stores.iter().any(|s| s == t.subdomain.as_str()));
        }
        let candidates: Vec<Candidate> = stores
            .iter()
            .map(|t| Candidate {
                tenant_id: t.id.clone(),
                state: t.state,
                pinned: t.pinned.clone(),
                canary: t.canary,
                release_id: t.release.as_ref().map(|r| r.id.clone()),
            })
            .collect();
        let plan = rollout::plan(&candidates, &release.id, &request.options);
        // The release each store runs now, to go back to: one lookup per store, not a scan.
        let running: HashMap<&str, Option<String>> = stores
            .iter()
            .map(|t| (t.id.as_str(), t.release.as_ref().map(|r| r.id.clone())))
            .collect();
        let from = |id: &str| running.get(id).cloned().flatten();
        let mut planned: Vec<Planned> = Vec::with_capacity(candidates.len());
        for (wave, members) in plan.waves.iter().enumerate() {
            planned.extend(members.iter().map(|id| Planned {
                tenant_id: id.clone(),
                wave: Some(wave),
                from_release_id: from(id),
                reason: None,
            }));
        }
        planned.extend(plan.skipped.iter().map(|(id, skip)| Planned {
            tenant_id: id.clone(),
            wave: None,
            from_release_id: from(id),
            reason: Some(skip.to_string()),
        }));
        let now = now_ms();
        let record = RolloutRecord {
            id: uuid::Uuid::new_v4().to_string(),
            release_id: release.id.clone(),
            state: RolloutState::Running,
            options: request.options.clone(),
            reason: None,
            created_by: actor.cause(),
            created_at: now,
            finished_at: None,
        };
        if let Created::Busy(busy) =
            rollout_steps::create(&self.pool, &release.blueprint, &record, &planned).await?
        {
            return Err(RolloutError::Busy(busy));
        }
        let detail = format!(
            "{} stores in {} waves, {} left out",
            plan.tenants(),
            plan.waves.iter().filter(|w| !w.is_empty()).count(),
            plan.skipped.len()
        );
        self.audit
            .record(actor, action::ROLLOUT_START, &target(&release), &detail)
            .await;
        tracing::info!(rollout = %record.id, release = %release.name, %detail, "rollout started");
        self.show(&record.id).await
    }

    /// The release to roll out, by name, within `blueprint` when given.
    async fn release(
        &self,
        name: &str,
        blueprint: Option<&str>,
    ) -> Result<ReleaseRecord, RolloutError> {
        let mut found = releases::named(&self.pool, name).await?;
        if let Some(blueprint) = blueprint {
            found.retain(|r| r.blueprint == blueprint);
        }
        match found.len() {
            0 => Err(RolloutError::NoRelease(name.to_owned())),
            1 => Ok(found.remove(0)),
            _ => Err(RolloutError::Ambiguous {
                name: name.to_owned(),
                blueprints: found
                    .iter()
                    .map(|r| r.blueprint.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// A rollout with its waves and stores.
    pub async fn show(&self, id: &str) -> Result<RolloutView, RolloutError> {
        let record = rollouts::get(&self.pool, id)
            .await?
            .ok_or(RolloutError::NotFound)?;
        let release = releases::by_id(&self.pool, &record.release_id)
            .await?
            .ok_or(RolloutError::NotFound)?;
        let steps = rollout_steps::for_rollout(&self.pool, id).await?;
        Ok(view::rollout(&record, &release, &steps, now_ms()))
    }

    /// The newest rollouts first.
    pub async fn list(&self) -> Result<Vec<RolloutSummary>, RolloutError> {
        let released = releases::of_recent_rollouts(&self.pool, LISTED).await?;
        let release = |id: &str| released.iter().find(|r| r.id == id);
        Ok(rollouts::recent(&self.pool, LISTED)
            .await?
            .iter()
            .map(|record| view::summary(record, release(&record.release_id)))
            .collect())
    }

    /// Pauses a running rollout: no store starts; those updating finish.
    pub async fn pause(&self, actor: &Actor, id: &str) -> Result<RolloutView, RolloutError> {
        self.steer(
            actor,
            id,
            &[RolloutState::Running],
            RolloutState::Paused,
            "paused",
        )
        .await
    }

    /// Resumes a paused rollout.
    pub async fn resume(&self, actor: &Actor, id: &str) -> Result<RolloutView, RolloutError> {
        self.steer(
            actor,
            id,
            &[RolloutState::Paused],
            RolloutState::Running,
            "resumed",
        )
        .await
    }

    /// Aborts a rollout: no store starts; stores keep the release they have.
    pub async fn abort(&self, actor: &Actor, id: &str) -> Result<RolloutView, RolloutError> {
        self.steer(
            actor,
            id,
            &[RolloutState::Running, RolloutState::Paused],
            RolloutState::Aborted,
            "aborted",
        )
        .await
    }

    /// Rolls a whole rollout back: every store it updated goes back to its previous release.
    pub async fn rollback(&self, actor: &Actor, id: &str) -> Result<RolloutView, RolloutError> {
        self.steer(
            actor,
            id,
            &[
                RolloutState::Running,
                RolloutState::Paused,
                RolloutState::Halted,
                RolloutState::Aborted,
                RolloutState::Done,
            ],
            RolloutState::RollingBack,
            "rolled back",
        )
        .await
    }

    async fn steer(
        &self,
        actor: &Actor,
        id: &str,
        from: &[RolloutState],
        to: RolloutState,
        done: &'static str,
    ) -> Result<RolloutView, RolloutError> {
        let record = rollouts::get(&self.pool, id)
            .await?
            .ok_or(RolloutError::NotFound)?;
        let reason = format!("{done} by {}", actor.cause());
        if !rollouts::set_state(&self.pool, id, from, to, Some(&reason), now_ms()).await? {
            let now = rollouts::get(&self.pool, id)
                .await?
                .map_or(record.state, |r| r.state);
            return Err(RolloutError::refused(now, done));
        }
        let act = match to {
            RolloutState::Paused => action::ROLLOUT_PAUSE,
            RolloutState::Running => action::ROLLOUT_RESUME,
            RolloutState::Aborted => action::ROLLOUT_ABORT,
            _ => action::ROLLOUT_ROLLBACK,
        };
        self.audit
            .record(actor, act, &format!("rollout/{id}"), "")
            .await;
        self.show(id).await
    }

    /// Moves one store of a rollout back to the release it came from.
    pub async fn rollback_store(
        &self,
        actor: &Actor,
        id: &str,
        subdomain: &str,
    ) -> Result<RolloutView, RolloutError> {
        rollouts::get(&self.pool, id)
            .await?
            .ok_or(RolloutError::NotFound)?;
        let steps = rollout_steps::for_rollout(&self.pool, id).await?;
        let step = steps
            .iter()
            .find(|s| s.subdomain == subdomain)
            .ok_or_else(|| RolloutError::NotMoved(subdomain.to_owned()))?;
        let reason = format!("moved back by {}", actor.cause());
        let from = [
            StepState::Updating,
            StepState::Baking,
            StepState::Done,
            StepState::Failed,
        ];
        if !rollout_steps::start_rollback(&self.pool, id, step, &from, &reason, now_ms()).await? {
            return Err(RolloutError::NotMoved(subdomain.to_owned()));
        }
        rollouts::wake(&self.pool, id, now_ms()).await?;
        self.audit
            .record(
                actor,
                action::ROLLOUT_ROLLBACK,
                &format!("rollout/{id}"),
                subdomain,
            )
            .await;
        self.show(id).await
    }

    /// Pins a store to its release with a reason (rollouts skip it), or unpins it (`None`).
    pub async fn pin(
        &self,
        actor: &Actor,
        subdomain: &str,
        reason: Option<&str>,
    ) -> Result<(), RolloutError> {
        let reason = reason.map(str::trim);
        if reason.is_some_and(|r| r.is_empty() || r.chars().count() > 200) {
            return Err(RolloutError::PinReason);
        }
        let tenant = self.tenant(subdomain).await?;
        tenants::pin(&self.pool, &tenant.id, reason, now_ms()).await?;
        let detail = reason.map_or_else(|| "unpinned".to_owned(), |r| format!("pinned: {r}"));
        self.audit
            .record(actor, action::TENANT_PIN, subdomain, &detail)
            .await;
        Ok(())
    }

    /// Makes a store a canary, updated first in every rollout, or not.
    pub async fn set_canary(
        &self,
        actor: &Actor,
        subdomain: &str,
        canary: bool,
    ) -> Result<(), RolloutError> {
        let tenant = self.tenant(subdomain).await?;
        tenants::set_canary(&self.pool, &tenant.id, canary, now_ms()).await?;
        let detail = if canary { "canary" } else { "not a canary" };
        self.audit
            .record(actor, action::TENANT_CANARY, subdomain, detail)
            .await;
        Ok(())
    }

    async fn tenant(&self, subdomain: &str) -> Result<tenants::TenantRecord, RolloutError> {
        tenants::by_subdomain(&self.pool, subdomain)
            .await?
            .ok_or_else(|| RolloutError::NoStore(subdomain.to_owned()))
    }
}

fn target(release: &ReleaseRecord) -> String {
    format!("{}/{}", release.blueprint, release.name)
}
