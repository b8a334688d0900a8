//! Lifecycle actions on a tenant, by an admin or by billing: suspend, resume, re-provision
//! and archive. Each checks the lifecycle, then moves the tenant and queues the job that does
//! the work in one transaction.

use app::domain::TenantState;
use app::error::AppError;

use super::service::internal;
use super::TenantService;
use crate::clock::now_ms;
use crate::db::outbox::Mail;
use crate::db::tenants::{self, TenantRecord};
use crate::jobs::JobKind;
use crate::mail::messages;

fn refused(tenant: &TenantRecord, action: &str) -> AppError {
    AppError::Conflict(format!(
        "The tenant is {} and cannot be {action} now.",
        tenant.state.as_str()
    ))
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict("The tenant changed meanwhile; try again.".to_owned())
}

impl TenantService {
    /// Moves a tenant to `to` and queues `job`, with `mail` written in the same transaction.
    async fn move_to(
        &self,
        tenant: &TenantRecord,
        to: TenantState,
        job: Option<JobKind>,
        action: &str,
        cause: &str,
        mail: &[Mail],
    ) -> Result<String, AppError> {
        if !tenant.state.can_become(to) {
            return Err(refused(tenant, action));
        }
        let job_id = tenants::transition_with_mail(
            self.pool(),
            &tenant.id,
            tenant.state,
            to,
            cause,
            job,
            mail,
            now_ms(),
        )
        .await
        .map_err(internal)?
        .ok_or_else(changed_meanwhile)?;
        tracing::info!(tenant = %tenant.subdomain, to = to.as_str(), cause, "tenant moved");
        Ok(job_id)
    }

    /// Stops a tenant's workloads and serves its maintenance page; data is kept.
    pub async fn suspend(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        let tenant = self.record(subdomain).await?;
        let mail = match self.owner_email(&tenant).await? {
            Some(owner) => vec![messages::suspended(
                &format!("suspended:{}:{}", tenant.id, now_ms()),
                &owner,
                &tenant.subdomain,
                "An administrator suspended it.",
            )],
            None => Vec::new(),
        };
        self.suspend_record(&tenant, cause, &mail).await
    }

    /// [`Self::suspend`] for a tenant already read, with mail to send with the change.
    pub async fn suspend_record(
        &self,
        tenant: &TenantRecord,
        cause: &str,
        mail: &[Mail],
    ) -> Result<String, AppError> {
        self.move_to(
            tenant,
            TenantState::Suspended,
            Some(JobKind::Suspend),
            "suspended",
            cause,
            mail,
        )
        .await
    }

    /// Brings a suspended tenant back; it is marked ready when it serves again.
    pub async fn resume(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        let tenant = self.record(subdomain).await?;
        self.resume_record(&tenant, cause).await
    }

    /// [`Self::resume`] for a tenant already read.
    pub async fn resume_record(
        &self,
        tenant: &TenantRecord,
        cause: &str,
    ) -> Result<String, AppError> {
        if tenant.state != TenantState::Suspended {
            return Err(refused(tenant, "resumed"));
        }
        let job_id = tenants::queue_job(
            self.pool(),
            &tenant.id,
            TenantState::Suspended,
            JobKind::Resume,
            now_ms(),
        )
        .await
        .map_err(internal)?
        .ok_or_else(changed_meanwhile)?;
        tracing::info!(tenant = %tenant.subdomain, cause, "tenant resuming");
        Ok(job_id)
    }

    /// Renders and applies everything again, and waits until the store serves.
    pub async fn reprovision(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        let tenant = self.record(subdomain).await?;
        self.move_to(
            &tenant,
            TenantState::Provisioning,
            Some(JobKind::Provision),
            "re-provisioned",
            cause,
            &[],
        )
        .await
    }

    /// Starts provisioning a tenant that was waiting for its first payment.
    pub async fn provision_paid(
        &self,
        tenant: &TenantRecord,
        cause: &str,
    ) -> Result<String, AppError> {
        self.move_to(
            tenant,
            TenantState::Provisioning,
            Some(JobKind::Provision),
            "provisioned",
            cause,
            &[],
        )
        .await
    }

    /// Removes a suspended tenant's workloads for good; its volumes are kept.
    pub async fn archive_record(
        &self,
        tenant: &TenantRecord,
        cause: &str,
        mail: &[Mail],
    ) -> Result<String, AppError> {
        self.move_to(
            tenant,
            TenantState::Archived,
            Some(JobKind::Archive),
            "archived",
            cause,
            mail,
        )
        .await
    }
}
