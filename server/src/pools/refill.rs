//! The refill worker: every tick, each plan's pool is brought to its size. Standbys are made
//! as durable provisioning jobs, a few at a time per plan; failed ones and a shrunk pool's
//! surplus are deleted. Several servers may run it at once: making standbys holds the pool's
//! row, and removing one is a state change only one of them wins.

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;

use app::domain::subdomain::STANDBY_PREFIX;
use app::domain::{JobKind, Subdomain, TenantState};

use super::decide::{self, Standby};
use crate::clock::now_ms;
use crate::db::tenants::{self, TenantRecord};
use crate::db::{pools, DbError};
use crate::tenants::key::new_key;

/// How the refill worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct RefillOptions {
    /// How often the pools are looked at.
    pub tick: Duration,
    /// Standbys of one plan being made at once, at most.
    pub parallel: u32,
}

impl Default for RefillOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(2),
            parallel: 2,
        }
    }
}

/// Keeps every pool at its size.
pub struct RefillWorker {
    pool: AnyPool,
    options: RefillOptions,
}

impl RefillWorker {
    /// A worker over this database.
    pub fn new(pool: AnyPool, options: RefillOptions) -> Self {
        Self { pool, options }
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
        let standbys = pools::standbys(&self.pool).await?;
        let (mut made, mut removed) = (0, 0);
        for pool in all {
            let mine: Vec<Standby> = standbys
                .iter()
                .filter(|s| s.plan == pool.plan)
                .map(|s| Standby {
                    id: s.id.clone(),
                    state: s.state,
                    created_at: s.created_at,
                })
                .collect();
            let refill = decide::decide(pool.size, &mine, self.options.parallel);
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
                let parallel = self.options.parallel;
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
