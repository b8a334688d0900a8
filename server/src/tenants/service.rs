//! The tenant service: validates requests, records them with their job in one transaction,
//! and shows tenants with their jobs and events.

use std::collections::BTreeMap;
use std::sync::Arc;

use sqlx::AnyPool;

use app::domain::{
    Blueprint, JobEventView, JobId, JobView, Plan, TenantDetail, TenantId, TenantView,
};

use super::error::TenantError;
use crate::audit::Recorder;
use crate::clock::{rfc3339, time_of_day};
use crate::db::jobs::{self, JobRecord};
use crate::db::tenants::{self, TenantRecord};
use crate::db::{catalog, drift, users};
use crate::jobs::estimate::Estimates;
use crate::jobs::JobSignals;
use crate::provision::manifests::ClusterSettings;
use crate::secrets::Keyring;

/// Tenants over the database.
#[derive(Clone)]
pub struct TenantService {
    pool: AnyPool,
    cluster: ClusterSettings,
    client: Option<kube::Client>,
    keyring: Option<Arc<Keyring>>,
    audit: Recorder,
    signals: JobSignals,
    estimates: Arc<Estimates>,
}

impl TenantService {
    /// A service over this database, laying tenants out on the cluster as configured.
    pub fn new(pool: AnyPool, cluster: ClusterSettings) -> Self {
        Self {
            audit: Recorder::new(pool.clone()),
            estimates: Arc::new(Estimates::new(pool.clone())),
            pool,
            cluster,
            client: None,
            keyring: None,
            signals: JobSignals::local(),
        }
    }

    /// The same service, saying each change it makes to a job through `signals`, for the
    /// pages watching the job.
    pub fn with_signals(mut self, signals: JobSignals) -> Self {
        self.signals = signals;
        self
    }

    /// Recent step durations, for jobs' time left.
    pub(super) fn estimates(&self) -> &Estimates {
        &self.estimates
    }

    /// Where changes to jobs are said.
    pub(super) fn signals(&self) -> &JobSignals {
        &self.signals
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
    pub(super) fn client(&self) -> Result<&kube::Client, TenantError> {
        self.client.as_ref().ok_or(TenantError::NoClusterClient)
    }

    /// Where the service records what it did.
    pub(super) fn audit(&self) -> &Recorder {
        &self.audit
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
            id: TenantId::new(tenant.id.clone()),
            subdomain: tenant.subdomain.to_string(),
            plan: tenant.plan.clone(),
            state: tenant.state,
            owner_email,
            namespace: self.cluster.namespace(&tenant.key),
            url: self.cluster.store_url(&tenant.subdomain),
            created_at: rfc3339(tenant.created_at),
            drift: tenant.drift.clone(),
            self_heal: tenant.self_heal,
            release: tenant.release.as_ref().map(|r| r.name.clone()),
            pinned: tenant.pinned.clone(),
            canary: tenant.canary,
        }
    }

    /// A tenant's plan and its blueprint; either missing is an internal error (the schema's
    /// foreign keys keep both).
    pub(super) async fn plan_and_blueprint(
        &self,
        plan: &str,
    ) -> Result<(Plan, Blueprint), TenantError> {
        let plan = catalog::plan(&self.pool, plan)
            .await?
            .ok_or_else(|| TenantError::Inconsistent(format!("no plan {plan}")))?;
        let blueprint = catalog::blueprint(&self.pool, &plan.blueprint)
            .await?
            .ok_or_else(|| TenantError::Inconsistent(format!("no blueprint {}", plan.blueprint)))?;
        Ok((plan, blueprint))
    }

    pub(super) async fn owner_email(
        &self,
        tenant: &TenantRecord,
    ) -> Result<Option<String>, TenantError> {
        match &tenant.owner_id {
            Some(id) => Ok(users::by_id(&self.pool, id).await?.map(|u| u.email)),
            None => Ok(None),
        }
    }

    /// Every tenant, newest first.
    pub async fn list(&self) -> Result<Vec<TenantView>, TenantError> {
        let owners: BTreeMap<String, String> = users::list(&self.pool)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect();
        let tenants = tenants::list(&self.pool).await?;
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

    pub(super) async fn record(&self, subdomain: &str) -> Result<TenantRecord, TenantError> {
        tenants::by_subdomain(&self.pool, &subdomain.trim().to_ascii_lowercase())
            .await?
            .ok_or(TenantError::NotFound)
    }

    /// One tenant with its jobs.
    pub async fn show(&self, subdomain: &str) -> Result<TenantDetail, TenantError> {
        let record = self.record(subdomain).await?;
        self.detail(&record).await
    }

    /// A tenant with its jobs and the reconciler's latest findings.
    pub(super) async fn detail(&self, record: &TenantRecord) -> Result<TenantDetail, TenantError> {
        let jobs = jobs::for_tenant(&self.pool, &record.id).await?;
        Ok(TenantDetail {
            tenant: self.view(record, self.owner_email(record).await?),
            jobs: jobs.iter().map(JobRecord::view).collect(),
            drift_history: self.drift_history(&record.id).await?,
        })
    }

    /// The reconciler's latest findings on a tenant, newest first, as pages show them:
    /// "12:03 UTC · Deployment web missing · repaired".
    pub(super) async fn drift_history(&self, tenant_id: &str) -> Result<Vec<String>, TenantError> {
        let recent = drift::recent(&self.pool, tenant_id).await?;
        Ok(recent
            .iter()
            .map(|event| {
                let outcome = if event.repaired {
                    "repaired"
                } else {
                    "reported"
                };
                format!("{} · {} · {outcome}", time_of_day(event.at), event.summary)
            })
            .collect())
    }

    /// A job by id.
    pub async fn job(&self, job_id: &JobId) -> Result<JobView, TenantError> {
        let job = jobs::get(&self.pool, job_id.as_str())
            .await?
            .ok_or(TenantError::NotFound)?;
        Ok(job.view())
    }

    /// A job's events after `after` (a `seq`).
    pub async fn events(
        &self,
        job_id: &JobId,
        after: i64,
    ) -> Result<Vec<JobEventView>, TenantError> {
        Ok(jobs::events_after(&self.pool, job_id.as_str(), after).await?)
    }
}
