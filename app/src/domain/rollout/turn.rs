//! One turn of a rollout's driver, decided from what its stores' states are: which stores
//! start updating, which move back, which are left out, and what the rollout becomes. Pure:
//! the driver observes the cluster and the jobs, records what it saw, then asks this.

use super::{RolloutOptions, RolloutState, StepState};

/// A store of a rollout, as a turn sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The tenant.
    pub tenant_id: String,
    /// Its wave; `None` when left out as the rollout was planned.
    pub wave: Option<usize>,
    /// Where it stands.
    pub state: StepState,
    /// Whether its update or health gate failed.
    pub failed: bool,
    /// Whether moving it back was tried once already: a move back that failed or was refused
    /// is left to an admin.
    pub back_tried: bool,
}

/// What a turn does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Turn {
    /// Stores to start updating, in order.
    pub start: Vec<String>,
    /// Stores to move back to their previous release, with why.
    pub roll_back: Vec<(String, String)>,
    /// Waiting stores to leave out, with why.
    pub skip: Vec<(String, String)>,
    /// The rollout's new state and why, when it changes.
    pub change: Option<(RolloutState, String)>,
    /// Nothing in the rollout can move any more: it needs no further turn.
    pub settled: bool,
}

/// The name of wave `wave` in messages: "the canary" or "wave N".
pub fn wave_name(wave: usize) -> String {
    if wave == 0 {
        "the canary".to_owned()
    } else {
        format!("wave {wave}")
    }
}

/// A store on the new release, or on its way there, that was never tried moving back.
fn moved_forward(step: &Step) -> bool {
    !step.back_tried
        && matches!(
            step.state,
            StepState::Updating | StepState::Baking | StepState::Done
        )
}

/// Decides a turn of a rollout in `state` with these stores.
pub fn decide(state: RolloutState, options: &RolloutOptions, steps: &[Step]) -> Turn {
    let mut turn = Turn::default();
    let waiting: Vec<&Step> = steps
        .iter()
        .filter(|s| s.state == StepState::Waiting)
        .collect();
    // A store whose update failed goes back to the release it came from, whatever else
    // happens; once only.
    let failed = || {
        steps
            .iter()
            .filter(|s| s.state == StepState::Failed && !s.back_tried)
            .map(|s| (s.tenant_id.clone(), "its update failed".to_owned()))
    };
    match state {
        RolloutState::Running | RolloutState::Paused => {
            turn.roll_back.extend(failed());
            let current = steps
                .iter()
                .filter(|s| {
                    matches!(
                        s.state,
                        StepState::Waiting | StepState::Updating | StepState::Baking
                    )
                })
                .filter_map(|s| s.wave)
                .min();
            if let Some((wave, reason)) = over_budget(options, steps) {
                let back = steps
                    .iter()
                    .filter(|s| moved_forward(s) && (options.rollback_all || s.wave == Some(wave)));
                turn.roll_back
                    .extend(back.map(|s| (s.tenant_id.clone(), "the rollout halted".to_owned())));
                turn.skip = left_out(&waiting, "the rollout halted");
                turn.change = Some((RolloutState::Halted, reason));
                return turn;
            }
            if let Some(wave) = current {
                if state == RolloutState::Running {
                    let busy = steps
                        .iter()
                        .filter(|s| matches!(s.state, StepState::Updating | StepState::RollingBack))
                        .count();
                    let room = options.max_parallel.saturating_sub(busy);
                    turn.start = waiting
                        .iter()
                        .filter(|s| s.wave == Some(wave))
                        .take(room)
                        .map(|s| s.tenant_id.clone())
                        .collect();
                }
            } else if state == RolloutState::Running && !steps.iter().any(|s| s.state.is_open()) {
                let failures = steps.iter().filter(|s| s.failed).count();
                let done = steps.iter().filter(|s| s.state == StepState::Done).count();
                let reason = if failures == 0 {
                    format!("{done} stores reached the release")
                } else {
                    format!(
                        "{done} stores reached the release; {failures} failed and were moved back"
                    )
                };
                turn.change = Some((RolloutState::Done, reason));
            }
        }
        RolloutState::RollingBack => {
            turn.roll_back.extend(failed());
            turn.roll_back
                .extend(steps.iter().filter(|s| moved_forward(s)).map(|s| {
                    (
                        s.tenant_id.clone(),
                        "the rollout was rolled back".to_owned(),
                    )
                }));
            turn.skip = left_out(&waiting, "the rollout was rolled back");
            let open = steps
                .iter()
                .any(|s| s.state.is_open() && s.state != StepState::Waiting);
            if turn.roll_back.is_empty() && !open {
                turn.change = Some((
                    RolloutState::RolledBack,
                    "every store it updated is back on its previous release".into(),
                ));
            }
        }
        RolloutState::Halted | RolloutState::Aborted => {
            turn.roll_back.extend(failed());
            let why = if state == RolloutState::Halted {
                "the rollout halted"
            } else {
                "the rollout was aborted"
            };
            turn.skip = left_out(&waiting, why);
        }
        RolloutState::Done | RolloutState::RolledBack => {}
    }
    let final_state = turn.change.as_ref().map_or(state, |(s, _)| *s).is_final();
    let open = steps
        .iter()
        .any(|s| s.state.is_open() && s.state != StepState::Waiting);
    turn.settled = final_state
        && turn.start.is_empty()
        && turn.roll_back.is_empty()
        && turn.skip.is_empty()
        && !open;
    turn
}

/// The first wave whose failures passed its budget, and the halt's reason.
fn over_budget(options: &RolloutOptions, steps: &[Step]) -> Option<(usize, String)> {
    let last = steps.iter().filter_map(|s| s.wave).max()?;
    (0..=last).find_map(|wave| {
        let members: Vec<&Step> = steps.iter().filter(|s| s.wave == Some(wave)).collect();
        let size = members
            .iter()
            .filter(|s| s.state != StepState::Skipped)
            .count();
        let failures = members.iter().filter(|s| s.failed).count();
        options.halts(wave, size, failures).then(|| {
            let reason = format!(
                "{failures} of {size} stores failed in {} (budget {})",
                wave_name(wave),
                options.allowed_failures(wave, size)
            );
            (wave, reason)
        })
    })
}

fn left_out(waiting: &[&Step], why: &str) -> Vec<(String, String)> {
    waiting
        .iter()
        .map(|s| (s.tenant_id.clone(), why.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests;
