//! The services the UI needs from the server, declared here and implemented by the `server`
//! crate, which hands them to Leptos as context.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{
    AuditPage, AuditQuery, Blueprint, Email, JobProgress, NewAuditEntry, Password, Plan, Role,
    TenantDetail, TenantPage, TenantQuery, TenantView, UserView,
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
