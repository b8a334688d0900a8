//! The reconciler: looks at every running store on a schedule, compares what the cluster
//! holds with the store's render, records any drift, and puts it back unless the store's
//! self-heal is off. Level-triggered: whatever happened in between (a restart, a hand edit,
//! a deleted object), what should be is what it acts on.
//!
//! Each store is looked at once per period, the looks spread over it; a look is claimed in
//! the database first, so several servers share the work without doing it twice. Stores with
//! an unfinished job are left to the job.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use rand::Rng;
use sqlx::AnyPool;
use tokio::sync::watch;

use super::drift;
use super::engine::Engine;
use crate::clock::now_ms;
use crate::db::{drift as records, tenants, DbError};
use crate::jobs::step::FailureKind;

/// How the reconciler paces itself.
#[derive(Debug, Clone)]
pub struct ReconcileOptions {
    /// How often each store is looked at.
    pub period: Duration,
    /// How often the reconciler looks for stores that are due.
    pub tick: Duration,
    /// Stores looked at per tick, at most.
    pub batch: usize,
    /// Stores looked at at once.
    pub concurrency: usize,
}

impl ReconcileOptions {
    /// Every store every `period`, checking for due ones every second.
    pub fn every(period: Duration) -> Self {
        Self {
            period,
            tick: Duration::from_secs(1).min(period),
            batch: 100,
            concurrency: 4,
        }
    }
}

/// Looks at running stores and converges them.
pub struct Reconciler {
    pool: AnyPool,
    engine: Arc<Engine>,
    options: ReconcileOptions,
}

/// What one look found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Look {
    /// Everything is as rendered.
    Converged,
    /// Something differed and was put back.
    Repaired(String),
    /// Something differs; self-heal is off, so it was only reported.
    Reported(String),
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Reconciler {
    /// A reconciler over this database and engine.
    pub fn new(pool: AnyPool, engine: Arc<Engine>, options: ReconcileOptions) -> Self {
        Self {
            pool,
            engine,
            options,
        }
    }

    /// Runs until `shutdown` turns true; returns how many stores it looked at.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> usize {
        let mut looked = 0;
        loop {
            match self.run_due().await {
                Ok(count) => looked += count,
                Err(error) => tracing::warn!(%error, "looking for drift failed"),
            }
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = tokio::time::sleep(self.options.tick) => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        looked
    }

    /// Looks at every store due now, once (up to a batch); returns how many were looked at.
    pub async fn run_due(&self) -> Result<usize, DbError> {
        let now = now_ms();
        let limit = i64::try_from(self.options.batch).unwrap_or(i64::MAX);
        let due = records::due(&self.pool, now, limit).await?;
        let looked = stream::iter(due)
            .map(|due| async move { self.look(&due, now).await })
            .buffer_unordered(self.options.concurrency.max(1))
            .filter(|look| std::future::ready(matches!(look, Ok(Some(_)))))
            .count()
            .await;
        Ok(looked)
    }

    /// Claims and looks at one store; `None` when another server took it.
    async fn look(&self, due: &records::Due, now: i64) -> Result<Option<Look>, DbError> {
        let tenant_id = due.tenant_id.as_str();
        let period = ms(self.options.period);
        // Spread over the period, so stores made at once are not all looked at at once.
        let next = now + period - rand::thread_rng().gen_range(0..=period / 5);
        if !records::claim(&self.pool, tenant_id, now, next).await? {
            return Ok(None);
        }
        let Some(tenant) = tenants::by_id(&self.pool, tenant_id).await? else {
            return Ok(None);
        };
        let heal = due.self_heal;
        let look = match self.engine.check(&tenant, heal).await {
            Ok(drifts) if drifts.is_empty() => Look::Converged,
            Ok(drifts) if heal => Look::Repaired(drift::summary(&drifts)),
            Ok(drifts) => Look::Reported(drift::summary(&drifts)),
            // Drift that must not be put back blindly (a lost Secret beside the data it
            // opens) is reported for a person to decide.
            Err(error) if error.kind == FailureKind::Permanent => Look::Reported(error.message),
            Err(error) => {
                // The next look tries again; a cluster that cannot be read is not drift.
                tracing::warn!(tenant = %tenant.subdomain, error = %error.message, "a drift check failed");
                return Ok(None);
            }
        };
        match &look {
            // Nothing to write when nothing differed before either.
            Look::Converged if !due.drifted => {}
            Look::Converged => records::record(&self.pool, tenant_id, None, false, now).await?,
            Look::Repaired(summary) => {
                tracing::warn!(tenant = %tenant.subdomain, drift = %summary, "drift repaired");
                records::record(&self.pool, tenant_id, Some(summary), true, now).await?;
            }
            Look::Reported(summary) => {
                tracing::warn!(tenant = %tenant.subdomain, drift = %summary, "drift found; self-heal is off");
                records::record(&self.pool, tenant_id, Some(summary), false, now).await?;
            }
        }
        Ok(Some(look))
    }
}
