//! What admins do to the fleet, and the audit log they read.

use async_trait::async_trait;

use crate::domain::{
    Actor, AuditPage, AuditQuery, ClusterObjectView, JobId, TenantDetail, TenantHealth, TenantPage,
    TenantQuery, TenantView,
};
use crate::error::AppError;

/// The admin's tenant operations. Each change returns the id of the job doing the work.
#[async_trait]
pub trait TenantAdmin: Send + Sync {
    /// One page of the tenants matching a search, in its order. A page beyond the end is
    /// the last page.
    async fn search(&self, query: &TenantQuery) -> Result<TenantPage, AppError>;

    /// Creates a tenant and queues its provisioning; returns it with the job's id.
    async fn create(
        &self,
        actor: &Actor,
        subdomain: &str,
        plan: &str,
        owner_email: Option<&str>,
    ) -> Result<(TenantView, JobId), AppError>;

    /// One tenant with its jobs.
    async fn detail(&self, subdomain: &str) -> Result<TenantDetail, AppError>;

    /// Starts removing a tenant.
    async fn delete(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError>;

    /// Retries the tenant's latest job, which failed.
    async fn retry(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError>;

    /// Suspends the tenant.
    async fn suspend(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError>;

    /// Resumes a suspended tenant.
    async fn resume(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError>;

    /// Cancels the tenant's unfinished job: it stops at its next step boundary, and a tenant
    /// that was being built or updated becomes failed, ready to retry or re-provision.
    async fn cancel(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError>;

    /// Turns self-heal on (drift found by the reconciler is put back) or off (only reported).
    async fn set_self_heal(&self, actor: &Actor, subdomain: &str, on: bool)
        -> Result<(), AppError>;

    /// Renders and applies everything again, in any state but deleted; an unfinished job is
    /// superseded.
    async fn reprovision(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError>;
}

/// The fleet at a glance, for the admin's first page.
#[async_trait]
pub trait Overview: Send + Sync {
    /// Stores by state and plan, what needs attention, and the last 30 days as charts.
    async fn overview(&self) -> Result<crate::domain::overview::FleetOverview, AppError>;
}

/// Pools of standby stores, per plan.
#[async_trait]
pub trait PoolAdmin: Send + Sync {
    /// Every plan's pool (plans without one show a size of 0) and the recent ready times.
    async fn pools(&self) -> Result<crate::domain::pool::Pools, AppError>;

    /// Sets how many ready standby stores `plan` keeps; the refill worker makes or removes
    /// standbys to match.
    async fn set_size(
        &self,
        actor: &Actor,
        plan: &str,
        size: u32,
    ) -> Result<crate::domain::pool::PoolView, AppError>;
}

/// The control plane's own health, for the admin's system page.
#[async_trait]
pub trait SystemHealth: Send + Sync {
    /// The configuration and every dependency, checked now (as `storefleet doctor` does).
    async fn checks(&self) -> Result<Vec<crate::domain::system::SystemCheck>, AppError>;
}

/// What the cluster holds for a tenant, and what storefleet renders for it.
#[async_trait]
pub trait TenantInspection: Send + Sync {
    /// The health of the tenant's workloads, read from the cluster.
    async fn health(&self, subdomain: &str) -> Result<TenantHealth, AppError>;

    /// The tenant's objects on the cluster with their status.
    async fn cluster_objects(&self, subdomain: &str) -> Result<Vec<ClusterObjectView>, AppError>;

    /// The tenant's rendered objects as YAML, secrets redacted.
    async fn manifests(&self, subdomain: &str) -> Result<String, AppError>;
}

/// Reading the audit log. Entries are written by the services that act, never from here.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// One page of the entries matching a search, newest first.
    async fn search(&self, query: &AuditQuery) -> Result<AuditPage, AppError>;
}
