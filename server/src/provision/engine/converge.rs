//! Converging a tenant on its render: applying it (and pruning what it no longer has), and,
//! while a step waits, putting back what is missing or was changed by hand.

use std::collections::BTreeMap;

use app::domain::job_kind::Step;
use app::domain::setting::SettingValue;
use app::domain::{EventKind, TenantHealth, TenantState};

use super::{cluster_error, db_error, generate_password, Engine};
use crate::clock::now_ms;
use crate::db::jobs::{self, JobRecord};
use crate::db::tenants::TenantRecord;
use crate::jobs::worker::StepError;
use crate::jobs::StepOutcome;
use crate::provision::apply;
use crate::provision::drift;
use crate::provision::inspect;
use crate::provision::manifests::{self, config, Mode, TenantObject, TenantSpec};
use crate::secrets::{store, SecretsError};

/// How long a store's health page has to answer 200.
const HEALTH_PAGE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Engine {
    /// The tenant's objects as they should be for `mode`.
    pub(super) async fn render(
        &self,
        tenant: &TenantRecord,
        mode: Mode,
    ) -> Result<Vec<TenantObject>, StepError> {
        let (plan, blueprint) = self.catalog(tenant).await?;
        let namespace = self.namespace(tenant);

        // The Secret is the only home of the database password and secret settings; whether
        // volumes hold data matters only when it is gone. Both are asked at once.
        let (existing, has_volumes) = futures_util::future::join(
            apply::existing_secret(&self.client, &namespace, config::SECRET),
            apply::has_volumes(&self.client, &namespace),
        )
        .await;
        let existing = existing.map_err(cluster_error)?;
        let existing = existing.and_then(|s| s.data).unwrap_or_default();
        let read = |key: &str| {
            existing
                .get(key)
                .and_then(|v| String::from_utf8(v.0.clone()).ok())
        };
        let password = match read(config::DATABASE_PASSWORD) {
            Some(password) => password,
            // A new password would lock the store out of the database its volume holds. A
            // volume is only ever made after the Secret (see `apply`), so it was lost.
            None if has_volumes.map_err(cluster_error)? => {
                return Err(StepError::permanent(format!(
                    "the Secret {} holding the database password is gone while the store's \
                     volumes remain: restore the Secret, or restore the store from a backup",
                    config::SECRET
                )));
            }
            None => generate_password(),
        };
        // Secret settings the owner saved since wait in the database for this apply.
        let saved_secrets = store::open_all(&self.pool, self.keyring.as_deref(), &tenant.id)
            .await
            .map_err(|e| match e {
                SecretsError::Db(e) => db_error(e),
                other => StepError::permanent(other.to_string()),
            })?;
        let mut settings = BTreeMap::new();
        for spec in &blueprint.settings {
            let raw = if spec.is_secret() {
                saved_secrets
                    .get(&spec.key)
                    .cloned()
                    .or_else(|| read(&spec.key.to_ascii_uppercase()))
            } else {
                tenant.settings.get(&spec.key).cloned()
            };
            if let Some(value) = raw.and_then(|raw| SettingValue::parse(spec, &raw).ok()) {
                settings.insert(spec.key.clone(), value);
            }
        }
        let spec = TenantSpec {
            subdomain: &tenant.subdomain,
            key: &tenant.key,
            owner: tenant.owner_id.as_deref(),
            standby: tenant.standby,
            plan: &plan,
            blueprint: &blueprint,
            settings: &settings,
            release: tenant.images(),
            database_password: &password,
            mode,
        };
        manifests::render(&spec, &self.cluster).map_err(|e| StepError::permanent(e.to_string()))
    }

    /// Renders the tenant's objects for `mode` and applies them, pruning what is no longer
    /// rendered.
    pub(super) async fn apply(
        &self,
        tenant: &TenantRecord,
        mode: Mode,
    ) -> Result<StepOutcome, StepError> {
        let objects = self.render(tenant, mode).await?;
        apply::apply_and_prune(&self.client, &self.namespace(tenant), &tenant.key, &objects)
            .await
            .map_err(cluster_error)?;
        Ok(StepOutcome::Done)
    }

    /// For a step that waits on the tenant's objects: when any is missing (the cluster was
    /// rebuilt, someone deleted it) or differs from the render (edited by hand), applies the
    /// render again and says so in the job's timeline. Returns whether it did.
    pub(super) async fn converge(
        &self,
        job: &JobRecord,
        step: &Step,
        tenant: &TenantRecord,
        mode: Mode,
    ) -> Result<bool, StepError> {
        let objects = self.render(tenant, mode).await?;
        let drifts = self.drifts(tenant, &objects).await?;
        if drifts.is_empty() {
            return Ok(false);
        }
        apply::apply_all(&self.client, &objects)
            .await
            .map_err(cluster_error)?;
        let message = format!(
            "{}: re-applied {} objects ({})",
            step.title,
            objects.len(),
            drift::summary(&drifts)
        );
        tracing::info!(job_id = %job.id, tenant = %tenant.subdomain, drifted = drifts.len(), "re-applied a drifted tenant");
        jobs::append_event(
            &self.pool,
            &job.id,
            job.step,
            step.name.as_str(),
            EventKind::Waiting,
            &message,
            now_ms(),
        )
        .await
        .map_err(db_error)?;
        self.signals.changed(&job.id).await;
        Ok(true)
    }

    /// Compares a running tenant (ready or suspended) with its render and, with `heal`,
    /// applies the render again when anything differs. Returns what differed.
    pub async fn check(
        &self,
        tenant: &TenantRecord,
        heal: bool,
    ) -> Result<Vec<drift::Drift>, StepError> {
        let mode = match tenant.state {
            TenantState::Suspended => Mode::Suspended,
            _ => Mode::Serving,
        };
        let objects = self.render(tenant, mode).await?;
        let drifts = self.drifts(tenant, &objects).await?;
        if heal && !drifts.is_empty() {
            apply::apply_all(&self.client, &objects)
                .await
                .map_err(cluster_error)?;
        }
        Ok(drifts)
    }

    /// The tenant's workloads and pods as the cluster reports them now: what a rollout's
    /// health gate judges.
    pub async fn health(&self, tenant: &TenantRecord) -> Result<TenantHealth, StepError> {
        inspect::health(&self.client, &self.namespace(tenant), &tenant.key)
            .await
            .map_err(cluster_error)
    }

    /// Asks the blueprint's health page through its component's Service (the API server's
    /// proxy, as `kubectl get --raw` does). `None` when it answers 200 or the blueprint has
    /// none; otherwise what it answered.
    pub async fn health_page(&self, tenant: &TenantRecord) -> Result<Option<String>, StepError> {
        let (_, blueprint) = self.catalog(tenant).await?;
        let Some(check) = blueprint.health_check else {
            return Ok(None);
        };
        let component = blueprint
            .components
            .iter()
            .find(|c| c.name == check.component)
            .ok_or_else(|| {
                StepError::permanent(format!(
                    "the health page's component {} is not in blueprint {}",
                    check.component, blueprint.name
                ))
            })?;
        let path = format!("/{}", check.path.trim_start_matches('/'));
        let uri = format!(
            "/api/v1/namespaces/{}/services/{}:{}/proxy{path}",
            self.namespace(tenant),
            component.name,
            component.service_port
        );
        let request = axum::http::Request::get(uri)
            .body(Vec::new())
            .map_err(|e| StepError::permanent(format!("the health page's address: {e}")))?;
        // The client retries a 503 (what the API server answers for a Service with no ready
        // pod) for a while: a page that has not answered 200 within the bound is unhealthy.
        let answer = tokio::time::timeout(HEALTH_PAGE_WAIT, self.client.request_text(request));
        match answer.await {
            Ok(Ok(_)) => Ok(None),
            Ok(Err(kube::Error::Api(status))) => Ok(Some(format!(
                "{path} on {} answered {}: {}",
                component.name, status.code, status.message
            ))),
            Ok(Err(error)) => Err(StepError::transient(format!(
                "asking {path} on {}: {error}",
                component.name
            ))),
            Err(_) => Ok(Some(format!(
                "{path} on {} answered nothing but errors for {} s",
                component.name,
                HEALTH_PAGE_WAIT.as_secs()
            ))),
        }
    }

    /// What of `objects` the cluster does not hold as rendered.
    async fn drifts(
        &self,
        tenant: &TenantRecord,
        objects: &[TenantObject],
    ) -> Result<Vec<drift::Drift>, StepError> {
        let live = apply::live(&self.client, &tenant.key, objects)
            .await
            .map_err(cluster_error)?;
        let rendered: Vec<_> = objects
            .iter()
            .map(|o| (o.kind().to_owned(), o.name().to_owned(), o.to_json()))
            .collect();
        Ok(drift::drifts(&rendered, &live))
    }
}
