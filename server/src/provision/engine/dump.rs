//! Dump Jobs in a tenant's namespace: start one, see how it went, clear it away. The backup
//! worker decides what to do with what they report.

use k8s_openapi::api::batch::v1::Job;
use kube::api::{DeleteParams, PostParams};
use kube::Api;

use app::domain::blueprint::Workload;

use super::{cluster_error, Engine};
use crate::db::tenants::TenantRecord;
use crate::jobs::worker::StepError;
use crate::provision::apply::ApplyError;
use crate::provision::manifests::dump::{dump_job, DumpJob};

/// How a dump Job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpState {
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
    /// Starts the dump Job `name` uploading to `upload_url`; one already there is left as it is.
    pub async fn start_dump(
        &self,
        tenant: &TenantRecord,
        name: &str,
        upload_url: &str,
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
        let job = dump_job(&DumpJob {
            name,
            namespace: &namespace,
            database_image: &image,
            database_host: &database.name,
            database_port: database.port,
            upload_url,
            deadline_secs,
        });
        let jobs: Api<Job> = Api::namespaced(self.client.clone(), &namespace);
        match jobs.create(&PostParams::default(), &job).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
            Err(error) => Err(kube_error("create", name, error)),
        }
    }

    /// How the dump Job `name` stands.
    pub async fn dump_state(
        &self,
        tenant: &TenantRecord,
        name: &str,
    ) -> Result<DumpState, StepError> {
        let jobs: Api<Job> = Api::namespaced(self.client.clone(), &self.namespace(tenant));
        let Some(job) = jobs
            .get_opt(name)
            .await
            .map_err(|e| kube_error("read", name, e))?
        else {
            return Ok(DumpState::Missing);
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
            return Ok(DumpState::Succeeded);
        }
        if let Some(failed) = holds("Failed") {
            let said = failed
                .message
                .clone()
                .or_else(|| failed.reason.clone())
                .unwrap_or_else(|| "no reason given".to_owned());
            return Ok(DumpState::Failed(said));
        }
        Ok(DumpState::Running)
    }

    /// Deletes the dump Job `name` and its pod; nothing when it is gone already.
    pub async fn remove_dump(&self, tenant: &TenantRecord, name: &str) -> Result<(), StepError> {
        let jobs: Api<Job> = Api::namespaced(self.client.clone(), &self.namespace(tenant));
        match jobs.delete(name, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(error) => Err(kube_error("delete", name, error)),
        }
    }
}
