//! Rollouts as pages, the API and the command line show them.

use serde::{Deserialize, Serialize};

use super::{RolloutOptions, RolloutState, StepState};

/// A rollout with its waves and stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutView {
    /// Its id.
    pub id: String,
    /// The blueprint its release is a version of.
    pub blueprint: String,
    /// The release it moves stores to.
    pub release: String,
    /// Where it stands.
    pub state: RolloutState,
    /// Why it halted or ended as it did.
    pub reason: Option<String>,
    /// How it proceeds.
    pub options: RolloutOptions,
    /// Who started it.
    pub created_by: String,
    /// When, RFC 3339.
    pub created_at: String,
    /// When it ended, RFC 3339.
    pub finished_at: Option<String>,
    /// Its waves in order; wave 0 is the canary cohort (left out when empty).
    pub waves: Vec<WaveView>,
    /// Stores left out when it was planned, with why.
    pub left_out: Vec<RolloutStepView>,
    /// The median time a store took from the start of its update to the end of its bake, in
    /// seconds, once any store has taken it.
    pub seconds_per_store: Option<u64>,
    /// How long the stores still waiting may take, at that pace and parallelism.
    pub seconds_left: Option<u64>,
}

impl RolloutView {
    /// Whether anything in it may still change by itself: it is not settled, or a store in it
    /// is still being moved.
    pub fn is_moving(&self) -> bool {
        !self.state.is_final()
            || self
                .waves
                .iter()
                .flat_map(|w| &w.stores)
                .any(|s| s.state.is_open())
    }
}

/// A wave of a rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaveView {
    /// Its number: 0 is the canary cohort.
    pub index: usize,
    /// "the canary" or "wave N".
    pub name: String,
    /// How many of its stores are in each state.
    pub counts: StepCounts,
    /// Failures it may have before the rollout halts.
    pub budget: usize,
    /// Its stores.
    pub stores: Vec<RolloutStepView>,
}

/// How many stores are in each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StepCounts {
    /// Not reached yet.
    pub waiting: usize,
    /// Updating or baking.
    pub updating: usize,
    /// Updated and healthy.
    pub done: usize,
    /// Failed (and not moved back yet).
    pub failed: usize,
    /// Moving back or moved back.
    pub rolled_back: usize,
    /// Left out when their turn came.
    pub skipped: usize,
    /// Of all of these, how many failed their update or health gate.
    pub failures: usize,
}

impl StepCounts {
    /// Counts one store.
    pub fn add(&mut self, state: StepState, failed: bool) {
        match state {
            StepState::Waiting => self.waiting += 1,
            StepState::Updating | StepState::Baking => self.updating += 1,
            StepState::Done => self.done += 1,
            StepState::Failed => self.failed += 1,
            StepState::RollingBack | StepState::RolledBack => self.rolled_back += 1,
            StepState::Skipped => self.skipped += 1,
        }
        self.failures += usize::from(failed);
    }

    /// All stores counted.
    pub fn total(&self) -> usize {
        self.waiting + self.updating + self.done + self.failed + self.rolled_back + self.skipped
    }
}

/// A store of a rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutStepView {
    /// Its subdomain.
    pub subdomain: String,
    /// Where it stands.
    pub state: StepState,
    /// Whether its update or health gate failed.
    pub failed: bool,
    /// Why it failed, was moved back or was left out.
    pub reason: Option<String>,
    /// Seconds from the start of its update to the end of its bake (or now).
    pub seconds: Option<u64>,
    /// The step its running job is at, e.g. "Wait for the store to start".
    #[serde(default)]
    pub step: Option<String>,
}

/// A line of the rollouts list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutSummary {
    /// Its id.
    pub id: String,
    /// The blueprint.
    pub blueprint: String,
    /// The release.
    pub release: String,
    /// Where it stands.
    pub state: RolloutState,
    /// Who started it.
    pub created_by: String,
    /// When, RFC 3339.
    pub created_at: String,
}

/// What an admin, an operator or CI asks to roll out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRollout {
    /// The release's name.
    pub release: String,
    /// Its blueprint, when several have a release of that name.
    #[serde(default)]
    pub blueprint: Option<String>,
    /// Only the stores on this plan.
    #[serde(default)]
    pub plan: Option<String>,
    /// Only these stores, by subdomain; empty: every store of the blueprint (or plan).
    #[serde(default)]
    pub stores: Vec<String>,
    /// How it proceeds.
    #[serde(default)]
    pub options: RolloutOptions,
}
