//! The provisioning engine: what each step of a tenant's jobs does on the cluster. Every step
//! is idempotent, so a job resumed after a crash simply runs its step again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kube::Client;
use sqlx::AnyPool;

use app::domain::blueprint::Workload;
use app::domain::{Blueprint, Plan, TenantState};

use super::apply::{self, ApplyError};
use super::causes::Target;
use super::manifests::{exposure, maintenance, ClusterSettings, Mode};
use super::readiness::{self, Readiness};
use super::watch::Watching;
use crate::clock::now_ms;
use crate::cluster::fault::{self, Fault};
use crate::db::jobs::JobRecord;
use crate::db::tenants::{self, TenantRecord};
use crate::db::{catalog, DbError};
use crate::dns::{DnsProvider, Wildcard};
use crate::jobs::worker::StepError;
use crate::jobs::{JobHandler, JobKind, JobSignals, StepOutcome};
use crate::secrets::Keyring;
use crate::storage::Storage;
use app::domain::job_kind::{Step, StepName};

/// How long to wait before looking again at what the engine does not watch.
const POLL: Duration = super::watch::POLL;

/// Runs provisioning and deletion steps against one cluster.
pub struct Engine {
    pool: AnyPool,
    client: Client,
    cluster: ClusterSettings,
    public_url: String,
    dns: Arc<dyn DnsProvider>,
    keyring: Option<Arc<Keyring>>,
    /// Where backups are kept, when configured: restores read from it.
    storage: Option<Storage>,
    /// When each waiting job last compared its tenant's objects with their render.
    converged: Mutex<HashMap<String, Instant>>,
    /// Where the events steps record are said, for the pages watching the job.
    signals: JobSignals,
    /// Whether the cluster's changes wake waiting steps, so they may look less often.
    watching: Watching,
}

impl Engine {
    /// An engine writing to this database and cluster.
    pub fn new(pool: AnyPool, client: Client, cluster: ClusterSettings) -> Self {
        Self {
            pool,
            client,
            cluster,
            public_url: "http://127.0.0.1:3000".to_owned(),
            dns: Arc::new(Wildcard),
            keyring: None,
            storage: None,
            converged: Mutex::default(),
            signals: JobSignals::local(),
            watching: Watching::default(),
        }
    }

    /// The same engine, its waiting steps looking again as seldom as `watching` allows.
    pub fn with_watching(mut self, watching: Watching) -> Self {
        self.watching = watching;
        self
    }

    /// The outcome of a step waiting on objects the engine watches.
    fn wait_on_cluster(&self) -> StepOutcome {
        StepOutcome::Wait(self.watching.poll())
    }

    /// The same engine, saying each event its steps record through `signals`.
    pub fn with_signals(mut self, signals: JobSignals) -> Self {
        self.signals = signals;
        self
    }

    /// The same engine, restoring backups from this storage.
    pub fn with_storage(mut self, storage: Option<Storage>) -> Self {
        self.storage = storage;
        self
    }

