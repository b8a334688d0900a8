//! The services the UI needs from the server, declared here and implemented by the `server`
//! crate, which hands them to Leptos as context.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{
    AuditPage, AuditQuery, Availability, Blueprint, ClusterObjectView, Email, JobProgress,
    NewAuditEntry, NewStore, Password, Plan, Role, SettingsForm, TenantDetail, TenantHealth,
    TenantPage, TenantQuery, TenantView, UserView,
};
use crate::error::AppError;

/// Where a request came from, as the server's edge determined it (peer address, or the
/// forwarded address when a trusted proxy is configured). Inserted into request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

/// Accounts: sign-up, log-in and look-ups.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates a customer account. Refuses an email that already has one.
    async fn sign_up(&self, email: Email, password: Password) -> Result<UserView, AppError>;

    /// Checks a log-in attempt, counting it against the account's and the client's limits.
    /// Never says whether the account exists.
    async fn log_in(
        &self,
        email: &str,
        password: String,
        client: &ClientAddr,
    ) -> Result<UserView, AppError>;

    /// The account with this id, if it still exists.
    async fn user(&self, id: &str) -> Result<Option<UserView>, AppError>;

    /// Every account, oldest first.
    async fn list_users(&self) -> Result<Vec<UserView>, AppError>;

    /// Gives an account another role. Refuses to demote the last admin.
    async fn set_role(&self, user_id: &str, role: Role) -> Result<UserView, AppError>;
}

/// Tenants, the catalogue and job progress.
#[async_trait]
pub trait Tenants: Send + Sync {
    /// One page of the tenants matching a search, in its order. A page beyond the end is
    /// the last page.
    async fn search(&self, query: &TenantQuery) -> Result<TenantPage, AppError>;

    /// Creates a tenant and queues its provisioning; returns it with the job's id.
    async fn create(
        &self,
        subdomain: &str,
        plan: &str,
        owner_email: Option<&str>,
        cause: &str,
    ) -> Result<(TenantView, String), AppError>;

    /// One tenant with its jobs.
    async fn detail(&self, subdomain: &str) -> Result<TenantDetail, AppError>;

    /// Starts removing a tenant; returns the job's id.
    async fn delete(&self, subdomain: &str, cause: &str) -> Result<String, AppError>;

    /// Retries the tenant's latest job, which failed; returns its id.
    async fn retry(&self, subdomain: &str, cause: &str) -> Result<String, AppError>;

    /// A job, its events after `after`, and the time left.
    async fn progress(&self, job_id: &str, after: i64) -> Result<JobProgress, AppError>;

    /// The id of the account owning the tenant a job works on.
    async fn job_owner(&self, job_id: &str) -> Result<Option<String>, AppError>;

    /// The plans, in display order.
    async fn plans(&self) -> Result<Vec<Plan>, AppError>;

    /// The blueprints.
    async fn blueprints(&self) -> Result<Vec<Blueprint>, AppError>;

    /// The tenants an account owns, newest first.
    async fn owned(&self, owner_id: &str) -> Result<Vec<TenantView>, AppError>;

    /// The id of the account owning the tenant, if any; `NotFound` when there is no tenant.
    async fn owner_id(&self, subdomain: &str) -> Result<Option<String>, AppError>;

    /// The settings form of a tenant: current values (never a secret's) and the history.
    async fn settings_form(&self, subdomain: &str) -> Result<SettingsForm, AppError>;

    /// Saves a change of settings and starts the update job; returns the job's id.
    async fn update_settings(
        &self,
        subdomain: &str,
        actor_email: &str,
        submitted: &BTreeMap<String, String>,
    ) -> Result<String, AppError>;

    /// The health of the tenant's workloads, read from the cluster.
    async fn health(&self, subdomain: &str) -> Result<TenantHealth, AppError>;

    /// The tenant's objects on the cluster with their status.
    async fn cluster_objects(&self, subdomain: &str) -> Result<Vec<ClusterObjectView>, AppError>;

    /// The tenant's rendered objects as YAML, secrets redacted.
    async fn manifests(&self, subdomain: &str) -> Result<String, AppError>;

    /// Suspends the tenant; returns the job's id.
    async fn suspend(&self, subdomain: &str, cause: &str) -> Result<String, AppError>;

    /// Resumes a suspended tenant; returns the job's id.
    async fn resume(&self, subdomain: &str, cause: &str) -> Result<String, AppError>;

    /// Renders and applies everything again; returns the job's id.
    async fn reprovision(&self, subdomain: &str, cause: &str) -> Result<String, AppError>;

    // --- A customer's own store: sign-up and watching it being built. ---

    /// The domain stores live under: a store is reached at `<subdomain>.<base domain>`.
    fn base_domain(&self) -> String;

    /// Whether a subdomain, as typed, can be chosen for a new store.
    async fn subdomain_available(&self, subdomain: &str) -> Result<Availability, AppError>;

    /// Checks a new store against the catalogue and the subdomains taken; creates nothing.
    async fn check_new_store(&self, store: &NewStore) -> Result<(), AppError>;

    /// Creates a customer's store, owned by `owner_id`, its name saved as its `store_name`
    /// setting. With `pay_first` it waits for its first payment (no job yet); otherwise it
    /// is provisioned at once. Returns it with its job's id, if one was queued. A subdomain
    /// taken meanwhile is a conflict and creates nothing.
    async fn sign_up_store(
        &self,
        owner_id: &str,
        store: &NewStore,
        pay_first: bool,
        cause: &str,
    ) -> Result<(TenantView, Option<String>), AppError>;

    /// A store with its jobs, newest first, for its owner only: anyone else is told it does
    /// not exist.
    async fn owned_store(&self, subdomain: &str, owner_id: &str) -> Result<TenantDetail, AppError>;
}

/// Billing: Stripe Checkout for a tenant's first payment and the billing portal for its owner.
#[async_trait]
pub trait Billing: Send + Sync {
    /// Whether customers pay. Off when no Stripe keys are configured: plans are then free and
    /// a new store is provisioned at once.
    fn enabled(&self) -> bool;

    /// The Stripe Checkout page where the customer pays for a tenant waiting for its first
    /// payment.
    async fn checkout(&self, tenant_id: &str) -> Result<String, AppError>;

    /// The Stripe billing portal of the tenant's subscription, for its owner.
    async fn portal(&self, tenant_id: &str) -> Result<String, AppError>;
}

/// The audit log of admin and owner actions.
#[async_trait]
pub trait Audit: Send + Sync {
    /// Records an action that succeeded, stamped with the current time.
    async fn record(&self, entry: NewAuditEntry) -> Result<(), AppError>;

    /// One page of the entries matching a search, newest first.
    async fn search(&self, query: &AuditQuery) -> Result<AuditPage, AppError>;
}

/// Everything the server provides to server functions, one context value.
#[derive(Clone)]
pub struct Services {
    /// Account service.
    pub accounts: Arc<dyn Accounts>,
    /// Tenant service.
    pub tenants: Arc<dyn Tenants>,
    /// Billing, on or off.
    pub billing: Arc<dyn Billing>,
    /// The audit log.
    pub audit: Arc<dyn Audit>,
    /// Whether the cluster is the simulated one, which the UI says plainly.
    pub simulated_cluster: bool,
}
