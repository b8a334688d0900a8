//! The admin's tenant operations, as the UI's and the command line's `TenantAdmin` port. Each
//! change is checked, written with its job in one transaction, then recorded in the audit log
//! with its actor.

use std::collections::BTreeMap;

use async_trait::async_trait;

use app::domain::audit::action;
use app::domain::paging::{clamp_page, offset, page_count, PAGE_SIZE};
use app::domain::{
    Actor, Email, JobId, Subdomain, TenantDetail, TenantPage, TenantQuery, TenantState, TenantView,
};
use app::error::AppError;
use app::ports::TenantAdmin;

use super::error::{answer, TenantError};
use super::lifecycle::Move;
use super::TenantService;
use crate::clock::now_ms;
use crate::db::jobs::{self, JobState};
use crate::db::tenants::{self, Created, TenantRecord};
use crate::db::{catalog, drift, tenant_search, users};
use crate::jobs::JobKind;
use crate::mail::messages;

impl TenantService {
    /// A new tenant of `plan` at `subdomain`, provisioning, owned by the account of
    /// `owner_email` if given; refused when either is not valid or not there. With the owner's
    /// email.
    pub(super) async fn new_tenant(
        &self,
        subdomain: &str,
        plan: &str,
        owner_email: Option<&str>,
    ) -> Result<(TenantRecord, Option<String>), TenantError> {
        let subdomain =
            Subdomain::parse(subdomain).map_err(|e| TenantError::Invalid(e.to_string()))?;
        catalog::plan(self.pool(), plan)
            .await?
            .ok_or_else(|| TenantError::Invalid(format!("There is no plan named \"{plan}\".")))?;
        let owner = match owner_email {
            Some(raw) => {
                let email = Email::parse(raw).map_err(|e| TenantError::Invalid(e.to_string()))?;
                let user = users::by_email(self.pool(), email.as_str())
                    .await?
                    .ok_or_else(|| {
                        TenantError::Invalid(format!("There is no account with the email {email}."))
                    })?;
                Some(user)
            }
            None => None,
        };
        let record = TenantRecord {
            id: uuid::Uuid::new_v4().to_string(),
            subdomain,
            key: crate::tenants::key::new_key(),
            standby: false,
            plan: plan.to_owned(),
            owner_id: owner.as_ref().map(|u| u.id.clone()),
            state: TenantState::Provisioning,
            settings: BTreeMap::new(),
            release: None,
            pinned: None,
            canary: false,
            created_at: now_ms(),
            drift: None,
            self_heal: true,
        };
        Ok((record, owner.map(|u| u.email)))
    }

    /// What became of writing a new tenant: its view and job once recorded in the audit log,
    /// or the conflict of a subdomain taken meanwhile.
    pub(super) async fn created(
        &self,
        actor: &Actor,
        record: &TenantRecord,
        owner_email: Option<String>,
        created: Created,
    ) -> Result<(TenantView, JobId), TenantError> {
        let job_id = match created {
            Created::Created { job_id } => job_id,
            Created::SubdomainTaken => {
                return Err(TenantError::Conflict(format!(
                    "The subdomain \"{}\" is already taken.",
                    record.subdomain
                )))
            }
        };
        tracing::info!(tenant = %record.subdomain, plan = %record.plan, job_id, "tenant created");
        let view = self.view(record, owner_email);
        let detail = format!(
            "plan={} owner={}",
            view.plan,
            view.owner_email.as_deref().unwrap_or("none")
        );
        self.audit()
            .record(actor, action::TENANT_CREATE, &view.subdomain, &detail)
            .await;
        Ok((view, JobId::new(job_id)))
    }

    /// Records that `actor` did `action` to the tenant, through the job `job_id`.
    async fn audit_job(&self, actor: &Actor, action: &str, tenant: &TenantRecord, job_id: &str) {
        let detail = format!("job={job_id}");
        self.audit()
            .record(actor, action, tenant.subdomain.as_str(), &detail)
            .await;
    }
}

#[async_trait]
impl TenantAdmin for TenantService {
    async fn search(&self, query: &TenantQuery) -> Result<TenantPage, AppError> {
        answer(async {
            // Both on one connection: one hand-out from the pool instead of two.
            let mut conn = self
                .pool()
                .acquire()
                .await
                .map_err(crate::db::DbError::from)?;
            let total = tenant_search::count(&mut conn, query).await?;
            let pages = page_count(total);
            let page = clamp_page(query.page, pages);
            let rows =
                tenant_search::page(&mut conn, query, u64::from(PAGE_SIZE), offset(page)).await?;
            Ok(TenantPage {
                rows: rows
                    .into_iter()
                    .map(|(tenant, owner)| self.view(&tenant, owner))
                    .collect(),
                total,
                page,
                pages,
            })
        })
        .await
    }

    async fn create(
        &self,
        actor: &Actor,
        subdomain: &str,
        plan: &str,
        owner_email: Option<&str>,
    ) -> Result<(TenantView, JobId), AppError> {
        answer(async {
            let (record, owner) = self.new_tenant(subdomain, plan, owner_email).await?;
            let cause = actor.cause();
            let created = tenants::create(
                self.pool(),
                &record,
                &cause,
                Some(JobKind::Provision),
                record.created_at,
            )
            .await?;
            self.created(actor, &record, owner, created).await
        })
        .await
    }

