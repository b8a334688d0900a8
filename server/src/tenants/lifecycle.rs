//! Lifecycle actions on a tenant, by an admin or by billing: suspend, resume, re-provision
//! and archive. Each checks the lifecycle, then moves the tenant and queues the job that does
//! the work in one transaction.

use app::domain::TenantState;

use super::error::MoveError;
use super::TenantService;
use crate::clock::now_ms;
use crate::db::outbox::Mail;
use crate::db::tenants::{self, TenantRecord};
use crate::jobs::JobKind;

fn refused(tenant: &TenantRecord, action: &'static str) -> MoveError {
    MoveError::Refused {
        state: tenant.state.as_str(),
        action,
    }
}

impl TenantService {
    /// Moves a tenant to `to` and queues `job`, with `mail` written in the same transaction.
    async fn move_to(
        &self,
        tenant: &TenantRecord,
        to: TenantState,
        job: Option<JobKind>,
        action: &'static str,
        cause: &str,
        mail: &[Mail],
    ) -> Result<String, MoveError> {
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
        .await?
        .ok_or(MoveError::ChangedMeanwhile)?;
        tracing::info!(tenant = %tenant.subdomain, to = to.as_str(), cause, "tenant moved");
        Ok(job_id)
    }

    /// Stops a tenant's workloads and serves its maintenance page, data kept, with mail to
    /// send with the change.
    pub async fn suspend_record(
        &self,
        tenant: &TenantRecord,
        cause: &str,
        mail: &[Mail],
    ) -> Result<String, MoveError> {
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
    pub async fn resume_record(
        &self,
        tenant: &TenantRecord,
        cause: &str,
    ) -> Result<String, MoveError> {
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
        .await?
        .ok_or(MoveError::ChangedMeanwhile)?;
        tracing::info!(tenant = %tenant.subdomain, cause, "tenant resuming");
        Ok(job_id)
    }

    /// Renders and applies everything again, and waits until the store serves.
    pub async fn reprovision_record(
        &self,
        tenant: &TenantRecord,
        cause: &str,
    ) -> Result<String, MoveError> {
        self.move_to(
            tenant,
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
    ) -> Result<String, MoveError> {
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
    ) -> Result<String, MoveError> {
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
