//! What the cluster holds for a tenant, and what the control plane renders for it.

use std::collections::BTreeMap;

use async_trait::async_trait;

use app::domain::{ClusterObjectView, SettingValue, TenantHealth, TenantState};
use app::error::AppError;
use app::ports::TenantInspection;

use super::error::{answer, TenantError};
use super::TenantService;
use crate::db::tenants::TenantRecord;
use crate::provision::inspect;
use crate::provision::manifests::{self, Mode, TenantSpec};

impl TenantService {
    /// The cluster client, and the tenant `subdomain` names with its namespace.
    async fn on_cluster(
        &self,
        subdomain: &str,
    ) -> Result<(&kube::Client, String, TenantRecord), TenantError> {
        let tenant = self.record(subdomain).await?;
        let namespace = self.cluster().namespace(&tenant.key);
        Ok((self.client()?, namespace, tenant))
    }
}

#[async_trait]
impl TenantInspection for TenantService {
    async fn health(&self, subdomain: &str) -> Result<TenantHealth, AppError> {
        answer(async {
            let (client, namespace, tenant) = self.on_cluster(subdomain).await?;
            let mut health = inspect::health(client, &namespace, &tenant.key)
                .await
                .map_err(TenantError::from)?;
            if tenant.state == TenantState::Ready {
                health.degraded = health.shortfall();
            }
            health.self_heal = tenant.self_heal;
            health.repairs = self.drift_history(&tenant.id).await?;
            health.drift = tenant.drift;
            Ok(health)
        })
        .await
    }

    async fn cluster_objects(&self, subdomain: &str) -> Result<Vec<ClusterObjectView>, AppError> {
        answer(async {
            let (client, namespace, tenant) = self.on_cluster(subdomain).await?;
            inspect::objects(client, &namespace, &tenant.key)
                .await
                .map_err(TenantError::from)
        })
        .await
    }

    async fn manifests(&self, subdomain: &str) -> Result<String, AppError> {
        answer(async {
            let tenant = self.record(subdomain).await?;
            let (plan, blueprint) = self.plan_and_blueprint(&tenant.plan).await?;
            let settings: BTreeMap<String, SettingValue> = blueprint
                .settings
                .iter()
                .filter(|spec| !spec.is_secret())
                .filter_map(|spec| {
                    let raw = tenant.settings.get(&spec.key)?;
                    Some((spec.key.clone(), SettingValue::parse(spec, raw).ok()?))
                })
                .collect();
            let mode = match tenant.state {
                TenantState::Suspended => Mode::Suspended,
                TenantState::Archived | TenantState::Deleting | TenantState::Deleted => {
                    Mode::Archived
                }
                _ => Mode::Serving,
            };
            let spec = TenantSpec {
                subdomain: &tenant.subdomain,
                key: &tenant.key,
                owner: tenant.owner_id.as_deref(),
                standby: tenant.standby,
                plan: &plan,
                blueprint: &blueprint,
                settings: &settings,
                release: tenant.images(),
                database_password: "redacted",
                mode,
            };
            let objects = manifests::render(&spec, self.cluster())
                .map_err(|error| TenantError::Inconsistent(format!("rendering failed: {error}")))?;
            let redacted: Vec<_> = objects.iter().map(|o| o.redacted()).collect();
            Ok(manifests::yaml_stream(&redacted))
        })
        .await
    }
}
