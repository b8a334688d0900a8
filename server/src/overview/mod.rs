//! The admin's fleet overview: counts read from the database, what needs attention decided
//! here, and the last 30 days drawn as SVG charts.

mod attention;
pub mod chart;
mod pools_table;
pub mod series;

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::AnyPool;

use app::domain::overview::{Chart, Count, FleetOverview};
use app::domain::tenant::ALL_STATES;
use app::domain::TenantState;
use app::error::AppError;
use app::ports::Overview;

use crate::clock::now_ms;
use crate::db::{overview as db, DbError};
use crate::pools::PoolService;
use chart::{Frame, Line};
use series::{days, per_day, percentile_per_day, DAYS};

/// Reads and draws the overview.
#[derive(Clone)]
pub struct OverviewService {
    pool: AnyPool,
    pools: PoolService,
}

impl OverviewService {
    /// The service over the database.
    pub fn new(pool: AnyPool) -> Self {
        Self {
            pools: PoolService::new(pool.clone()),
            pool,
        }
    }

    /// The overview as of `now`.
    pub async fn at(&self, now: i64) -> Result<FleetOverview, DbError> {
        let counts = db::counts(&self.pool).await?;
        let (total, by_state, by_plan) = tally(&counts);
        let attention = attention::now(&self.pool, &by_state, now).await?;
        let days = days(now);
        let since = days[0];
        let signed_up = per_day(&days, &db::signed_up(&self.pool, since).await?);
        let ready = per_day(&days, &db::became_ready(&self.pool, since).await?);
        let failed = per_day(&days, &db::failures(&self.pool, since).await?);
        let took: Vec<(i64, f64)> = db::provisionings(&self.pool, since)
            .await?
            .into_iter()
            .map(|(at, ms)| (at, ms as f64 / 1000.0))
            .collect();
        let labels: Vec<String> = days.iter().map(|day| day_label(*day)).collect();
        let today = vec![
            ("Sign-ups".to_owned(), figure(signed_up[DAYS - 1])),
            ("Stores ready".to_owned(), figure(ready[DAYS - 1])),
            ("Jobs failed".to_owned(), figure(failed[DAYS - 1])),
        ];
        let charts = vec![
            counted(
                "signups",
                "Sign-ups per day",
                "sign-ups",
                &labels,
                &signed_up,
            ),
            counted(
                "ready",
                "Stores ready per day",
                "stores ready",
                &labels,
                &ready,
            ),
            provisioning(&labels, &days, &took),
            counted(
                "failures",
                "Job failures per day",
                "jobs failed",
                &labels,
                &failed,
            ),
        ];
        Ok(FleetOverview {
            total,
            by_state,
            by_plan,
            attention,
            today,
            charts,
            pools_html: pools_table::render(&self.pools.at(now).await?),
        })
    }
}

#[async_trait]
impl Overview for OverviewService {
    async fn overview(&self) -> Result<FleetOverview, AppError> {
        self.at(now_ms()).await.map_err(|error| {
            tracing::error!(%error, "reading the overview failed");
            AppError::Internal
        })
    }
}

/// Stores not deleted; every state's count; each plan's count of stores not deleted.
fn tally(counts: &[(String, String, i64)]) -> (i64, Vec<Count>, Vec<Count>) {
    let deleted = TenantState::Deleted.as_str();
    let by_state = ALL_STATES
        .iter()
        .map(|state| Count {
            name: state.as_str().to_owned(),
            count: counts
                .iter()
                .filter(|(s, _, _)| s == state.as_str())
                .map(|(_, _, n)| n)
                .sum(),
            href: format!("/admin/tenants?state={}", state.as_str()),
        })
        .collect();
    let mut plans: BTreeMap<&str, i64> = BTreeMap::new();
    for (state, plan, n) in counts {
        if state != deleted {
            *plans.entry(plan).or_default() += n;
        }
    }
    let by_plan = plans
        .into_iter()
        .map(|(plan, count)| Count {
            name: plan.to_owned(),
            count,
            href: format!("/admin/tenants?plan={plan}"),
        })
        .collect();
    let total = counts
        .iter()
        .filter(|(state, _, _)| state != deleted)
        .map(|(_, _, n)| n)
        .sum();
    (total, by_state, by_plan)
}