    /// The same engine, linking mail to the control plane at this address.
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = url.trim_end_matches('/').to_owned();
        self
    }

    /// The same engine, publishing tenants' DNS records through `dns` (default: wildcard,
    /// nothing per tenant).
    pub fn with_dns(mut self, dns: Arc<dyn DnsProvider>) -> Self {
        self.dns = dns;
        self
    }

    /// The same engine, opening tenants' sealed secret settings with this keyring.
    pub fn with_keyring(mut self, keyring: Option<Arc<Keyring>>) -> Self {
        self.keyring = keyring;
        self
    }

    /// The tenant's plan and that plan's blueprint.
    async fn catalog(&self, tenant: &TenantRecord) -> Result<(Plan, Blueprint), StepError> {
        let plan = catalog::plan(&self.pool, &tenant.plan)
            .await
            .map_err(db_error)?
            .ok_or_else(|| StepError::permanent(format!("plan {} does not exist", tenant.plan)))?;
        let blueprint = catalog::blueprint(&self.pool, &plan.blueprint)
            .await
            .map_err(db_error)?
            .ok_or_else(|| {
                StepError::permanent(format!("blueprint {} does not exist", plan.blueprint))
            })?;
        Ok((plan, blueprint))
    }

    /// The names of the tenant's volumes, databases and Deployments, from its blueprint.
    async fn expected(&self, tenant: &TenantRecord) -> Result<Expected, StepError> {
        let (_, blueprint) = self.catalog(tenant).await?;
        let components = |workload: Workload| -> Vec<String> {
            blueprint
                .components
                .iter()
                .filter(|c| c.workload == workload)
                .map(|c| c.name.clone())
                .collect()
        };
        Ok(Expected {
            volumes: blueprint.volumes.iter().map(|v| v.name.clone()).collect(),
            databases: components(Workload::Database),
            deployments: components(Workload::Deployment),
        })
    }

    fn wait_for(&self, readiness: Readiness) -> StepOutcome {
        match readiness {
            Readiness::Ready => StepOutcome::Done,
            Readiness::Pending(_) => self.wait_on_cluster(),
        }
    }

    async fn tenant(&self, job: &JobRecord) -> Result<TenantRecord, StepError> {
        let id = job
            .tenant_id
            .as_deref()
            .ok_or_else(|| StepError::permanent("the job names no tenant"))?;
        tenants::by_id(&self.pool, id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| StepError::permanent(format!("tenant {id} does not exist")))
    }

    fn namespace(&self, tenant: &TenantRecord) -> String {
        self.cluster.namespace(&tenant.key)
    }
}

/// The state a tenant is in while a job of `kind` works on it; a tenant that left it (e.g.
/// suspended during an update) makes the job stop. `None`: the job checks for itself.
fn working_state(kind: JobKind) -> Option<TenantState> {
    match kind {
        JobKind::Provision | JobKind::Claim => Some(TenantState::Provisioning),
        JobKind::Update | JobKind::Restore => Some(TenantState::Updating),
        JobKind::Suspend | JobKind::Resume => Some(TenantState::Suspended),
        JobKind::Archive => Some(TenantState::Archived),
        JobKind::Delete => None,
    }
}

/// What a job renders the tenant's objects for.
fn mode_of(kind: JobKind, step: StepName) -> Mode {
    match (kind, step) {
        (JobKind::Suspend, _) => Mode::Suspended,
        // An archive keeps the database up until its last backup is stored.
        (JobKind::Archive, StepName::Start | StepName::Database | StepName::Saved) => {
            Mode::Restoring
        }
        (JobKind::Archive | JobKind::Delete, _) => Mode::Archived,
        // A restore stops the store until its data is back, then starts it again.
        (
            JobKind::Restore,
            StepName::Saved | StepName::Apply | StepName::Stopped | StepName::Restored,
        ) => Mode::Restoring,
        (
            JobKind::Provision
            | JobKind::Claim
            | JobKind::Update
            | JobKind::Resume
            | JobKind::Restore,
            _,
        ) => Mode::Serving,
    }
}

/// What a tenant's blueprint makes: the objects readiness is judged on.
struct Expected {
    volumes: Vec<String>,
    databases: Vec<String>,
    deployments: Vec<String>,
}

fn db_error(error: DbError) -> StepError {
    StepError::transient(format!("database: {error}"))
}

/// A refusal no retry changes (bad request, forbidden, invalid, immutable field) is
/// permanent; a cluster that cannot be reached or cannot serve now is waited out without
/// spending attempts; anything else about the store is retried.
fn cluster_error(error: ApplyError) -> StepError {
    let ApplyError::Kube { source, .. } = &error;
    let message = format!("cluster: {error}");
    match fault::classify(source) {
        Fault::Refused => StepError::permanent(message),
        Fault::Unreachable => StepError::cluster_unreachable(message),
        Fault::Transient => StepError::transient(message),
    }
}

fn generate_password() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, 32)
}

