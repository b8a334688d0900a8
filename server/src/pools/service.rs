//! The pools as the admin and the command line see and set them.

use async_trait::async_trait;
use sqlx::AnyPool;

use app::domain::audit::action;
use app::domain::pool::{self, PoolView, Pools, ReadyTimes};
use app::domain::{Actor, TenantState};
use app::error::AppError;
use app::ports::PoolAdmin;

use crate::audit::Recorder;
use crate::clock::now_ms;
use crate::db::{catalog, pools as db, DbError};

/// A day, in ms.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// How many recent stores the ready times are over, at most.
const RECENT: i64 = 500;

/// Reads and sets pools.
#[derive(Clone)]
pub struct PoolService {
    pool: AnyPool,
    audit: Recorder,
}

impl PoolService {
    /// The service over this database.
    pub fn new(pool: AnyPool) -> Self {
        Self {
            audit: Recorder::new(pool.clone()),
            pool,
        }
    }

    /// Every plan's pool and the last 30 days' ready times, as of `now`.
    pub async fn at(&self, now: i64) -> Result<Pools, DbError> {
        let plans = catalog::plans(&self.pool).await?;
        let sizes = db::all(&self.pool).await?;
        let standbys = db::standbys(&self.pool).await?;
        let claimed = db::claimed_since(&self.pool, now - now.rem_euclid(DAY_MS)).await?;
        let count = |plan: &str, states: &[TenantState]| {
            u32::try_from(
                standbys
                    .iter()
                    .filter(|s| s.plan == plan && states.contains(&s.state))
                    .count(),
            )
            .unwrap_or(u32::MAX)
        };
        let pools = plans
            .iter()
            .map(|plan| PoolView {
                plan: plan.name.clone(),
                size: sizes
                    .iter()
                    .find(|p| p.plan == plan.name)
                    .map_or(0, |p| p.size),
                ready: count(&plan.name, &[TenantState::Ready]),
                provisioning: count(
                    &plan.name,
                    &[TenantState::Provisioning, TenantState::Updating],
                ),
                failed: count(&plan.name, &[TenantState::Failed]),
                claimed_today: claimed
                    .iter()
                    .find(|(p, _)| *p == plan.name)
                    .map_or(0, |(_, n)| *n),
            })
            .collect();
        let times = db::ready_times(&self.pool, now - 30 * DAY_MS, RECENT).await?;
        let ready_times = [true, false]
            .into_iter()
            .map(|from_standby| {
                let mut took: Vec<i64> = times
                    .iter()
                    .filter(|(claimed, _)| *claimed == from_standby)
                    .map(|(_, ms)| *ms)
                    .collect();
                took.sort_unstable();
                ReadyTimes {
                    from_standby,
                    stores: u32::try_from(took.len()).unwrap_or(u32::MAX),
                    p50_ms: nearest_rank(&took, 50),
                    p95_ms: nearest_rank(&took, 95),
                }
            })
            .collect();
        Ok(Pools { pools, ready_times })
    }

    /// Sets `plan`'s pool size: the plan must exist, the size be at most [`pool::MAX_SIZE`].
    pub async fn set(&self, actor: &Actor, plan: &str, size: u32) -> Result<PoolView, AppError> {
        if size > pool::MAX_SIZE {
            return Err(AppError::Invalid(pool::SizeError::TooLarge.to_string()));
        }
        if catalog::plan(&self.pool, plan).await?.is_none() {
            return Err(AppError::Invalid(format!(
                "There is no plan named \"{plan}\"."
            )));
        }
        db::set(&self.pool, plan, size, now_ms()).await?;
        tracing::info!(plan, size, "pool size set");
        self.audit
            .record(actor, action::POOL_SET, plan, &format!("size={size}"))
            .await;
        let pools = self.at(now_ms()).await?;
        pools
            .pools
            .into_iter()
            .find(|p| p.plan == plan)
            .ok_or(AppError::NotFound)
    }
}

/// The `p`th percentile (nearest rank) of sorted values; `None` when there are none.
fn nearest_rank(sorted: &[i64], p: usize) -> Option<i64> {
    let rank = (p * sorted.len()).div_ceil(100);
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

#[async_trait]
impl PoolAdmin for PoolService {
    async fn pools(&self) -> Result<Pools, AppError> {
        Ok(self.at(now_ms()).await?)
    }

    async fn set_size(&self, actor: &Actor, plan: &str, size: u32) -> Result<PoolView, AppError> {
        self.set(actor, plan, size).await
    }
}

#[cfg(test)]
mod tests {
    use super::nearest_rank;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 95), Some(7));
        let sorted: Vec<i64> = (1..=20).collect();
        assert_eq!(nearest_rank(&sorted, 50), Some(10));
        assert_eq!(nearest_rank(&sorted, 95), Some(19));
    }
}
