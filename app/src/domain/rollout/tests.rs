use proptest::prelude::*;

use super::*;
use crate::domain::TenantState;

fn ready(id: usize) -> Candidate {
    Candidate {
        tenant_id: format!("t{id}"),
        state: TenantState::Ready,
        pinned: None,
        canary: false,
        release_id: Some("old".into()),
    }
}

fn sizes(plan: &Plan) -> Vec<usize> {
    plan.waves.iter().map(Vec::len).collect()
}

#[test]
fn fifty_stores_go_in_a_canary_then_growing_waves() {
    let stores: Vec<Candidate> = (0..50).map(ready).collect();
    let plan = plan(&stores, "new", &RolloutOptions::default());
    // 49 after the canary: 1 % → 1, 10 % → 5, 50 % → 25, 100 % → 49.
    assert_eq!(sizes(&plan), vec![1, 1, 4, 20, 24]);
    assert_eq!(plan.waves[0], vec!["t0".to_owned()]);
    assert!(plan.skipped.is_empty());
}

#[test]
fn flagged_canaries_go_first_whatever_their_place() {
    let mut stores: Vec<Candidate> = (0..10).map(ready).collect();
    stores[7].canary = true;
    stores[3].canary = true;
    let plan = plan(&stores, "new", &RolloutOptions::default());
    assert_eq!(plan.waves[0], vec!["t3".to_owned(), "t7".to_owned()]);
    assert!(!plan.waves[1..]
        .iter()
        .flatten()
        .any(|t| t == "t3" || t == "t7"));
}

#[test]
fn pinned_unready_and_current_stores_are_left_out_with_their_reason() {
    let mut stores: Vec<Candidate> = (0..4).map(ready).collect();
    stores[0].pinned = Some("customer's audit".into());
    stores[1].state = TenantState::Suspended;
    stores[2].release_id = Some("new".into());
    let plan = plan(&stores, "new", &RolloutOptions::default());
    assert_eq!(plan.waves, vec![vec!["t3".to_owned()]]);
    let without_canary = RolloutOptions {
        canary: 0,
        ..RolloutOptions::default()
    };
    let plan_without = super::plan(&stores, "new", &without_canary);
    assert_eq!(plan_without.waves, vec![Vec::new(), vec!["t3".to_owned()]]);
    let reasons: Vec<String> = plan.skipped.iter().map(|(_, s)| s.to_string()).collect();
    assert_eq!(
        reasons,
        [
            "pinned: customer's audit",
            "not ready (suspended)",
            "runs this release already"
        ]
    );
}

#[test]
fn the_canary_may_not_fail_and_later_waves_have_their_share() {
    let options = RolloutOptions::default();
    assert!(options.halts(0, 1, 1));
    assert!(options.halts(0, 5, 1));
    assert!(!options.halts(0, 5, 0));
    // 2 % of 49 rounds down to 0: one failure halts a small wave.
    assert!(options.halts(3, 49, 1));
    // 2 % of 100 is 2: the third failure halts.
    assert!(!options.halts(2, 100, 2));
    assert!(options.halts(2, 100, 3));
}

#[test]
fn options_that_cannot_work_are_refused() {
    let with = |change: fn(&mut RolloutOptions)| {
        let mut options = RolloutOptions::default();
        change(&mut options);
        options.check()
    };
    assert_eq!(with(|_| ()), Ok(()));
    assert_eq!(with(|o| o.waves = vec![10, 50]), Err(OptionsProblem::Waves));
    assert_eq!(
        with(|o| o.waves = vec![50, 10, 100]),
        Err(OptionsProblem::Waves)
    );
    assert_eq!(with(|o| o.waves = vec![0, 100]), Err(OptionsProblem::Waves));
    assert_eq!(with(|o| o.waves = Vec::new()), Err(OptionsProblem::Waves));
    assert_eq!(with(|o| o.max_parallel = 0), Err(OptionsProblem::Parallel));
    assert_eq!(
        with(|o| o.budget_percent = 101),
        Err(OptionsProblem::Budget)
    );
    assert_eq!(with(|o| o.timeout_secs = 0), Err(OptionsProblem::Timeout));
    assert_eq!(
        RolloutOptions::parse_waves("1, 10,50%,100"),
        Ok(vec![1, 10, 50, 100])
    );
    assert_eq!(
        RolloutOptions::parse_waves("1,ten"),
        Err(OptionsProblem::Waves)
    );
}

