//! Rollouts: a release reaches a selection of stores in waves — a canary cohort first, then
//! waves of growing size — each store's update followed by a health gate, and the rollout
//! halts when a wave's failures pass its budget. This module is the pure part: the options, the
//! plan of waves, the budget and the names of the states.

use serde::{Deserialize, Serialize};

pub mod turn;
pub mod view;

pub use view::{NewRollout, RolloutStepView, RolloutSummary, RolloutView, StepCounts, WaveView};

/// How a rollout proceeds, as the operator asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RolloutOptions {
    /// Stores in the canary cohort when none is flagged canary: the first N selected.
    pub canary: usize,
    /// The waves after the canary, as the share of the remaining stores each one reaches,
    /// in percent and growing, the last 100: `[1, 10, 50, 100]`.
    pub waves: Vec<u8>,
    /// Stores updating at once, at most.
    pub max_parallel: usize,
    /// How long each store is watched after its update before it counts as done, in seconds.
    pub bake_secs: u64,
    /// Failures a wave (after the canary) may have, in percent of its stores, before the
    /// rollout halts. The canary cohort may have none.
    pub budget_percent: u8,
    /// How long a store's update may take before it counts as failed, in seconds.
    pub timeout_secs: u64,
    /// On a halt, move every store this rollout updated back, not only the failing wave's.
    pub rollback_all: bool,
}

impl Default for RolloutOptions {
    fn default() -> Self {
        Self {
            canary: 1,
            waves: vec![1, 10, 50, 100],
            max_parallel: 5,
            bake_secs: 60,
            budget_percent: 2,
            timeout_secs: 600,
            rollback_all: false,
        }
    }
}

/// Why rollout options cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsProblem {
    /// The waves are not growing percentages ending at 100.
    #[error("waves are growing percentages from 1 to 100, the last 100, e.g. 1,10,50,100")]
    Waves,
    /// Nothing could update.
    #[error("at least one store must be able to update at once (max parallel ≥ 1)")]
    Parallel,
    /// A budget over 100 %.
    #[error("the failure budget is a percentage, 0 to 100")]
    Budget,
    /// A store would count as failed before it could start.
    #[error("a store's update needs at least 1 s before it counts as failed")]
    Timeout,
}

impl RolloutOptions {
    /// Checks the options; the first problem found.
    pub fn check(&self) -> Result<(), OptionsProblem> {
        let growing = self.waves.windows(2).all(|pair| pair[0] < pair[1]);
        let in_range = self.waves.iter().all(|p| (1..=100).contains(p));
        if self.waves.last() != Some(&100) || !growing || !in_range {
            return Err(OptionsProblem::Waves);
        }
        if self.max_parallel == 0 {
            return Err(OptionsProblem::Parallel);
        }
        if self.budget_percent > 100 {
            return Err(OptionsProblem::Budget);
        }
        if self.timeout_secs == 0 {
            return Err(OptionsProblem::Timeout);
        }
        Ok(())
    }

    /// Waves from their text, e.g. `1,10,50,100`.
    pub fn parse_waves(text: &str) -> Result<Vec<u8>, OptionsProblem> {
        text.split(',')
            .map(|p| p.trim().trim_end_matches('%').parse::<u8>())
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| OptionsProblem::Waves)
    }

    /// The failures wave `wave` (0 is the canary cohort) of `size` stores may have without
    /// halting the rollout.
    pub fn allowed_failures(&self, wave: usize, size: usize) -> usize {
        if wave == 0 {
            0
        } else {
            size * usize::from(self.budget_percent) / 100
        }
    }

    /// Whether `failures` in wave `wave` of `size` stores halt the rollout.
    pub fn halts(&self, wave: usize, size: usize, failures: usize) -> bool {
        failures > self.allowed_failures(wave, size)
    }
}

/// A store a rollout could reach, as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The tenant.
    pub tenant_id: String,
    /// Where it is in its life: only ready stores are updated.
    pub state: super::TenantState,
    /// Why an admin pinned it to its release, if so.
    pub pinned: Option<String>,
    /// Flagged to be updated first.
    pub canary: bool,
    /// The release it runs, if any.
    pub release_id: Option<String>,
}

