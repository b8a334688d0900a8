use super::*;

fn step(id: &str, wave: usize, state: StepState) -> Step {
    Step {
        tenant_id: id.to_owned(),
        wave: Some(wave),
        state,
        failed: state == StepState::Failed,
        back_tried: false,
    }
}

fn options(max_parallel: usize) -> RolloutOptions {
    RolloutOptions {
        max_parallel,
        ..RolloutOptions::default()
    }
}

fn ids(list: &[(String, String)]) -> Vec<&str> {
    list.iter().map(|(id, _)| id.as_str()).collect()
}

#[test]
fn the_first_open_wave_starts_up_to_the_parallel_limit() {
    let steps = vec![
        step("c", 0, StepState::Done),
        step("a", 1, StepState::Updating),
        step("b", 1, StepState::Waiting),
        step("d", 1, StepState::Waiting),
        step("e", 1, StepState::Waiting),
        step("f", 2, StepState::Waiting),
    ];
    let turn = decide(RolloutState::Running, &options(3), &steps);
    assert_eq!(turn.start, ["b", "d"]);
    assert!(turn.change.is_none());
    assert!(!turn.settled);
}

#[test]
fn a_wave_still_baking_holds_the_next_one_back() {
    let steps = vec![
        step("a", 1, StepState::Baking),
        step("b", 2, StepState::Waiting),
    ];
    let turn = decide(RolloutState::Running, &options(5), &steps);
    assert!(turn.start.is_empty());
}

#[test]
fn a_failed_canary_halts_and_leaves_everything_after_it_alone() {
    let steps = vec![
        step("canary", 0, StepState::Failed),
        step("a", 1, StepState::Waiting),
        step("b", 2, StepState::Waiting),
    ];
    let turn = decide(RolloutState::Running, &options(5), &steps);
    assert_eq!(
        turn.change,
        Some((
            RolloutState::Halted,
            "1 of 1 stores failed in the canary (budget 0)".to_owned()
        ))
    );
    assert_eq!(ids(&turn.roll_back), ["canary"]);
    assert_eq!(ids(&turn.skip), ["a", "b"]);
    assert!(turn.start.is_empty());
}

#[test]
fn a_halt_moves_the_failing_waves_updated_stores_back_and_keeps_earlier_waves() {
    let mut steps = vec![
        step("canary", 0, StepState::Done),
        step("a", 1, StepState::Done),
        step("b", 2, StepState::Done),
        step("c", 2, StepState::Failed),
        step("d", 2, StepState::Baking),
        step("e", 2, StepState::Waiting),
    ];
    let turn = decide(RolloutState::Running, &options(5), &steps);
    assert_eq!(turn.change.map(|(s, _)| s), Some(RolloutState::Halted));
    assert_eq!(ids(&turn.roll_back), ["c", "b", "d"]);
    assert_eq!(ids(&turn.skip), ["e"]);

    let all = RolloutOptions {
        rollback_all: true,
        ..RolloutOptions::default()
    };
    let turn = decide(RolloutState::Running, &all, &steps);
    assert_eq!(ids(&turn.roll_back), ["c", "canary", "a", "b", "d"]);

    // Within the budget (2 % of 100 is 2), a failure only moves its own store back.
    steps = (0..100)
        .map(|i| step(&format!("s{i}"), 3, StepState::Done))
        .collect();
    steps[5] = step("s5", 3, StepState::Failed);
    steps[7] = step("s7", 3, StepState::Waiting);
    let turn = decide(RolloutState::Running, &options(5), &steps);
    assert!(turn.change.is_none());
    assert_eq!(ids(&turn.roll_back), ["s5"]);
    assert_eq!(turn.start, ["s7"]);
}