    async fn detail(&self, subdomain: &str) -> Result<TenantDetail, AppError> {
        answer(async { self.show(subdomain).await }).await
    }

    async fn delete(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError> {
        answer(async {
            let record = self.record(subdomain).await?;
            if !record.state.can_become(TenantState::Deleting) {
                return Err(TenantError::Conflict(format!(
                    "The tenant is {} and cannot be deleted now.",
                    record.state.as_str()
                )));
            }
            let job_id = tenants::transition(
                self.pool(),
                &record.id,
                record.state,
                TenantState::Deleting,
                &actor.cause(),
                Some(JobKind::Delete),
                &[],
                now_ms(),
            )
            .await?
            .ok_or_else(|| {
                TenantError::Conflict("The tenant changed meanwhile; try again.".to_owned())
            })?;
            self.audit_job(actor, action::TENANT_DELETE, &record, &job_id)
                .await;
            Ok(JobId::new(job_id))
        })
        .await
    }

    async fn retry(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError> {
        answer(async {
            let record = self.record(subdomain).await?;
            let latest = jobs::for_tenant(self.pool(), &record.id).await?;
            let job = latest
                .first()
                .filter(|job| job.state == JobState::Failed)
                .ok_or_else(|| {
                    TenantError::Conflict("The tenant's latest job has not failed.".to_owned())
                })?;
            let back_to = match job.kind {
                JobKind::Provision | JobKind::Claim => TenantState::Provisioning,
                JobKind::Delete => TenantState::Deleting,
                JobKind::Update | JobKind::Restore => TenantState::Updating,
                JobKind::Suspend | JobKind::Resume => TenantState::Suspended,
                JobKind::Archive => TenantState::Archived,
            };
            let cause = actor.cause();
            if !tenants::retry_job(self.pool(), &record, &job.id, back_to, &cause, now_ms()).await?
            {
                return Err(TenantError::Conflict(
                    "The job changed meanwhile; try again.".to_owned(),
                ));
            }
            tracing::info!(tenant = %record.subdomain, job_id = %job.id, cause, "job retried");
            self.audit_job(actor, action::TENANT_RETRY, &record, &job.id)
                .await;
            Ok(JobId::new(job.id.clone()))
        })
        .await
    }

    async fn suspend(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError> {
        answer(async {
            let tenant = self.record(subdomain).await?;
            let mail = match self.owner_email(&tenant).await? {
                Some(owner) => vec![messages::suspended(
                    &format!("suspended:{}:{}", tenant.id, now_ms()),
                    &owner,
                    tenant.subdomain.as_str(),
                    "An administrator suspended it.",
                )],
                None => Vec::new(),
            };
            let job_id = self
                .move_tenant(&tenant, Move::Suspend, &actor.cause(), &mail)
                .await?;
            self.audit_job(actor, action::TENANT_SUSPEND, &tenant, &job_id)
                .await;
            Ok(JobId::new(job_id))
        })
        .await
    }

    async fn resume(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError> {
        answer(async {
            let tenant = self.record(subdomain).await?;
            let job_id = self.resume_record(&tenant, &actor.cause()).await?;
            self.audit_job(actor, action::TENANT_RESUME, &tenant, &job_id)
                .await;
            Ok(JobId::new(job_id))
        })
        .await
    }

    async fn cancel(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError> {
        answer(async {
            let tenant = self.record(subdomain).await?;
            let job = jobs::for_tenant(self.pool(), &tenant.id)
                .await?
                .into_iter()
                .find(|job| matches!(job.state, JobState::Queued | JobState::Running))
                .ok_or_else(|| {
                    TenantError::Conflict("The tenant has no unfinished job to cancel.".to_owned())
                })?;
            let reason = format!("Cancelled by {}", actor.name);
            if !tenants::cancel_job(self.pool(), &tenant, &job, &reason, now_ms()).await? {
                return Err(TenantError::Conflict(
                    "The job finished meanwhile; nothing was cancelled.".to_owned(),
                ));
            }
            self.signals().changed(&job.id).await;
            tracing::info!(tenant = %tenant.subdomain, job_id = %job.id, "job cancelled");
            self.audit_job(actor, action::TENANT_CANCEL, &tenant, &job.id)
                .await;
            Ok(JobId::new(job.id))
        })
        .await
    }

    async fn set_self_heal(
        &self,
        actor: &Actor,
        subdomain: &str,
        on: bool,
    ) -> Result<(), AppError> {
        answer(async {
            let tenant = self.record(subdomain).await?;
            drift::set_self_heal(self.pool(), &tenant.id, on).await?;
            let detail = format!("self_heal={on}");
            self.audit()
                .record(
                    actor,
                    action::TENANT_SELF_HEAL,
                    tenant.subdomain.as_str(),
                    &detail,
                )
                .await;
            Ok(())
        })
        .await
    }

    async fn reprovision(&self, actor: &Actor, subdomain: &str) -> Result<JobId, AppError> {
        answer(async {
            let tenant = self.record(subdomain).await?;
            let job_id = self
                .move_tenant(&tenant, Move::Reprovision, &actor.cause(), &[])
                .await?;
            self.audit_job(actor, action::TENANT_REPROVISION, &tenant, &job_id)
                .await;
            Ok(JobId::new(job_id))
        })
        .await
    }
}