#[async_trait]
impl JobHandler for Engine {
    async fn run_step(&self, job: &JobRecord, step: &Step) -> Result<StepOutcome, StepError> {
        let tenant = self.tenant(job).await?;
        // A crash between marking the tenant ready and recording the step leaves the mark
        // made: running the step again finds it done.
        if step.name == StepName::Ready && tenant.state == TenantState::Ready {
            return Ok(StepOutcome::Done);
        }
        if let Some(expected) = working_state(job.kind) {
            if tenant.state != expected {
                return Err(StepError::permanent(format!(
                    "the tenant is {}, no longer {}",
                    tenant.state.as_str(),
                    expected.as_str()
                )));
            }
        }
        let namespace = self.namespace(&tenant);
        let client = &self.client;
        match (job.kind, step.name) {
            (JobKind::Archive, StepName::Start | StepName::Database | StepName::Saved)
                if !self.saves_last() =>
            {
                Ok(StepOutcome::Done)
            }
            (JobKind::Archive, StepName::Saved) => self.save_last(job, &tenant).await,
            (kind, name @ (StepName::Apply | StepName::Start)) => {
                self.apply(&tenant, mode_of(kind, name)).await
            }
            (_, wait @ (StepName::Volumes | StepName::Database | StepName::Workloads)) => {
                let expected = self.expected(&tenant).await?;
                let (readiness, targets): (_, Vec<Target<'_>>) = match wait {
                    StepName::Volumes => (
                        readiness::volumes(client, &namespace, &expected.volumes).await,
                        expected.volumes.iter().map(|v| Target::Claim(v)).collect(),
                    ),
                    StepName::Database => (
                        readiness::databases(client, &namespace, &expected.databases).await,
                        expected
                            .databases
                            .iter()
                            .map(|d| Target::StatefulSet(d))
                            .collect(),
                    ),
                    _ => (
                        readiness::workloads(client, &namespace, &expected.deployments).await,
                        expected
                            .deployments
                            .iter()
                            .map(|d| Target::Deployment(d))
                            .collect(),
                    ),
                };
                let readiness = readiness.map_err(cluster_error)?;
                self.wait(job, step, &tenant, readiness, &targets).await
            }
            // A standby is published only once claimed.
            (JobKind::Provision, StepName::Address | StepName::Dns) if tenant.standby => {
                Ok(StepOutcome::Done)
            }
            (JobKind::Provision | JobKind::Claim, StepName::Address) => {
                let address = readiness::address(client, &namespace, exposure::PUBLIC)
                    .await
                    .map_err(cluster_error)?;
                let readiness = match address {
                    Some(_) => Readiness::Ready,
                    None => Readiness::Pending("no address yet".to_owned()),
                };
                let targets = [Target::Exposure(exposure::PUBLIC)];
                self.wait(job, step, &tenant, readiness, &targets).await
            }
            (JobKind::Provision | JobKind::Claim, StepName::Dns) => {
                let address = readiness::address(client, &namespace, exposure::PUBLIC)
                    .await
                    .map_err(cluster_error)?;
                // No address: the exposure may be gone (a rebuilt cluster); put it back.
                if address.is_none()
                    && self.due_to_converge(&job.id)
                    && self
                        .converge(job, step, &tenant, mode_of(job.kind, step.name))
                        .await?
                {
                    return Ok(StepOutcome::Wait(POLL));
                }
                let host = format!("{}.{}", tenant.subdomain, self.cluster.base_domain);
                dns_step::publish(&self.pool, self.dns.as_ref(), &tenant.id, &host, address).await
            }
            (JobKind::Delete, StepName::Dns) => {
                let host = format!("{}.{}", tenant.subdomain, self.cluster.base_domain);
                dns_step::withdraw(&self.pool, self.dns.as_ref(), &tenant.id, &host).await
            }
            (JobKind::Suspend, StepName::Maintenance) => {
                let page = [maintenance::MAINTENANCE.to_owned()];
                let readiness = readiness::workloads(client, &namespace, &page)
                    .await
                    .map_err(cluster_error)?;
                let targets = [Target::Deployment(maintenance::MAINTENANCE)];
                self.wait(job, step, &tenant, readiness, &targets).await
            }
            (JobKind::Restore, StepName::Saved) => self.save_first(job, &tenant).await,
            (JobKind::Restore, StepName::Stopped) => {
                let expected = self.expected(&tenant).await?;
                readiness::stopped(client, &namespace, &expected.deployments, &[])
                    .await
                    .map(|readiness| self.wait_for(readiness))
                    .map_err(cluster_error)
            }
            (JobKind::Restore, StepName::Restored) => self.restore_data(job, &tenant).await,
            (JobKind::Restore, StepName::Ready) => {
                self.mark(
                    job,
                    &tenant,
                    &[TenantState::Updating],
                    TenantState::Ready,
                    "restore finished",
                )
                .await
            }
            (JobKind::Suspend | JobKind::Archive, StepName::Stopped) => {
                let expected = self.expected(&tenant).await?;
                readiness::stopped(
                    client,
                    &namespace,
                    &expected.deployments,
                    &expected.databases,
                )
                .await
                .map(|readiness| self.wait_for(readiness))
                .map_err(cluster_error)
            }
            (JobKind::Provision | JobKind::Claim, StepName::Ready) => {
                let mail = self.ready_mail(&tenant, job).await?;
                let first = self.never_ready(&tenant).await?;
                let marked = self
                    .mark_with_mail(
                        job,
                        &tenant,
                        &[TenantState::Provisioning],
                        TenantState::Ready,
                        "provisioning finished",
                        &mail,
                    )
                    .await?;
                if first && !tenant.standby {
                    crate::metrics::signed_up_to_ready(now_ms() - tenant.created_at);
                }
                Ok(marked)
            }
            (JobKind::Update, StepName::Ready) => {
                self.mark(
                    job,
                    &tenant,
                    &[TenantState::Updating],
                    TenantState::Ready,
                    "update finished",
                )
                .await
            }
            (JobKind::Resume, StepName::Ready) => {
                self.mark(
                    job,
                    &tenant,
                    &[TenantState::Suspended],
                    TenantState::Ready,
                    "resumed",
                )
                .await
            }
            // The tenant became archived when the job was queued.
            (JobKind::Archive, StepName::Archived) => Ok(StepOutcome::Done),
            (JobKind::Delete, StepName::Namespace) => apply::delete_namespace(client, &namespace)
                .await
                .map(|()| StepOutcome::Done)
                .map_err(cluster_error),
            (JobKind::Delete, StepName::Gone) => {
                match apply::namespace_exists(client, &namespace).await {
                    Ok(true) => Ok(StepOutcome::Wait(POLL)),
                    Ok(false) => Ok(StepOutcome::Done),
                    Err(error) => Err(cluster_error(error)),
                }
            }
            (JobKind::Delete, StepName::Deleted) => {
                self.mark(
                    job,
                    &tenant,
                    &[TenantState::Deleting],
                    TenantState::Deleted,
                    "namespace removed",
                )
                .await
            }
            (kind, name) => Err(StepError::permanent(format!(
                "{} has no step {}",
                kind.as_str(),
                name.as_str()
            ))),
        }
    }

    async fn on_failed(&self, job: &JobRecord, error: &str) {
        let Ok(tenant) = self.tenant(job).await else {
            return;
        };
        if tenant.state.can_become(TenantState::Failed) {
            let cause = format!("{} job failed: {error}", job.kind.as_str());
            if let Err(e) = tenants::transition(
                &self.pool,
                &tenant.id,
                tenant.state,
                TenantState::Failed,
                &cause,
                None,
                &[],
                now_ms(),
            )
            .await
            {
                tracing::error!(tenant = %tenant.subdomain, error = %e, "recording the failure failed");
            }
        }
    }
}

mod converge;
pub mod data_jobs;
mod dns_step;
mod last_backup;
mod marks;
mod restore;
mod wait;
