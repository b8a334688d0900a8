//! Data Jobs in a tenant's namespace (a dump to storage, a restore from it): start one, see
//! how it went, clear it away. The backup worker and the restore job decide what to do with
//! what they report.

use k8s_openapi::api::batch::v1::Job;
use kube::api::{DeleteParams, PostParams};
use kube::Api;

use app::domain::blueprint::Workload;

use super::{cluster_error, Engine};
use crate::db::tenants::TenantRecord;
use crate::jobs::worker::StepError;
use crate::provision::apply::ApplyError;
use crate::provision::manifests::data_jobs::{dump_job, restore_job, DataJob, PartLinks};
use crate::provision::readiness;

/// Which data Job, with the links it moves the data through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataTask<'a> {
    /// `pg_dump`, uploaded in parts through the links of one multipart upload.
    Dump(&'a PartLinks<'a>),
    /// Downloaded from a `GET` link, then `pg_restore`.
    Restore(&'a str),
}

/// How a data Job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    /// There is no such Job.
    Missing,
    /// It runs.
    Running,
    /// It finished: the dump was uploaded.
    Succeeded,
    /// It failed, with what the cluster said.
    Failed(String),
}

fn kube_error(action: &'static str, name: &str, source: kube::Error) -> StepError {
    cluster_error(ApplyError::Kube {
        action,
        kind: "Job".to_owned(),
        name: name.to_owned(),
        source,
    })
}

impl Engine {
    /// Starts the data Job `name` of `task`; one already there is left as it is.
    pub async fn start_data_job(
        &self,
        tenant: &TenantRecord,
        task: DataTask<'_>,
        name: &str,
        deadline_secs: i64,
    ) -> Result<(), StepError> {
        let (_, blueprint) = self.catalog(tenant).await?;
        let database = blueprint
            .components
            .iter()
            .find(|c| c.workload == Workload::Database)
            .ok_or_else(|| {
                StepError::permanent(format!("blueprint {} has no database", blueprint.name))
            })?;
        let namespace = self.namespace(tenant);
        let image = format!("{}:{}", database.image, database.tag);
        let spec = DataJob {
            name,
            namespace: &namespace,
            database_image: &image,
            database_host: &database.name,
            database_port: database.port,
            deadline_secs,
        };
        let job = match task {
            DataTask::Dump(links) => dump_job(&spec, links),
            DataTask::Restore(link) => restore_job(&spec, link),
        };
        let jobs: Api<Job> = Api::namespaced(self.client.clone(), &namespace);
        match jobs.create(&PostParams::default(), &job).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
            Err(error) => Err(kube_error("create", name, error)),
        }
    }

    /// How the data Job `name` stands.
    pub async fn data_job_state(
        &self,
        tenant: &TenantRecord,
        name: &str,
    ) -> Result<TaskState, StepError> {
        let jobs: Api<Job> = Api::namespaced(self.client.clone(), &self.namespace(tenant));
        let Some(job) = jobs
            .get_opt(name)
            .await
            .map_err(|e| kube_error("read", name, e))?
        else {
            return Ok(TaskState::Missing);
        };
        let conditions = job
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default();
        let holds = |kind: &str| {
            conditions
                .iter()
                .find(|c| c.type_ == kind && c.status == "True")
        };
        if holds("Complete").is_some() {
            return Ok(TaskState::Succeeded);
        }
        if let Some(failed) = holds("Failed") {
            let said = failed
                .message
                .clone()
                .or_else(|| failed.reason.clone())
                .unwrap_or_else(|| "no reason given".to_owned());
            return Ok(TaskState::Failed(said));
        }
        // A pod the namespace refuses (its quota has no room) would keep the Job waiting
        // until its deadline: the refusal is the answer now.
        let active = job.status.as_ref().and_then(|s| s.active).unwrap_or(0);
        if active == 0 {
            if let Some(refused) = self.pod_refused(tenant, name).await? {
                return Ok(TaskState::Failed(format!("its pod was refused: {refused}")));
            }
        }
        Ok(TaskState::Running)
    }

    /// What the cluster said when it refused the pod of the Job `name`, if it did.
    async fn pod_refused(
        &self,
        tenant: &TenantRecord,
        name: &str,
    ) -> Result<Option<String>, StepError> {
        let warnings = readiness::warnings(&self.client, &self.namespace(tenant))
            .await
            .map_err(cluster_error)?;
        Ok(warnings
            .into_iter()
            .find(|event| {
                event.reason.as_deref() == Some("FailedCreate")
                    && event.involved_object.kind.as_deref() == Some("Job")
                    && event.involved_object.name.as_deref() == Some(name)
            })
            .and_then(|event| event.message))
    }

    /// Deletes the data Job `name` and its pod; nothing when it is gone already.
    pub async fn remove_data_job(
        &self,
        tenant: &TenantRecord,
        name: &str,
    ) -> Result<(), StepError> {
        let jobs: Api<Job> = Api::namespaced(self.client.clone(), &self.namespace(tenant));
        match jobs.delete(name, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(error) => Err(kube_error("delete", name, error)),
        }
    }
}