fn figure(value: f64) -> String {
    format!("{value:.0}")
}

/// `3 Dec`, the UTC day starting at `day`.
fn day_label(day: i64) -> String {
    let format = time::macros::format_description!("[day padding:none] [month repr:short]");
    time::OffsetDateTime::from_unix_timestamp(day / 1000)
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_default()
}

/// A count per day as bars, described in words.
fn counted(id: &str, title: &str, what: &str, labels: &[String], values: &[f64]) -> Chart {
    let total: f64 = values.iter().sum();
    let busiest = values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .filter(|(_, most)| **most > 0.0);
    let description = match busiest {
        Some((day, most)) => format!(
            "{} {what} in the last {DAYS} days; the most, {}, on {}.",
            figure(total),
            figure(*most),
            labels[day]
        ),
        None => format!("No {what} in the last {DAYS} days."),
    };
    let frame = Frame {
        id,
        title,
        days: labels,
        figure: &figure,
    };
    Chart {
        title: title.to_owned(),
        svg: chart::bars(&frame, values, &description),
    }
}

/// Seconds, as a person reads them.
fn seconds(value: f64) -> String {
    if value >= 120.0 {
        format!("{:.0} min", value / 60.0)
    } else if value >= 10.0 || value == 0.0 {
        format!("{value:.0} s")
    } else {
        format!("{value:.1} s")
    }
}

/// Provisioning time per day, its median and 95th percentile as lines.
fn provisioning(labels: &[String], days: &[i64], took: &[(i64, f64)]) -> Chart {
    let title = "Provisioning time per day";
    let p50 = percentile_per_day(days, took, 50.0);
    let p95 = percentile_per_day(days, took, 95.0);
    let mut all: Vec<f64> = took.iter().map(|(_, s)| *s).collect();
    all.sort_by(f64::total_cmp);
    let description = match (
        series::percentile(&all, 50.0),
        series::percentile(&all, 95.0),
    ) {
        (Some(median), Some(high)) => format!(
            "{} stores provisioned in the last {DAYS} days: half in {} or less, 95 in 100 in {} \
             or less.",
            all.len(),
            seconds(median),
            seconds(high)
        ),
        _ => format!("No store provisioned in the last {DAYS} days."),
    };
    let frame = Frame {
        id: "provisioning",
        title,
        days: labels,
        figure: &seconds,
    };
    let lines = [
        Line {
            name: "p50",
            values: &p50,
        },
        Line {
            name: "p95",
            values: &p95,
        },
    ];
    Chart {
        title: title.to_owned(),
        svg: chart::lines(&frame, &lines, &description),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_counted_and_deleted_stores_are_not_in_the_total() {
        let counts = vec![
            ("ready".to_owned(), "starter".to_owned(), 3),
            ("ready".to_owned(), "pro".to_owned(), 2),
            ("failed".to_owned(), "pro".to_owned(), 1),
            ("deleted".to_owned(), "pro".to_owned(), 4),
        ];
        let (total, by_state, by_plan) = tally(&counts);
        assert_eq!(total, 6);
        assert_eq!(by_state.len(), ALL_STATES.len());
        let ready = by_state.iter().find(|c| c.name == "ready").unwrap();
        assert_eq!(
            (ready.count, ready.href.as_str()),
            (5, "/admin/tenants?state=ready")
        );
        assert_eq!(
            by_state
                .iter()
                .find(|c| c.name == "suspended")
                .unwrap()
                .count,
            0
        );
        let plans: Vec<(&str, i64)> = by_plan.iter().map(|c| (c.name.as_str(), c.count)).collect();
        assert_eq!(plans, [("pro", 3), ("starter", 3)]);
    }

    #[test]
    fn figures_read_as_people_read_them() {
        assert_eq!(seconds(2.25), "2.2 s");
        assert_eq!(seconds(45.0), "45 s");
        assert_eq!(seconds(600.0), "10 min");
        assert_eq!(day_label(0), "1 Jan");
    }
}
