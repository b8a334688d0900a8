//! What a job's steps tell the tenant: its state moves, with the owner's mail when it is
//! ready.

use super::{db_error, Engine};
use crate::clock::now_ms;
use crate::db::jobs::JobRecord;
use crate::db::tenants::{self, TenantRecord};
use crate::db::users;
use crate::jobs::worker::StepError;
use crate::jobs::StepOutcome;
use crate::mail::messages;
use app::domain::Mail;
use app::domain::TenantState;

impl Engine {
    /// The "your store is ready" mail for the tenant's owner, if it has one.
    pub(super) async fn ready_mail(
        &self,
        tenant: &TenantRecord,
        job: &JobRecord,
    ) -> Result<Vec<Mail>, StepError> {
        let Some(owner_id) = &tenant.owner_id else {
            return Ok(Vec::new());
        };
        let Some(owner) = users::by_id(&self.pool, owner_id).await.map_err(db_error)? else {
            return Ok(Vec::new());
        };
        let store_url = self.cluster.store_url(&tenant.subdomain);
        let owner_page = format!("{}/stores/{}", self.public_url, tenant.subdomain);
        Ok(vec![messages::store_ready(
            &format!("ready:{}", job.id),
            &owner.email,
            tenant.subdomain.as_str(),
            &store_url,
            &owner_page,
        )])
    }

    /// Moves the tenant from one of `from` to `to`, as a step of `job`.
    pub(super) async fn mark(
        &self,
        job: &JobRecord,
        tenant: &TenantRecord,
        from: &[TenantState],
        to: TenantState,
        cause: &str,
    ) -> Result<StepOutcome, StepError> {
        self.mark_with_mail(job, tenant, from, to, cause, &[]).await
    }

    /// [`Self::mark`], writing `mail` to the outbox with the change.
    /// Whether the tenant has never been ready: its first provisioning is under way.
    pub(super) async fn never_ready(&self, tenant: &TenantRecord) -> Result<bool, StepError> {
        let ever = tenants::ever_ready(&self.pool, &tenant.id)
            .await
            .map_err(db_error)?;
        Ok(!ever)
    }

    pub(super) async fn mark_with_mail(
        &self,
        job: &JobRecord,
        tenant: &TenantRecord,
        from: &[TenantState],
        to: TenantState,
        cause: &str,
        mail: &[Mail],
    ) -> Result<StepOutcome, StepError> {
        if tenant.state == to {
            return Ok(StepOutcome::Done);
        }
        if !from.contains(&tenant.state) {
            return Err(StepError::permanent(format!(
                "the tenant is {}, not {}",
                tenant.state.as_str(),
                from.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        // A job superseded while this step ran (a rollback's update ending this one) must not
        // move the tenant after the newer job did. Nothing moved is no failure of this job:
        // either it was ended (and records nothing more) or the tenant was changed by another
        // hand, as before.
        tenants::transition_by_job(
            &self.pool,
            &job.id,
            &tenant.id,
            tenant.state,
            to,
            cause,
            mail,
            now_ms(),
        )
        .await
        .map_err(db_error)?;
        Ok(StepOutcome::Done)
    }
}