#[test]
fn state_names_round_trip() {
    for state in [
        RolloutState::Running,
        RolloutState::Paused,
        RolloutState::Halted,
        RolloutState::Aborted,
        RolloutState::RollingBack,
        RolloutState::RolledBack,
        RolloutState::Done,
    ] {
        assert_eq!(state.as_str().parse::<RolloutState>(), Ok(state));
    }
    assert_eq!(
        "rolling_back".parse::<StepState>(),
        Ok(StepState::RollingBack)
    );
}

fn candidates() -> impl Strategy<Value = Vec<Candidate>> {
    let one = (any::<bool>(), any::<bool>(), 0u8..6, any::<bool>());
    proptest::collection::vec(one, 0..300).prop_map(|flags| {
        flags
            .into_iter()
            .enumerate()
            .map(|(i, (pinned, canary, state, current))| Candidate {
                tenant_id: format!("t{i}"),
                state: if state == 0 {
                    TenantState::Suspended
                } else {
                    TenantState::Ready
                },
                pinned: (pinned && i % 3 == 0).then(|| "pinned".to_owned()),
                canary: canary && i % 7 == 0,
                release_id: Some(if current && i % 5 == 0 { "new" } else { "old" }.to_owned()),
            })
            .collect()
    })
}

fn waves() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::btree_set(1u8..100, 0..5).prop_map(|set| {
        let mut waves: Vec<u8> = set.into_iter().collect();
        waves.push(100);
        waves
    })
}

proptest! {
    #[test]
    fn every_store_is_planned_once_or_skipped_once(
        stores in candidates(),
        waves in waves(),
        canary in 0usize..5,
    ) {
        let options = RolloutOptions { canary, waves: waves.clone(), ..RolloutOptions::default() };
        let plan = plan(&stores, "new", &options);
        let mut seen: Vec<&String> = plan
            .waves
            .iter()
            .flatten()
            .chain(plan.skipped.iter().map(|(id, _)| id))
            .collect();
        seen.sort();
        let mut all: Vec<&String> = stores.iter().map(|c| &c.tenant_id).collect();
        all.sort();
        prop_assert_eq!(seen, all);
        prop_assert!(!plan.waves.is_empty());
        for wave in &plan.waves[1..] {
            prop_assert!(!wave.is_empty());
        }
        for wave in &plan.waves {
            for id in wave {
                let store = stores.iter().find(|c| &c.tenant_id == id).unwrap();
                prop_assert!(store.pinned.is_none());
                prop_assert_eq!(store.state, TenantState::Ready);
            }
        }
        // After the canary, wave k holds at most its share of the rest (rounded up) beyond
        // the waves before it.
        let rest: usize = plan.waves.iter().skip(1).map(Vec::len).sum();
        let mut reached = 0;
        for wave in plan.waves.iter().skip(1) {
            reached += wave.len();
            let allowed = waves.iter().map(|p| (rest * usize::from(*p)).div_ceil(100));
            prop_assert!(allowed.clone().any(|end| end == reached), "{reached} of {rest}");
        }
    }

    #[test]
    fn a_wave_halts_only_past_its_budget(size in 1usize..2000, failures in 0usize..2000, percent in 0u8..=100) {
        let options = RolloutOptions { budget_percent: percent, ..RolloutOptions::default() };
        let allowed = size * usize::from(percent) / 100;
        prop_assert_eq!(options.halts(1, size, failures), failures > allowed);
        prop_assert_eq!(options.halts(0, size, failures), failures > 0);
    }
}
