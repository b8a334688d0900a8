//! Tenants: one customer's store, and the rules of its lifecycle.

use serde::{Deserialize, Serialize};

use super::ids::TenantId;

/// Where a tenant is in its life.
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
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TenantState {
    /// Signed up, waiting for the first payment.
    PendingPayment,
    /// Its objects are being created.
    Provisioning,
    /// Serving.
    Ready,
    /// Serving while a change (settings, release) rolls out.
    Updating,
    /// Workloads stopped (payment failed, or an admin); data kept.
    Suspended,
    /// Final backup taken, workloads removed, data kept.
    Archived,
    /// Being removed from the cluster.
    Deleting,
    /// Removed from the cluster; the record stays.
    Deleted,
    /// A job gave up; an admin can retry it.
    Failed,
}

/// Every state, in lifecycle order.
pub const ALL_STATES: [TenantState; 9] = [
    TenantState::PendingPayment,
    TenantState::Provisioning,
    TenantState::Ready,
    TenantState::Updating,
    TenantState::Suspended,
    TenantState::Archived,
    TenantState::Deleting,
    TenantState::Deleted,
    TenantState::Failed,
];

impl TenantState {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether an admin may re-provision a tenant in this state: always, unless it is gone.
    /// Whatever happened, rendering and applying everything again is the way out.
    pub fn can_reprovision(self) -> bool {
        self != TenantState::Deleted
    }

    /// Whether the lifecycle allows going from this state to `to`.
    pub fn can_become(self, to: TenantState) -> bool {
        use TenantState::*;
        matches!(
            (self, to),
            (PendingPayment, Provisioning)
                | (Provisioning, Ready)
                | (Provisioning, Failed)
                | (Ready | Failed, Provisioning)
                | (Failed, Updating)
                | (Ready, Updating)
                | (Updating, Ready)
                | (Updating, Failed)
                | (Ready | Updating | Failed, Suspended)
                | (Suspended, Ready)
                | (Suspended, Archived)
                | (
                    PendingPayment
                        | Provisioning
                        | Ready
                        | Updating
                        | Suspended
                        | Archived
                        | Failed,
                    Deleting
                )
                | (Deleting, Deleted)
        )
    }
}

/// A tenant as pages and the command line show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantView {
    /// The tenant's id.
    pub id: TenantId,
    /// Its subdomain.
    pub subdomain: String,
    /// Its plan's name.
    pub plan: String,
    /// Where it is in its life.
    pub state: TenantState,
    /// The owner's email, if it has an owner.
    pub owner_email: Option<String>,
    /// Its namespace on the cluster.
    pub namespace: String,
    /// Its public address.
    pub url: String,
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// What differs from its configuration on the cluster and was left so (self-heal off),
    /// as the last look saw it.
    pub drift: Option<String>,
    /// Whether drift is put back, or only reported.
    pub self_heal: bool,
    /// The release it runs, or is being updated to; `None`: its blueprint's own images.
    #[serde(default)]
    pub release: Option<String>,
    /// Why an admin pinned it to its release; rollouts leave it out.
    #[serde(default)]
    pub pinned: Option<String>,
    /// Updated first, in the canary cohort of every rollout.
    #[serde(default)]
    pub canary: bool,
}

/// A tenant with its jobs, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantDetail {
    /// The tenant.
    pub tenant: TenantView,
    /// Its jobs, newest first.
    pub jobs: Vec<super::JobView>,
    /// The reconciler's latest findings, newest first, e.g.
    /// "12:03 UTC · Deployment web missing · repaired".
    pub drift_history: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::TenantState::*;
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in ALL_STATES {
            assert_eq!(state.as_str().parse::<TenantState>().ok(), Some(state));
        }
    }

    #[test]
    fn the_lifecycle_of_the_design() {
        for (from, to) in [
            (PendingPayment, Provisioning),
            (Provisioning, Ready),
            (Ready, Updating),
            (Updating, Ready),
            (Ready, Suspended),
            (Suspended, Ready),
            (Suspended, Archived),
            (Archived, Deleting),
            (Deleting, Deleted),
            (Provisioning, Failed),
            (Failed, Provisioning),
            (Ready, Provisioning),
            (Failed, Updating),
        ] {
            assert!(from.can_become(to), "{from:?} → {to:?}");
        }
    }

    #[test]
    fn no_shortcuts_and_no_way_back_from_deleted() {
        for (from, to) in [
            (PendingPayment, Ready),
            (Archived, Ready),
            (Deleted, Provisioning),
            (Deleted, Ready),
            (Ready, Archived),
            (Ready, Ready),
        ] {
            assert!(!from.can_become(to), "{from:?} → {to:?}");
        }
    }
}
