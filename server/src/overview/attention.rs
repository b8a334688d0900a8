//! What needs an admin now: stores failed, stores stuck in a step far longer than it usually
//! takes, stores in grace after a failed payment, stores suspended, rollouts halted, restore
//! drills failed. Each comes with the list it links to and the first few by name.

use std::collections::BTreeMap;
use std::str::FromStr;

use sqlx::AnyPool;

use app::domain::overview::{Attention, Count};
use app::domain::JobKind;

use crate::db::{overview as db, DbError};

const MINUTE_MS: i64 = 60_000;

/// A step is stuck past this many times its usual (median) duration…
const STUCK_FACTOR: i64 = 3;
/// …and never before it has run this long.
const STUCK_AT_LEAST_MS: i64 = 2 * MINUTE_MS;
/// A step with no history counts as stuck after this long.
const STUCK_WITHOUT_HISTORY_MS: i64 = 10 * MINUTE_MS;
/// How many past runs of a step its usual duration is taken from.
const HISTORY: i64 = 200;
/// How many items of each kind are named.
const NAMED: usize = 5;

/// Everything that needs attention as of `now`, in order of urgency; empty when nothing does.
pub async fn now(pool: &AnyPool, by_state: &[Count], now: i64) -> Result<Vec<Attention>, DbError> {
    let count_of = |state: &str| {
        by_state
            .iter()
            .find(|c| c.name == state)
            .map_or(0, |c| c.count)
    };
    let store = |subdomain: String| {
        let href = format!("/admin/tenants/{subdomain}");
        (subdomain, href)
    };
    let mut out = Vec::new();

    let failed = count_of("failed");
    if failed > 0 {
        out.push(Attention {
            label: "Stores failed".to_owned(),
            detail: "Their last job failed: each store's page names the step and the error, and \
                     retries it."
                .to_owned(),
            count: failed,
            href: "/admin/tenants?state=failed".to_owned(),
            items: db::in_state(pool, "failed", NAMED as i64)
                .await?
                .into_iter()
                .map(store)
                .collect(),
        });
    }

    let stuck = stuck(pool, now).await?;
    if !stuck.is_empty() {
        out.push(Attention {
            label: "Stores stuck in a step".to_owned(),
            detail: format!(
                "A step under way more than {STUCK_FACTOR} times as long as it usually takes."
            ),
            count: stuck.len() as i64,
            href: "/admin/tenants".to_owned(),
            items: stuck.into_iter().take(NAMED).map(store).collect(),
        });
    }

    let grace = db::in_grace(pool).await?;
    if !grace.is_empty() {
        out.push(Attention {
            label: "Stores in grace after a failed payment".to_owned(),
            detail: "Still serving; suspended when the grace period ends unless the customer pays."
                .to_owned(),
            count: grace.len() as i64,
            href: "/admin/tenants".to_owned(),
            items: grace.into_iter().take(NAMED).map(store).collect(),
        });
    }

    let suspended = count_of("suspended");
    if suspended > 0 {
        out.push(Attention {
            label: "Stores suspended".to_owned(),
            detail: "Not serving: by an admin, or after their payment failed.".to_owned(),
            count: suspended,
            href: "/admin/tenants?state=suspended".to_owned(),
            items: db::in_state(pool, "suspended", NAMED as i64)
                .await?
                .into_iter()
                .map(store)
                .collect(),
        });
    }

    let halted = db::halted_rollouts(pool).await?;
    if !halted.is_empty() {
        out.push(Attention {
            label: "Rollouts halted".to_owned(),
            detail: "Too many stores failed their update: resume, roll back or abort.".to_owned(),
            count: halted.len() as i64,
            href: "/admin/rollouts".to_owned(),
            items: halted
                .into_iter()
                .take(NAMED)
                .map(|(id, release)| {
                    (
                        format!("release {release}"),
                        format!("/admin/rollouts/{id}"),
                    )
                })
                .collect(),
        });
    }

    let drills = db::failed_drills(pool).await?;
    if !drills.is_empty() {
        out.push(Attention {
            label: "Restore drills failed".to_owned(),
            detail: "Their latest backup did not restore: take a fresh one and drill it."
                .to_owned(),
            count: drills.len() as i64,
            href: "/admin/backups".to_owned(),
            items: drills.into_iter().take(NAMED).map(store).collect(),
        });
    }
    Ok(out)
}

/// The stores whose unfinished job has been in one step far longer than that step usually
/// takes, longest first.
async fn stuck(pool: &AnyPool, now: i64) -> Result<Vec<String>, DbError> {
    let candidates = db::long_steps(pool, now - STUCK_AT_LEAST_MS).await?;
    let mut usual: BTreeMap<&'static str, Option<i64>> = BTreeMap::new();
    let mut out = Vec::new();
    for step in candidates {
        let Some(name) = JobKind::from_str(&step.kind).ok().and_then(|kind| {
            let index = usize::try_from(step.step).ok()?;
            kind.steps().get(index).map(|s| s.name.as_str())
        }) else {
            continue;
        };
        if !usual.contains_key(name) {
            let history = db::step_durations(pool, name, HISTORY).await?;
            usual.insert(name, median(history));
        }
        if is_stuck(now - step.since, usual[name]) && !out.contains(&step.subdomain) {
            out.push(step.subdomain);
        }
    }
    Ok(out)
}

fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

/// Whether a step under way for `elapsed` ms is stuck, given how long it usually takes.
fn is_stuck(elapsed: i64, usual: Option<i64>) -> bool {
    match usual {
        Some(usual) => elapsed > (STUCK_FACTOR * usual).max(STUCK_AT_LEAST_MS),
        None => elapsed > STUCK_WITHOUT_HISTORY_MS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_stuck_at_three_times_its_usual_time_and_never_before_two_minutes() {
        assert!(!is_stuck(MINUTE_MS, Some(1_000)));
        assert!(is_stuck(3 * MINUTE_MS, Some(1_000)));
        assert!(!is_stuck(20 * MINUTE_MS, Some(10 * MINUTE_MS)));
        assert!(is_stuck(31 * MINUTE_MS, Some(10 * MINUTE_MS)));
        assert!(!is_stuck(9 * MINUTE_MS, None));
        assert!(is_stuck(11 * MINUTE_MS, None));
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![]), None);
    }
}