/// Why a selected store is left out of a rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// An admin pinned it, with this reason.
    Pinned(String),
    /// It is not ready (being built, updated, suspended, failed…).
    NotReady(super::TenantState),
    /// It runs the release already.
    OnRelease,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Pinned(reason) => write!(f, "pinned: {reason}"),
            Skip::NotReady(state) => write!(f, "not ready ({})", state.as_str()),
            Skip::OnRelease => f.write_str("runs this release already"),
        }
    }
}

/// The waves a rollout goes through, and the stores it leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The tenants of each wave, in order. Wave 0 is the canary cohort, empty when there is
    /// none; no later wave is empty.
    pub waves: Vec<Vec<String>>,
    /// The tenants left out, and why.
    pub skipped: Vec<(String, Skip)>,
}

impl Plan {
    /// How many tenants it updates.
    pub fn tenants(&self) -> usize {
        self.waves.iter().map(Vec::len).sum()
    }
}

/// Plans a rollout of `release_id` over `candidates`, in their order: pinned, non-ready and
/// up-to-date stores are left out; the canary cohort is the stores flagged canary or, when
/// none is, the first `options.canary`; the rest are split into the options' waves, each
/// reaching its share of them (rounded up), so every store is in exactly one wave.
pub fn plan(candidates: &[Candidate], release_id: &str, options: &RolloutOptions) -> Plan {
    let mut result = Plan::default();
    let mut eligible = Vec::new();
    for candidate in candidates {
        let skip = if let Some(reason) = &candidate.pinned {
            Some(Skip::Pinned(reason.clone()))
        } else if candidate.state != super::TenantState::Ready {
            Some(Skip::NotReady(candidate.state))
        } else if candidate.release_id.as_deref() == Some(release_id) {
            Some(Skip::OnRelease)
        } else {
            None
        };
        match skip {
            Some(skip) => result.skipped.push((candidate.tenant_id.clone(), skip)),
            None => eligible.push(candidate),
        }
    }
    let flagged = eligible.iter().any(|c| c.canary);
    let (canaries, rest): (Vec<&Candidate>, Vec<&Candidate>) = if flagged {
        eligible.iter().partition(|c| c.canary)
    } else {
        let split = options.canary.min(eligible.len());
        (eligible[..split].to_vec(), eligible[split..].to_vec())
    };
    let ids = |group: &[&Candidate]| group.iter().map(|c| c.tenant_id.clone()).collect();
    result.waves.push(ids(&canaries));
    let mut reached = 0;
    for percent in &options.waves {
        let end = (rest.len() * usize::from(*percent))
            .div_ceil(100)
            .min(rest.len());
        if end > reached {
            result.waves.push(ids(&rest[reached..end]));
            reached = end;
        }
    }
    if reached < rest.len() {
        result.waves.push(ids(&rest[reached..]));
    }
    result
}

/// How an admin steers a rollout.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Steer {
    /// No store starts; those updating finish.
    Pause,
    /// A paused rollout goes on.
    Resume,
    /// No store starts; stores keep the release they have.
    Abort,
    /// Every store it updated goes back to its previous release.
    Rollback,
}

/// Where a rollout stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RolloutState {
    /// Updating stores, wave after wave.
    Running,
    /// Paused by an admin: no store starts; those updating finish.
    Paused,
    /// Stopped by its failure budget; the failing wave was moved back.
    Halted,
    /// Stopped by an admin; stores keep the release they have.
    Aborted,
    /// Moving the stores it updated back to their previous release.
    RollingBack,
    /// Every store it updated is back on its previous release.
    RolledBack,
    /// Every store reached the release.
    Done,
}

impl RolloutState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether it has ended: nothing more happens unless an admin rolls it back.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RolloutState::Halted
                | RolloutState::Aborted
                | RolloutState::RolledBack
                | RolloutState::Done
        )
    }
}

/// Where one store of a rollout stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Its wave has not reached it.
    Waiting,
    /// Its update job runs.
    Updating,
    /// Updated; watched for the bake time.
    Baking,
    /// Updated and healthy through the bake.
    Done,
    /// Its update or its health gate failed.
    Failed,
    /// Being moved back to its previous release.
    RollingBack,
    /// Back on its previous release.
    RolledBack,
    /// Left out when its turn came (no longer ready, pinned meanwhile, rollout stopped).
    Skipped,
}

impl StepState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether it is still to move in this rollout (waiting, updating, baking or rolling
    /// back).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            StepState::Waiting | StepState::Updating | StepState::Baking | StepState::RollingBack
        )
    }
}

#[cfg(test)]
mod tests;
