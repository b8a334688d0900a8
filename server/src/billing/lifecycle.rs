//! What billing does to a tenant: pure decisions over a subscription's state, the tenant's
//! state and the time. The webhook and the periodic sweep both ask [`decide`]; events are
//! folded into the subscription with [`apply`], which never lets an older event overwrite a
//! newer one.

use app::domain::TenantState;

pub use app::domain::subscription::{Observed, Subscription, SUSPEND_CAUSE_PREFIX};

use super::events::Change;

/// Folds one event (created at `at`, in ms) into the subscription. Returns the new state and
/// whether this event started a grace period (the owner is then told to pay).
pub fn apply(current: &Subscription, change: &Change, at: i64) -> (Subscription, bool) {
    let mut next = current.clone();
    if next.tenant_id.is_none() {
        next.tenant_id = change.tenant_id.clone();
    }
    if next.customer_id.is_none() {
        next.customer_id = change.customer_id.clone();
    }
    let Some(observed) = change.observed else {
        return (next, false);
    };
    // Canceled is final at Stripe; an older event never overwrites a newer one.
    if current.status == Observed::Canceled || at < current.status_at {
        return (next, false);
    }
    next.status = observed;
    next.status_at = at;
    let mut grace_started = false;
    match observed {
        Observed::Active => next.past_due_since = None,
        Observed::PastDue => {
            grace_started = current.past_due_since.is_none();
            next.past_due_since = current.past_due_since.or(Some(at));
        }
        Observed::Canceled => next.canceled_at = Some(at),
        Observed::Pending => {}
    }
    (next, grace_started)
}

/// How long things last, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    /// From the first failed payment to the suspension.
    pub grace_ms: i64,
    /// From the cancellation to the archive.
    pub retention_ms: i64,
}

/// What billing knows of the tenant a subscription pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantFacts {
    /// Its state.
    pub state: TenantState,
    /// Whether its latest suspension was billing's (not an admin's).
    pub suspended_by_billing: bool,
    /// Whether its latest job is a resumption (queued, running or done): nothing to queue.
    pub resuming: bool,
}

/// Why billing suspends a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspendReason {
    /// The grace period after a failed payment is over.
    GraceOver,
    /// The subscription was canceled.
    Canceled,
}

/// What to do to the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing (paid up, grace running, or nothing billing may change).
    Keep,
    /// First payment received: build the store.
    Provision,
    /// Paid again after billing suspended it: bring it back.
    Resume,
    /// Stop the store, keeping its data.
    Suspend(SuspendReason),
    /// The retention after cancellation is over: remove the workloads for good.
    Archive,
}

/// Decides what billing does to a tenant, now.
pub fn decide(
    subscription: &Subscription,
    tenant: TenantFacts,
    now: i64,
    periods: Periods,
) -> Action {
    use TenantState::*;
    let serving = matches!(tenant.state, Ready | Updating | Failed);
    match subscription.status {
        Observed::Active => match tenant.state {
            PendingPayment => Action::Provision,
            Suspended if tenant.suspended_by_billing && !tenant.resuming => Action::Resume,
            _ => Action::Keep,
        },
        Observed::PastDue => {
            let since = subscription
                .past_due_since
                .unwrap_or(subscription.status_at);
            if serving && now >= since.saturating_add(periods.grace_ms) {
                Action::Suspend(SuspendReason::GraceOver)
            } else {
                Action::Keep
            }
        }
        Observed::Canceled => {
            let at = subscription.canceled_at.unwrap_or(subscription.status_at);
            if serving {
                Action::Suspend(SuspendReason::Canceled)
            } else if tenant.state == Suspended && now >= at.saturating_add(periods.retention_ms) {
                Action::Archive
            } else {
                Action::Keep
            }
        }
        Observed::Pending => Action::Keep,
    }
}

#[cfg(test)]
mod tests;
