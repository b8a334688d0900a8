//! The services the UI needs from the server, one small trait per use case, declared here and
//! implemented by the `server` crate, which hands them to Leptos as context. Each audited
//! action takes its [`Actor`](crate::domain::Actor): the service that performs the action
//! records it, so the web UI, the command line and the workers are audited alike.

mod accounts;
mod admin;
mod backups;
mod fleet;
mod stores;

use std::sync::Arc;

pub use accounts::{Accounts, Catalog, JobProgressFeed};
pub use admin::{AuditLog, Overview, PoolAdmin, SystemHealth, TenantAdmin, TenantInspection};
pub use backups::Backups;
pub use fleet::Fleet;
pub use stores::{Applicant, Billing, SignupRefused, StoreCreated, StoreSignup, Stores};

/// Where a request came from, as the server's edge determined it (peer address, or the
/// forwarded address when a trusted proxy is configured). Inserted into request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

/// Everything the server provides to server functions, one context value.
#[derive(Clone)]
pub struct Services {
    /// Accounts: sign-up, log-in, roles.
    pub accounts: Arc<dyn Accounts>,
    /// The admin's tenant operations.
    pub tenants: Arc<dyn TenantAdmin>,
    /// Reading a tenant's objects from the cluster.
    pub inspection: Arc<dyn TenantInspection>,
    /// Owners' stores and their settings.
    pub stores: Arc<dyn Stores>,
    /// Signing up for a new store.
    pub signup: Arc<dyn StoreSignup>,
    /// Plans and blueprints.
    pub catalog: Arc<dyn Catalog>,
    /// Jobs' progress.
    pub jobs: Arc<dyn JobProgressFeed>,
    /// Billing, on or off.
    pub billing: Arc<dyn Billing>,
    /// The audit log.
    pub audit: Arc<dyn AuditLog>,
    /// Releases, tokens and rollouts.
    pub fleet: Arc<dyn Fleet>,
    /// Stores' backups and restores.
    pub backups: Arc<dyn Backups>,
    /// The fleet at a glance.
    pub overview: Arc<dyn Overview>,
    /// Pools of standby stores.
    pub pools: Arc<dyn PoolAdmin>,
    /// The control plane's own health: its settings and dependencies.
    pub system: Arc<dyn SystemHealth>,
    /// Whether the cluster is the simulated one, which the UI says plainly.
    pub simulated_cluster: bool,
}
