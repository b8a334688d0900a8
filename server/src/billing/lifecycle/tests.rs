use app::domain::tenant::ALL_STATES;
use app::domain::TenantState::{self, *};

use super::*;

const DAY: i64 = 86_400_000;
const PERIODS: Periods = Periods {
    grace_ms: 7 * DAY,
    retention_ms: 30 * DAY,
};
const T0: i64 = 1_800_000_000_000;

fn sub(status: Observed) -> Subscription {
    Subscription {
        tenant_id: Some("t".into()),
        customer_id: Some("cus".into()),
        status,
        status_at: T0,
        past_due_since: (status == Observed::PastDue).then_some(T0),
        canceled_at: (status == Observed::Canceled).then_some(T0),
    }
}

fn facts(state: TenantState) -> TenantFacts {
    TenantFacts {
        state,
        suspended_by_billing: false,
        resuming: false,
    }
}

fn change(observed: Option<Observed>) -> Change {
    Change {
        subscription_id: "sub".into(),
        customer_id: Some("cus".into()),
        tenant_id: Some("t".into()),
        observed,
    }
}

const STATUSES: [Observed; 4] = [
    Observed::Active,
    Observed::PastDue,
    Observed::Canceled,
    Observed::Pending,
];

/// Every combination of status, tenant state, billing's suspension, a resumption, and a time
/// before and after each period, against the rules written out once more.
#[test]
fn every_combination_follows_the_rules() {
    for status in STATUSES {
        for state in ALL_STATES {
            for suspended_by_billing in [false, true] {
                for resuming in [false, true] {
                    for now in [
                        T0,
                        T0 + 7 * DAY - 1,
                        T0 + 7 * DAY,
                        T0 + 30 * DAY - 1,
                        T0 + 30 * DAY,
                    ] {
                        let tenant = TenantFacts {
                            state,
                            suspended_by_billing,
                            resuming,
                        };
                        let serving = matches!(state, Ready | Updating | Failed);
                        let expected = match status {
                            Observed::Active if state == PendingPayment => Action::Provision,
                            Observed::Active
                                if state == Suspended && suspended_by_billing && !resuming =>
                            {
                                Action::Resume
                            }
                            Observed::PastDue if serving && now >= T0 + 7 * DAY => {
                                Action::Suspend(SuspendReason::GraceOver)
                            }
                            Observed::Canceled if serving => {
                                Action::Suspend(SuspendReason::Canceled)
                            }
                            Observed::Canceled if state == Suspended && now >= T0 + 30 * DAY => {
                                Action::Archive
                            }
                            _ => Action::Keep,
                        };
                        assert_eq!(
                            decide(&sub(status), tenant, now, PERIODS),
                            expected,
                            "{status:?} {state:?} billing={suspended_by_billing} resuming={resuming} now={now}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_action_is_a_move_the_tenant_lifecycle_allows() {
    for status in STATUSES {
        for state in ALL_STATES {
            let tenant = TenantFacts {
                state,
                suspended_by_billing: true,
                resuming: false,
            };
            let to = match decide(&sub(status), tenant, T0 + 31 * DAY, PERIODS) {
                Action::Keep | Action::Resume => continue,
                Action::Provision => Provisioning,
                Action::Suspend(_) => Suspended,
                Action::Archive => Archived,
            };
            assert!(state.can_become(to), "{state:?} -> {to:?}");
        }
    }
}

#[test]
fn first_payment_provisions_and_nothing_else_does() {
    assert_eq!(
        decide(&sub(Observed::Active), facts(PendingPayment), T0, PERIODS),
        Action::Provision
    );
    for status in [Observed::PastDue, Observed::Canceled, Observed::Pending] {
        assert_eq!(
            decide(&sub(status), facts(PendingPayment), T0 + 40 * DAY, PERIODS),
            Action::Keep
        );
    }
}

#[test]
fn an_admins_suspension_is_not_undone_by_a_payment() {
    assert_eq!(
        decide(&sub(Observed::Active), facts(Suspended), T0, PERIODS),
        Action::Keep
    );
}

#[test]
fn grace_runs_from_the_first_failure() {
    let (failed, started) = apply(&sub(Observed::Active), &change(Some(Observed::PastDue)), T0);
    assert!(started);
    assert_eq!(failed.past_due_since, Some(T0));
    let (again, started) = apply(&failed, &change(Some(Observed::PastDue)), T0 + 3 * DAY);
    assert!(
        !started,
        "a retry's failure does not start another grace period"
    );
    assert_eq!(again.past_due_since, Some(T0));
    assert_eq!(
        decide(&again, facts(Ready), T0 + 7 * DAY - 1, PERIODS),
        Action::Keep
    );
    assert_eq!(
        decide(&again, facts(Ready), T0 + 7 * DAY, PERIODS),
        Action::Suspend(SuspendReason::GraceOver)
    );
    let (paid, _) = apply(&again, &change(Some(Observed::Active)), T0 + 4 * DAY);
    assert_eq!(paid.past_due_since, None);
    assert_eq!(
        decide(&paid, facts(Ready), T0 + 30 * DAY, PERIODS),
        Action::Keep
    );
}

#[test]
fn an_older_event_never_overwrites_a_newer_status() {
    let (paid, _) = apply(
        &Subscription::unknown(),
        &change(Some(Observed::Active)),
        T0 + 10,
    );
    let (still, started) = apply(&paid, &change(Some(Observed::PastDue)), T0);
    assert!(!started);
    assert_eq!(still.status, Observed::Active);
    assert_eq!(still.status_at, T0 + 10);
    assert_eq!(still.past_due_since, None);
}

#[test]
fn cancellation_is_final() {
    let (canceled, _) = apply(
        &sub(Observed::Active),
        &change(Some(Observed::Canceled)),
        T0 + 5,
    );
    assert_eq!(canceled.canceled_at, Some(T0 + 5));
    let (after, _) = apply(&canceled, &change(Some(Observed::Active)), T0 + 50);
    assert_eq!(after.status, Observed::Canceled);
}

#[test]
fn events_in_any_order_end_in_the_same_state() {
    let events = [
        (Some(Observed::Pending), T0),
        (Some(Observed::Active), T0 + 1000),
        (Some(Observed::PastDue), T0 + 2000),
        (Some(Observed::Active), T0 + 3000),
        (Some(Observed::Canceled), T0 + 4000),
        (None, T0 + 5000),
    ];
    let fold = |order: &[usize]| {
        order.iter().fold(Subscription::unknown(), |s, &i| {
            apply(&s, &change(events[i].0), events[i].1).0
        })
    };
    let forward = fold(&[0, 1, 2, 3, 4, 5]);
    assert_eq!(forward.status, Observed::Canceled);
    assert_eq!(forward.canceled_at, Some(T0 + 4000));
    assert_eq!(fold(&[5, 4, 3, 2, 1, 0]).status, forward.status);
    assert_eq!(fold(&[2, 5, 0, 4, 1, 3]).status, forward.status);
}

#[test]
fn ids_are_learned_from_whichever_event_names_them_first() {
    let mut anonymous = change(Some(Observed::PastDue));
    anonymous.tenant_id = None;
    anonymous.customer_id = None;
    let (first, _) = apply(&Subscription::unknown(), &anonymous, T0 + 10);
    assert_eq!(first.tenant_id, None);
    let (second, _) = apply(&first, &change(Some(Observed::Active)), T0);
    assert_eq!(second.tenant_id.as_deref(), Some("t"));
    assert_eq!(second.customer_id.as_deref(), Some("cus"));
    assert_eq!(
        second.status,
        Observed::PastDue,
        "the older event only taught the ids"
    );
}
