//! The tenant service: validates requests, records them with their job in one transaction,
//! and shows tenants with their jobs and events.

use std::collections::BTreeMap;
use std::sync::Arc;

use sqlx::AnyPool;

use app::domain::job::estimate_remaining_ms;
use app::domain::{
    Email, JobEventView, JobProgress, JobView, Subdomain, TenantDetail, TenantState, TenantView,
};
use app::error::AppError;

use crate::clock::{now_ms, rfc3339};
use crate::db::jobs::{self, EventRecord, JobRecord, JobState};
use crate::db::tenants::{self, Created, TenantRecord};
use crate::db::{catalog, users, DbError};
use crate::jobs::JobKind;
use crate::provision::manifests::ClusterSettings;
use crate::secrets::Keyring;

/// Tenants over the database.
#[derive(Clone)]
pub struct TenantService {
    pool: AnyPool,
    cluster: ClusterSettings,
    client: Option<kube::Client>,
    keyring: Option<Arc<Keyring>>,
}

pub(super) fn internal(error: DbError) -> AppError {
    tracing::error!(error = %error, "tenant service failed");
    AppError::Internal
}

/// The view of a job.
pub fn job_view(job: &JobRecord) -> JobView {
    let steps = job.kind.steps();
    JobView {
        id: job.id.clone(),
        kind: job.kind.as_str().to_owned(),
        state: job.state.as_str().to_owned(),
        steps_done: job.step.min(steps.len()),
        steps_total: steps.len(),
        step_titles: steps.iter().map(|s| s.title.to_owned()).collect(),
        last_error: job.last_error.clone(),
        created_at: job.created_at,
        finished_at: job.finished_at,
    }
}

/// The view of an event.
pub fn event_view(event: &EventRecord) -> JobEventView {
    JobEventView {
        seq: event.seq,
        at: event.at,
        step: event.step,
        step_name: event.step_name.clone(),
        kind: event.kind.clone(),
        message: event.message.clone(),
    }
}

impl TenantService {
    /// A service over this database, laying tenants out on the cluster as configured.
    pub fn new(pool: AnyPool, cluster: ClusterSettings) -> Self {
        Self {
            pool,
            cluster,
            client: None,
            keyring: None,
        }
    }

    /// The same service, sealing owners' secret settings with this keyring (without one, a
    /// secret setting cannot be saved).
    pub fn with_keyring(mut self, keyring: Option<Arc<Keyring>>) -> Self {
        self.keyring = keyring;
        self
    }

    /// The keyring sealing secret settings, when one is configured.
    pub(super) fn keyring(&self) -> Option<&Keyring> {
        self.keyring.as_deref()
    }

    /// The same service, also reading tenants' objects from this cluster.
    pub fn with_client(mut self, client: kube::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The cluster client, when the service has one.
    pub(super) fn client(&self) -> Result<&kube::Client, AppError> {
        self.client.as_ref().ok_or_else(|| {
            tracing::error!("the tenant service has no cluster client");
            AppError::Internal
        })
    }

    /// How tenants are laid out on the cluster.
    pub(super) fn cluster(&self) -> &ClusterSettings {
        &self.cluster
    }

    /// The database pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The domain stores live under.
    pub fn base_domain(&self) -> &str {
        &self.cluster.base_domain
    }

    pub(super) fn view(&self, tenant: &TenantRecord, owner_email: Option<String>) -> TenantView {
        TenantView {
            id: tenant.id.clone(),
            subdomain: tenant.subdomain.clone(),
            plan: tenant.plan.clone(),
            state: tenant.state,
            owner_email,
            namespace: self.cluster.namespace(&tenant.subdomain),
            url: self.cluster.store_url(&tenant.subdomain),
            created_at: rfc3339(tenant.created_at),
        }
    }

    pub(super) async fn owner_email(
        &self,
        tenant: &TenantRecord,
    ) -> Result<Option<String>, AppError> {
        match &tenant.owner_id {
            Some(id) => Ok(users::by_id(&self.pool, id)
                .await
                .map_err(internal)?
                .map(|u| u.email)),
            None => Ok(None),
        }
    }

    /// Creates a tenant and queues its provisioning. Bad input changes nothing.
    pub async fn create(
        &self,
        subdomain: &str,
        plan: &str,
        owner_email: Option<&str>,
        cause: &str,
    ) -> Result<(TenantView, String), AppError> {
        let subdomain =
            Subdomain::parse(subdomain).map_err(|e| AppError::Invalid(e.to_string()))?;
        catalog::plan(&self.pool, plan)
            .await
            .map_err(internal)?
            .ok_or_else(|| AppError::Invalid(format!("There is no plan named \"{plan}\".")))?;
        let owner = match owner_email {
            Some(raw) => {
                let email = Email::parse(raw).map_err(|e| AppError::Invalid(e.to_string()))?;
                let user = users::by_email(&self.pool, email.as_str())
                    .await
                    .map_err(internal)?
                    .ok_or_else(|| {
                        AppError::Invalid(format!("There is no account with the email {email}."))
                    })?;
                Some(user)
            }
            None => None,
        };
        let now = now_ms();
        let record = TenantRecord {
            id: uuid::Uuid::new_v4().to_string(),
            subdomain: subdomain.as_str().to_owned(),
            plan: plan.to_owned(),
            owner_id: owner.as_ref().map(|u| u.id.clone()),
            state: TenantState::Provisioning,
            settings: BTreeMap::new(),
            release: BTreeMap::new(),
            created_at: now,
        };
        match tenants::create(&self.pool, &record, cause, Some(JobKind::Provision), now)
            .await
            .map_err(internal)?
        {
            Created::Created { job_id } => {
                tracing::info!(tenant = %record.subdomain, plan, job_id, "tenant created");
                Ok((self.view(&record, owner.map(|u| u.email)), job_id))
            }
            Created::SubdomainTaken => Err(AppError::Conflict(format!(
                "The subdomain \"{subdomain}\" is already taken."
            ))),
        }
    }

    /// Every tenant, newest first.
    pub async fn list(&self) -> Result<Vec<TenantView>, AppError> {
        let owners: BTreeMap<String, String> = users::list(&self.pool)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect();
        let tenants = tenants::list(&self.pool).await.map_err(internal)?;
        Ok(tenants
            .iter()
            .map(|t| {
                self.view(
                    t,
                    t.owner_id.as_ref().and_then(|id| owners.get(id).cloned()),
                )
            })
            .collect())
    }

    pub(super) async fn record(&self, subdomain: &str) -> Result<TenantRecord, AppError> {
        tenants::by_subdomain(&self.pool, &subdomain.trim().to_ascii_lowercase())
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)
    }

