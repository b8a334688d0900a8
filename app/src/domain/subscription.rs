//! A subscription as billing remembers it: what Stripe last said about it, and since when.
//! Pure data, stored by the database layer and judged by billing's lifecycle.

/// What a subscription's state became, as far as billing is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Observed {
    /// Paid up (`active`, `trialing`, a paid invoice).
    Active,
    /// A payment failed (`past_due`, `unpaid`, a failed invoice).
    PastDue,
    /// Ended for good (`canceled`, `incomplete_expired`).
    Canceled,
    /// Not paid yet (`incomplete`, `paused`, anything else).
    Pending,
}

impl Observed {
    /// Reads a Stripe subscription status.
    pub fn from_status(status: &str) -> Self {
        match status {
            "active" | "trialing" => Observed::Active,
            "past_due" | "unpaid" => Observed::PastDue,
            "canceled" | "incomplete_expired" => Observed::Canceled,
            _ => Observed::Pending,
        }
    }

    /// The name stored in the subscriptions table.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A subscription as billing remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The tenant it pays for, once an event named it.
    pub tenant_id: Option<String>,
    /// Its Stripe customer, once an event named it.
    pub customer_id: Option<String>,
    /// Its state, from the newest event that reported one.
    pub status: Observed,
    /// Stripe's creation time (ms) of that newest event; 0 before any.
    pub status_at: i64,
    /// When the current run of failed payments began: the grace period's start.
    pub past_due_since: Option<i64>,
    /// When it was canceled: the retention period's start.
    pub canceled_at: Option<i64>,
}

impl Subscription {
    /// A subscription no event has reported on yet.
    pub fn unknown() -> Self {
        Self {
            tenant_id: None,
            customer_id: None,
            status: Observed::Pending,
            status_at: 0,
            past_due_since: None,
            canceled_at: None,
        }
    }
}

/// The cause recorded with billing's suspensions, by which a suspension is known to be
/// billing's.
pub const SUSPEND_CAUSE_PREFIX: &str = "billing:";