#[test]
fn a_paused_rollout_starts_nothing_but_still_watches_its_budget() {
    let steps = vec![
        step("a", 1, StepState::Updating),
        step("b", 1, StepState::Waiting),
    ];
    let turn = decide(RolloutState::Paused, &options(5), &steps);
    assert!(turn.start.is_empty() && turn.change.is_none() && !turn.settled);
    let steps = vec![
        step("a", 0, StepState::Failed),
        step("b", 1, StepState::Waiting),
    ];
    let turn = decide(RolloutState::Paused, &options(5), &steps);
    assert_eq!(turn.change.map(|(s, _)| s), Some(RolloutState::Halted));
}

#[test]
fn the_rollout_is_done_when_no_store_is_left_to_move() {
    let mut steps = vec![
        step("a", 0, StepState::Done),
        step("b", 1, StepState::RollingBack),
    ];
    steps[1].failed = true;
    let lenient = RolloutOptions {
        budget_percent: 100,
        ..RolloutOptions::default()
    };
    let turn = decide(RolloutState::Running, &lenient, &steps);
    assert!(turn.change.is_none(), "a store still moving back");
    steps[1].state = StepState::RolledBack;
    let turn = decide(RolloutState::Running, &lenient, &steps);
    assert_eq!(
        turn.change,
        Some((
            RolloutState::Done,
            "1 stores reached the release; 1 failed and were moved back".to_owned()
        ))
    );
    assert!(turn.settled);
}

#[test]
fn rolling_back_moves_every_updated_store_back_then_ends() {
    let mut steps = vec![
        step("a", 0, StepState::Done),
        step("b", 1, StepState::Updating),
        step("c", 1, StepState::Waiting),
        step("d", 1, StepState::RolledBack),
    ];
    let turn = decide(RolloutState::RollingBack, &options(5), &steps);
    assert_eq!(ids(&turn.roll_back), ["a", "b"]);
    assert_eq!(ids(&turn.skip), ["c"]);
    assert!(turn.change.is_none());
    steps[0].state = StepState::RolledBack;
    steps[1].state = StepState::RolledBack;
    steps[2].state = StepState::Skipped;
    let turn = decide(RolloutState::RollingBack, &options(5), &steps);
    assert_eq!(turn.change.map(|(s, _)| s), Some(RolloutState::RolledBack));
    assert!(turn.settled);
}

#[test]
fn a_halted_rollout_settles_once_its_stores_are_back() {
    let mut steps = vec![step("a", 0, StepState::RollingBack)];
    let turn = decide(RolloutState::Halted, &options(5), &steps);
    assert!(!turn.settled);
    steps[0].state = StepState::RolledBack;
    assert!(decide(RolloutState::Halted, &options(5), &steps).settled);
    // A failed rollback is not tried again by itself.
    steps[0].state = StepState::Failed;
    steps[0].back_tried = true;
    let turn = decide(RolloutState::Halted, &options(5), &steps);
    assert!(turn.roll_back.is_empty() && turn.settled);
}

#[test]
fn a_store_that_could_not_be_moved_back_is_not_tried_every_turn() {
    // The canary failed, and its store was suspended before it could be moved back.
    let mut failed = step("a", 0, StepState::Failed);
    failed.back_tried = true;
    let steps = vec![failed, step("b", 1, StepState::Waiting)];
    let turn = decide(RolloutState::Running, &options(5), &steps);
    assert!(turn.roll_back.is_empty());
    assert_eq!(turn.change.map(|(s, _)| s), Some(RolloutState::Halted));
    assert_eq!(ids(&turn.skip), ["b"]);
    let steps = vec![steps[0].clone(), step("b", 1, StepState::Skipped)];
    assert!(decide(RolloutState::Halted, &options(5), &steps).settled);

    // Rolling back the whole rollout: an updated store that was refused stays as it is.
    let mut refused = step("c", 0, StepState::Done);
    refused.back_tried = true;
    let turn = decide(RolloutState::RollingBack, &options(5), &[refused]);
    assert!(turn.roll_back.is_empty());
    assert_eq!(turn.change.map(|(s, _)| s), Some(RolloutState::RolledBack));
    assert!(turn.settled);
}
