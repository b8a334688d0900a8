//! Rollouts as records become rollouts as people see them: waves with their counts, each
//! store's time, the pace so far and the time left.

use app::domain::rollout::turn::wave_name;
use app::domain::rollout::{
    RolloutStepView, RolloutSummary, RolloutView, StepCounts, StepState, WaveView,
};

use crate::clock::rfc3339;
use crate::db::releases::ReleaseRecord;
use crate::db::rollout_steps::StepRecord;
use crate::db::rollouts::RolloutRecord;

fn secs(ms: i64) -> u64 {
    u64::try_from(ms.max(0) / 1000).unwrap_or_default()
}

fn step_view(step: &StepRecord, now: i64) -> RolloutStepView {
    RolloutStepView {
        subdomain: step.subdomain.clone(),
        state: step.state,
        failed: step.failed,
        reason: step.reason.clone(),
        seconds: step
            .started_at
            .map(|start| secs(step.finished_at.unwrap_or(now) - start)),
        step: step.job_step.map(str::to_owned),
    }
}

/// A rollout with its waves, as of `now`.
pub fn rollout(
    record: &RolloutRecord,
    release: &ReleaseRecord,
    steps: &[StepRecord],
    now: i64,
) -> RolloutView {
    let mut waves: Vec<WaveView> = Vec::new();
    for step in steps {
        let Some(index) = step.wave else { continue };
        if waves.last().is_none_or(|w| w.index != index) {
            waves.push(WaveView {
                index,
                name: wave_name(index),
                counts: StepCounts::default(),
                budget: 0,
                stores: Vec::new(),
            });
        }
        if let Some(wave) = waves.last_mut() {
            wave.counts.add(step.state, step.failed);
            wave.stores.push(step_view(step, now));
        }
    }
    for wave in &mut waves {
        let size = wave.counts.total() - wave.counts.skipped;
        wave.budget = record.options.allowed_failures(wave.index, size);
    }
    let mut taken: Vec<u64> = steps
        .iter()
        .filter(|s| s.state == StepState::Done)
        .filter_map(|s| Some(secs(s.finished_at? - s.started_at?)))
        .collect();
    taken.sort_unstable();
    let seconds_per_store = taken.get(taken.len() / 2).copied();
    let waiting = steps
        .iter()
        .filter(|s| {
            matches!(
                s.state,
                StepState::Waiting | StepState::Updating | StepState::Baking
            )
        })
        .count();
    let parallel = u64::try_from(record.options.max_parallel.max(1)).unwrap_or(1);
    let seconds_left = seconds_per_store.map(|per| {
        let rounds = u64::try_from(waiting)
            .unwrap_or_default()
            .div_ceil(parallel);
        rounds * per
    });
    RolloutView {
        id: record.id.clone(),
        blueprint: release.blueprint.clone(),
        release: release.name.clone(),
        state: record.state,
        reason: record.reason.clone(),
        options: record.options.clone(),
        created_by: record.created_by.clone(),
        created_at: rfc3339(record.created_at),
        finished_at: record.finished_at.map(rfc3339),
        waves,
        left_out: steps
            .iter()
            .filter(|s| s.wave.is_none())
            .map(|s| step_view(s, now))
            .collect(),
        seconds_per_store,
        seconds_left: (!record.state.is_final()).then_some(seconds_left).flatten(),
    }
}

/// A line of the rollouts list.
pub fn summary(record: &RolloutRecord, release: Option<&ReleaseRecord>) -> RolloutSummary {
    RolloutSummary {
        id: record.id.clone(),
        blueprint: release.map(|r| r.blueprint.clone()).unwrap_or_default(),
        release: release.map(|r| r.name.clone()).unwrap_or_default(),
        state: record.state,
        created_by: record.created_by.clone(),
        created_at: rfc3339(record.created_at),
    }
}
