//! Lifecycle actions on a tenant, by an admin or by billing: suspend, resume, re-provision
//! and archive. Each checks the lifecycle, then moves the tenant and queues the job that does
//! the work in one transaction.

use app::domain::TenantState;

use super::error::MoveError;
use super::TenantService;
use crate::clock::now_ms;
use crate::db::tenants::{self, TenantRecord};
use crate::jobs::JobKind;
use app::domain::Mail;

fn refused(tenant: &TenantRecord, action: &'static str) -> MoveError {
    MoveError::Refused {
        state: tenant.state.as_str(),
        action,
    }
}

/// A change of a tenant's lifecycle that queues the job doing the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Stops its workloads and serves its maintenance page, data kept.
    Suspend,
    /// Renders and applies everything again, and waits until the store serves.
    Reprovision,
    /// Starts provisioning a tenant that was waiting for its first payment.
    FirstPayment,
    /// Removes a suspended tenant's workloads for good; its volumes are kept.
    Archive,
}

impl Move {
    /// The state it moves to, the job that does the work, and what was asked (as the past
    /// participle a refusal names).
    fn plan(self) -> (TenantState, JobKind, &'static str) {
        match self {
            Move::Suspend => (TenantState::Suspended, JobKind::Suspend, "suspended"),
            Move::Reprovision => (
                TenantState::Provisioning,
                JobKind::Provision,
                "re-provisioned",
            ),
            Move::FirstPayment => (TenantState::Provisioning, JobKind::Provision, "provisioned"),
            Move::Archive => (TenantState::Archived, JobKind::Archive, "archived"),
        }
    }
}

impl TenantService {
    /// Moves a tenant and queues the move's job, with `mail` written in the same transaction.
    /// Returns the job's id.
    pub async fn move_tenant(
        &self,
        tenant: &TenantRecord,
        change: Move,
        cause: &str,
        mail: &[Mail],
    ) -> Result<String, MoveError> {
        let (to, job, action) = change.plan();
        let allowed = match change {
            Move::Reprovision => tenant.state.can_reprovision(),
            _ => tenant.state.can_become(to),
        };
        if !allowed {
            return Err(refused(tenant, action));
        }
        let job_id = tenants::transition(
            self.pool(),
            &tenant.id,
            tenant.state,
            to,
            cause,
            Some(job),
            mail,
            now_ms(),
        )
        .await?
        .ok_or(MoveError::ChangedMeanwhile)?;
        tracing::info!(tenant = %tenant.subdomain, to = to.as_str(), cause, "tenant moved");
        Ok(job_id)
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
}