    /// One tenant with its jobs.
    pub async fn show(&self, subdomain: &str) -> Result<TenantDetail, AppError> {
        let record = self.record(subdomain).await?;
        let jobs = jobs::for_tenant(&self.pool, &record.id)
            .await
            .map_err(internal)?;
        Ok(TenantDetail {
            tenant: self.view(&record, self.owner_email(&record).await?),
            jobs: jobs.iter().map(job_view).collect(),
        })
    }

    /// Starts removing a tenant from the cluster; its record stays, as deleted.
    pub async fn delete(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        let record = self.record(subdomain).await?;
        if !record.state.can_become(TenantState::Deleting) {
            return Err(AppError::Conflict(format!(
                "The tenant is {} and cannot be deleted now.",
                record.state.as_str()
            )));
        }
        tenants::transition(
            &self.pool,
            &record.id,
            record.state,
            TenantState::Deleting,
            cause,
            Some(JobKind::Delete),
            now_ms(),
        )
        .await
        .map_err(internal)?
        .ok_or_else(|| AppError::Conflict("The tenant changed meanwhile; try again.".to_owned()))
    }

    /// Retries the tenant's latest job if it failed.
    pub async fn retry(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        let record = self.record(subdomain).await?;
        let latest = jobs::for_tenant(&self.pool, &record.id)
            .await
            .map_err(internal)?;
        let job = latest
            .first()
            .filter(|job| job.state == JobState::Failed)
            .ok_or_else(|| {
                AppError::Conflict("The tenant's latest job has not failed.".to_owned())
            })?;
        let back_to = match job.kind {
            JobKind::Provision => TenantState::Provisioning,
            JobKind::Delete => TenantState::Deleting,
            JobKind::Update => TenantState::Updating,
            JobKind::Suspend | JobKind::Resume => TenantState::Suspended,
            JobKind::Archive => TenantState::Archived,
        };
        if !tenants::retry_job(&self.pool, &record, &job.id, back_to, cause, now_ms())
            .await
            .map_err(internal)?
        {
            return Err(AppError::Conflict(
                "The job changed meanwhile; try again.".to_owned(),
            ));
        }
        tracing::info!(tenant = %record.subdomain, job_id = %job.id, cause, "job retried");
        Ok(job.id.clone())
    }

    /// A job by id.
    pub async fn job(&self, job_id: &str) -> Result<JobView, AppError> {
        let job = jobs::get(&self.pool, job_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        Ok(job_view(&job))
    }

    /// A job, its events after `after` (a `seq`), and an estimate of the time left.
    pub async fn progress(&self, job_id: &str, after: i64) -> Result<JobProgress, AppError> {
        let record = jobs::get(&self.pool, job_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let events = self.events(job_id, after).await?;
        let estimate_ms = if record.finished_at.is_some() {
            Some(0)
        } else {
            let history = jobs::recent_step_durations(&self.pool, record.kind, 20)
                .await
                .map_err(internal)?;
            let elapsed = record
                .step_started_at
                .map_or(0, |at| (now_ms() - at).max(0));
            estimate_remaining_ms(&history, record.step, elapsed)
        };
        Ok(JobProgress {
            job: job_view(&record),
            events,
            estimate_ms,
        })
    }

    /// The owner of the tenant a job works on, if any: who besides admins may watch it.
    pub async fn job_owner(&self, job_id: &str) -> Result<Option<String>, AppError> {
        let job = jobs::get(&self.pool, job_id)
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let Some(tenant_id) = job.tenant_id else {
            return Ok(None);
        };
        Ok(tenants::by_id(&self.pool, &tenant_id)
            .await
            .map_err(internal)?
            .and_then(|t| t.owner_id))
    }

    /// A job's events after `after` (a `seq`).
    pub async fn events(&self, job_id: &str, after: i64) -> Result<Vec<JobEventView>, AppError> {
        let events = jobs::events_after(&self.pool, job_id, after)
            .await
            .map_err(internal)?;
        Ok(events.iter().map(event_view).collect())
    }
}
