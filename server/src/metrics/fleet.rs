//! The fleet as the database holds it, read at each scrape: a handful of grouped counts, each
//! an index scan or a small table's, whatever the number of stores.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use sqlx::{AnyPool, Row};

use app::domain::backup::BackupState;
use app::domain::drill::DrillState;
use app::domain::job_kind::ALL_KINDS;
use app::domain::tenant::ALL_STATES;
use app::domain::JobState;

use crate::clock::now_ms;

const BACKUP_STATES: [BackupState; 4] = [
    BackupState::Queued,
    BackupState::Running,
    BackupState::Done,
    BackupState::Failed,
];

const DRILL_STATES: [DrillState; 4] = [
    DrillState::Queued,
    DrillState::Running,
    DrillState::Passed,
    DrillState::Failed,
];
use crate::db::DbError;

/// Rows of (label value, label value, count).
async fn counted(pool: &AnyPool, sql: &str) -> Result<Vec<(String, String, i64)>, DbError> {
    let rows = sqlx::query(sql).fetch_all(pool).await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
        .collect()
}

/// A gauge family of the counted rows, their label values named by `labels`, with a 0 for
/// every pair of `every` no row counts: a series that is 0 is there to alert on, where an
/// absent one is not.
fn family<L>(
    rows: &[(String, String, i64)],
    every: &[(String, String)],
    labels: impl Fn(&str, &str) -> L,
) -> Family<L, Gauge>
where
    L: Clone + std::hash::Hash + Eq + std::fmt::Debug + EncodeLabelSet + Send + Sync + 'static,
{
    let family = Family::<L, Gauge>::default();
    for (a, b) in every {
        family.get_or_create(&labels(a, b)).set(0);
    }
    for (a, b, count) in rows {
        family.get_or_create(&labels(a, b)).set(*count);
    }
    family
}

/// Every pair of one of `firsts` with one of `seconds`.
fn pairs(firsts: &[&str], seconds: &[&str]) -> Vec<(String, String)> {
    firsts
        .iter()
        .flat_map(|a| {
            seconds
                .iter()
                .map(move |b| ((*a).to_owned(), (*b).to_owned()))
        })
        .collect()
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreLabels {
    state: String,
    plan: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

/// The rows of `table` (one of ours, named in code) counted by their `state`, with a 0 for
/// each of `states` no row is in.
async fn by_state(
    pool: &AnyPool,
    table: &str,
    states: &[&str],
) -> Result<Family<StateLabel, Gauge>, DbError> {
    let family = Family::<StateLabel, Gauge>::default();
    for state in states {
        family
            .get_or_create(&StateLabel {
                state: (*state).to_owned(),
            })
            .set(0);
    }
    let sql = format!("SELECT state, COUNT(*) FROM {table} GROUP BY state");
    for row in sqlx::query(&sql).fetch_all(pool).await? {
        let state: String = row.try_get(0)?;
        family
            .get_or_create(&StateLabel { state })
            .set(row.try_get(1)?);
    }
    Ok(family)
}

fn gauge(value: i64) -> Gauge {
    let gauge = Gauge::default();
    gauge.set(value);
    gauge
}

/// Seconds from `since_ms` (if any) to now; 0 when there is nothing waiting.
fn age(since_ms: Option<i64>) -> i64 {
    since_ms.map_or(0, |since| ((now_ms() - since) / 1000).max(0))
}

/// Registers the fleet's figures as they are now.
pub async fn register(registry: &mut Registry, pool: &AnyPool) -> Result<(), DbError> {
    let stores = counted(
        pool,
        "SELECT state, plan, COUNT(*) FROM tenants WHERE standby = 0 GROUP BY state, plan",
    )
    .await?;
    let plans: Vec<String> = sqlx::query_scalar("SELECT name FROM plans")
        .fetch_all(pool)
        .await?;
    let states: Vec<&str> = ALL_STATES.iter().map(|s| s.as_str()).collect();
    let plans: Vec<&str> = plans.iter().map(String::as_str).collect();
    registry.register(
        "tenants",
        "Stores by state and plan",
        family(&stores, &pairs(&states, &plans), |state, plan| {
            StoreLabels {
                state: state.to_owned(),
                plan: plan.to_owned(),
            }
        }),
    );
    let jobs = counted(
        pool,
        "SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state",
    )
    .await?;
    let kinds: Vec<&str> = ALL_KINDS.iter().map(|k| k.as_str()).collect();
    let job_states: Vec<&str> = JobState::ALL.iter().map(|s| s.as_str()).collect();
    registry.register(
        "jobs",
        "Jobs by kind and state",
        family(&jobs, &pairs(&kinds, &job_states), |kind, state| {
            JobLabels {
                kind: kind.to_owned(),
                state: state.to_owned(),
            }
        }),
    );
    let (depth, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM jobs WHERE state IN ('queued', 'running')",
    )
    .fetch_one(pool)
    .await?;
    registry.register("job_queue_depth", "Jobs queued or running", gauge(depth));
    registry.register(
        "job_queue_oldest_seconds",
        "Age of the oldest job queued or running, 0 when none is",
        gauge(age(oldest)),
    );
    let (pending, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state = 'pending'")
            .fetch_one(pool)
            .await?;
    registry.register("outbox_pending", "Mail waiting to be sent", gauge(pending));
    registry.register(
        "outbox_oldest_seconds",
        "Age of the oldest mail waiting, 0 when none is",
        gauge(age(oldest)),
    );
    registry.register(
        "backups",
        "Backups by state",
        by_state(pool, "backups", &BACKUP_STATES.map(BackupState::as_str)).await?,
    );
    registry.register(
        "drills",
        "Restore drills by state",
        by_state(pool, "drills", &DRILL_STATES.map(DrillState::as_str)).await?,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_waiting_is_no_age() {
        assert_eq!(age(None), 0);
        assert!(age(Some(now_ms() - 5_000)) >= 5);
    }
}
