//! The refill worker: every tick, each plan's pool is brought to its size. Standbys are made
//! as durable provisioning jobs, a few at a time per plan; failed ones, ready ones whose
//! workloads stopped being ready, and a shrunk pool's surplus are deleted. Several servers may run it at once: making standbys holds the pool's
//! row, and removing one is a state change only one of them wins.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::AnyPool;
use tokio::sync::watch;

use app::domain::subdomain::STANDBY_PREFIX;
use app::domain::{JobKind, Subdomain, TenantState};

use super::decide::{self, Standby};
use crate::clock::now_ms;
use crate::db::tenants::{self, TenantRecord};
use crate::db::{pools, DbError};
use crate::provision::engine::Engine;
use crate::tenants::key::new_key;

/// How the refill worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct RefillOptions {
    /// How often the pools are looked at.
    pub tick: Duration,
    /// Standbys of one plan being made at once, at most.
    pub parallel: u32,
    /// How often the workloads of ready standbys are looked at on the cluster.
    pub health_every: Duration,
    /// A plan whose standbys failed this many times within [`FAILURE_WINDOW`] makes no more
    /// until the window has passed: a broken image or plan must not churn the cluster.
    pub failure_budget: u32,
}

/// How far back standbys' failures count against a plan's [`RefillOptions::failure_budget`].
pub const FAILURE_WINDOW: Duration = Duration::from_secs(600);

impl Default for RefillOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(2),
            parallel: 2,
            health_every: Duration::from_secs(30),
            failure_budget: 5,
        }
    }
}

/// Keeps every pool at its size.
pub struct RefillWorker {
    pool: AnyPool,
    options: RefillOptions,
    /// Reads standbys' health from the cluster, when given.
    engine: Option<Arc<Engine>>,
    /// When ready standbys' health was last looked at.
    looked: Mutex<Option<Instant>>,
}

impl RefillWorker {
    /// A worker over this database.
    pub fn new(pool: AnyPool, options: RefillOptions) -> Self {
        Self {
            pool,
            options,
            engine: None,
            looked: Mutex::new(None),
        }
    }

    /// The same worker, replacing ready standbys whose workloads the cluster no longer
    /// reports ready.
    pub fn with_health(mut self, engine: Arc<Engine>) -> Self {
        self.engine = Some(engine);
        self
    }

    /// Ready standbys whose workloads are short of ready, with what is short, when a look
    /// is due.
    async fn unhealthy(&self, standbys: &[TenantRecord]) -> Vec<(String, String)> {
        let Some(engine) = &self.engine else {
            return Vec::new();
        };
        {
            let mut looked = self.looked.lock().unwrap_or_else(|e| e.into_inner());
            if looked.is_some_and(|at| at.elapsed() < self.options.health_every) {
                return Vec::new();
            }
            *looked = Some(Instant::now());
        }
        let mut unhealthy = Vec::new();
        for standby in standbys.iter().filter(|s| s.state == TenantState::Ready) {
            match engine.health(standby).await {
                Ok(health) => {
                    if let Some(short) = health.shortfall() {
                        unhealthy.push((standby.id.clone(), short));
                    }
                }
                Err(error) => {
                    tracing::warn!(standby = %standby.subdomain, %error, "standby health unknown");
                }
            }
        }
        unhealthy
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        crate::ticker::every(self.options.tick, shutdown, "pool refill failed", || {
            self.turn()
        })
        .await;
    }

    /// One look at every pool: what was made and removed.
    pub async fn turn(&self) -> Result<(u32, u32), DbError> {
        let all = pools::all(&self.pool).await?;
        // No pool was ever set (the default): there is no standby to look after either.
        if all.is_empty() {
            return Ok((0, 0));
        }
        let standbys = pools::standbys(&self.pool).await?;
        let (mut made, mut removed) = (0, 0);
        for (id, short) in self.unhealthy(&standbys).await {
            let cause = format!("pool refill: the standby turned unhealthy ({short})");
            let queued = tenants::transition(
                &self.pool,
                &id,
                TenantState::Ready,
                TenantState::Deleting,
                &cause,
                Some(JobKind::Delete),
                &[],
                now_ms(),
            )
            .await?;
            removed += u32::from(queued.is_some());
        }
        let standbys = if removed > 0 {
            pools::standbys(&self.pool).await?
        } else {
            standbys
        };
        let window = i64::try_from(FAILURE_WINDOW.as_millis()).unwrap_or(i64::MAX);
        let failures = pools::failures_since(&self.pool, now_ms() - window).await?;
        for pool in all {
            let failed = failures
                .iter()
                .find(|(plan, _)| *plan == pool.plan)
                .map_or(0, |(_, n)| *n);
            let paused = failed >= self.options.failure_budget;
            let parallel = if paused { 0 } else { self.options.parallel };
            let mine: Vec<Standby> = standbys
                .iter()
                .filter(|s| s.plan == pool.plan)
                .map(|s| Standby {
                    id: s.id.clone(),
                    state: s.state,
                    created_at: s.created_at,
                })
                .collect();
            let refill = decide::decide(pool.size, &mine, parallel);
            if paused && decide::decide(pool.size, &mine, self.options.parallel).make > 0 {
                tracing::warn!(
                    plan = %pool.plan,
                    failed,
                    "standbys keep failing: the pool makes no more for now"
                );
            }
            for id in &refill.remove {
                let Some(standby) = mine.iter().find(|s| &s.id == id) else {
                    continue;
                };
                let cause = match standby.state {
                    TenantState::Failed => "pool refill: the standby failed",
                    _ => "pool refill: the pool is smaller",
                };
                let queued = tenants::transition(
                    &self.pool,
                    id,
                    standby.state,
                    TenantState::Deleting,
                    cause,
                    Some(JobKind::Delete),
                    &[],
                    now_ms(),
                )
                .await?;
                removed += u32::from(queued.is_some());
            }
            if refill.make > 0 {
                made += pools::top_up(
                    &self.pool,
                    &pool.plan,
                    |size, live, building| decide::to_make(size, live, building, parallel),
                    || standby_record(&pool.plan),
                    now_ms(),
                )
                .await?;
            }
        }
        if made + removed > 0 {
            tracing::info!(made, removed, "pools refilled");
        }
        Ok((made, removed))
    }
}

/// A new standby store of `plan`: no owner, its placeholder subdomain named after its key.
fn standby_record(plan: &str) -> TenantRecord {
    let key = new_key();
    let subdomain = Subdomain::stored(format!("{STANDBY_PREFIX}{key}"))
        .expect("a key makes a well-formed subdomain");
    TenantRecord {
        id: uuid::Uuid::new_v4().to_string(),
        subdomain,
        key,
        standby: true,
        plan: plan.to_owned(),
        owner_id: None,
        state: TenantState::Provisioning,
        settings: Default::default(),
        release: None,
        pinned: None,
        canary: false,
        created_at: now_ms(),
        drift: None,
        self_heal: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_standby_is_nobody_s_and_named_by_its_key() {
        let record = standby_record("starter");
        assert!(record.standby);
        assert_eq!(record.owner_id, None);
        assert_eq!(record.subdomain.as_str(), format!("standby-{}", record.key));
        assert!(
            Subdomain::parse(record.subdomain.as_str()).is_err(),
            "no customer can take it"
        );
    }
}
