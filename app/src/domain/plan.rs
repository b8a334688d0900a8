//! Plans: what a customer buys.

use serde::{Deserialize, Serialize};

use super::retention::Retention;

/// A plan: a blueprint, a price, quotas, a backup schedule and how long backups are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Unique name, e.g. `starter`, also a label on the tenant's namespace.
    pub name: String,
    /// Name shown to customers, e.g. `Starter`.
    pub display_name: String,
    /// The blueprint every tenant of this plan runs.
    pub blueprint: String,
    /// The Stripe price id, when billing is on.
    pub price_id: Option<String>,
    /// Monthly price in cents, for display.
    pub monthly_price_cents: i64,
    /// Resource quotas of the tenant's namespace.
    pub quota: Quota,
    /// Backup schedule, in cron notation.
    pub backup_schedule: String,
    /// Which backups are kept; plans stored before retention existed read the default.
    #[serde(default)]
    pub retention: Retention,
}

/// Limits on everything a tenant's namespace may use, in Kubernetes quantity notation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// Sum of CPU requests.
    pub cpu: String,
    /// Sum of memory requests (and limits).
    pub memory: String,
    /// Sum of storage requested by volumes.
    pub storage: String,
    /// Pods at once.
    pub pods: u32,
}
