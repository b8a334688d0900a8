//! Owners' settings: the form, saving a change (with its update job), and the history.

use std::collections::BTreeMap;

use async_trait::async_trait;

use app::domain::audit::action;
use app::domain::settings_change;
use app::domain::{Actor, JobId, TenantDetail, UserId};
use app::domain::{SettingChange, SettingChangeView, SettingField, SettingsForm, TenantView};
use app::error::AppError;
use app::ports::Stores;

use super::error::{answer, TenantError};
use super::TenantService;
use crate::clock::{now_ms, rfc3339};
use crate::db::secrets;
use crate::db::settings::{self, SettingsUpdate};
use crate::db::{tenants, users};

/// How many changes the history shows.
const HISTORY: i64 = 50;

impl TenantService {
    async fn blueprint_settings(
        &self,
        plan: &str,
    ) -> Result<Vec<app::domain::SettingSpec>, TenantError> {
        Ok(self.plan_and_blueprint(plan).await?.1.settings)
    }
}

#[async_trait]
impl Stores for TenantService {
    async fn owned(&self, owner_id: &UserId) -> Result<Vec<TenantView>, AppError> {
        answer(async {
            let owner_id = owner_id.as_str();
            let owner = users::by_id(self.pool(), owner_id).await?.map(|u| u.email);
            let records = tenants::owned_by(self.pool(), owner_id).await?;
            Ok(records
                .iter()
                .map(|t| self.view(t, owner.clone()))
                .collect())
        })
        .await
    }

    async fn owned_store(
        &self,
        subdomain: &str,
        owner_id: &UserId,
    ) -> Result<TenantDetail, AppError> {
        answer(async {
            let record = self.record(subdomain).await?;
            if record.owner_id.as_deref() != Some(owner_id.as_str()) {
                return Err(TenantError::NotFound);
            }
            self.detail(&record).await
        })
        .await
    }

    async fn owner_id(&self, subdomain: &str) -> Result<Option<UserId>, AppError> {
        answer(async { Ok(self.record(subdomain).await?.owner_id.map(UserId::new)) }).await
    }

    async fn settings_form(&self, subdomain: &str) -> Result<SettingsForm, AppError> {
        answer(async {
            let tenant = self.record(subdomain).await?;
            let specs = self.blueprint_settings(&tenant.plan).await?;
            let sealed = secrets::sealed(self.pool(), &tenant.id).await?;
            let fields = specs
                .into_iter()
                .map(|spec| {
                    let (value, is_set) = if spec.is_secret() {
                        (None, sealed.contains_key(&spec.key))
                    } else {
                        let value = tenant
                            .settings
                            .get(&spec.key)
                            .cloned()
                            .unwrap_or_else(|| spec.default.clone());
                        (Some(value), true)
                    };
                    SettingField {
                        spec,
                        value,
                        is_set,
                    }
                })
                .collect();
            let history = settings::history(self.pool(), &tenant.id, HISTORY)
                .await?
                .into_iter()
                .map(|record| SettingChangeView {
                    at: rfc3339(record.at),
                    actor_email: record.actor_email,
                    changes: serde_json::from_str::<Vec<SettingChange>>(&record.changes)
                        .unwrap_or_default(),
                })
                .collect();
            Ok(SettingsForm { fields, history })
        })
        .await
    }

    async fn update_settings(
        &self,
        actor: &Actor,
        subdomain: &str,
        submitted: &BTreeMap<String, String>,
    ) -> Result<JobId, AppError> {
        answer(async {
            let tenant = self.record(subdomain).await?;
            let specs = self.blueprint_settings(&tenant.plan).await?;
            let accepted = settings_change::accept(&specs, &tenant.settings, submitted)
                .map_err(TenantError::invalid)?;
            if tenant.state != app::domain::TenantState::Ready {
                return Err(TenantError::Conflict(format!(
                    "The store is {}; settings can be changed once it is ready.",
                    tenant.state.as_str()
                )));
            }
            let mut sealed = secrets::sealed(self.pool(), &tenant.id).await?;
            if !accepted.secrets.is_empty() {
                let keyring = self.keyring().ok_or(TenantError::NoSecretKey)?;
                crate::secrets::store::seal_into(
                    keyring,
                    &tenant.id,
                    &mut sealed,
                    &accepted.secrets,
                );
            }
            let changes = serde_json::to_string(&accepted.changes)
                .map_err(|e| TenantError::Inconsistent(e.to_string()))?;
            let job_id = settings::save(
                self.pool(),
                &SettingsUpdate {
                    tenant_id: &tenant.id,
                    settings: &accepted.settings,
                    sealed_secrets: &sealed,
                    changes: &changes,
                    actor_email: &actor.name,
                },
                now_ms(),
            )
            .await?
            .ok_or_else(|| {
                TenantError::Conflict("The store changed meanwhile; try again.".to_owned())
            })?;
            let keys: Vec<&str> = accepted.changes.iter().map(|c| c.key.as_str()).collect();
            tracing::info!(tenant = %tenant.subdomain, ?keys, job_id, "settings changed");
            // Keys only: values may be secrets.
            let detail = format!("job={job_id} keys={}", keys.join(","));
            self.audit()
                .record(
                    actor,
                    action::SETTINGS_CHANGE,
                    tenant.subdomain.as_str(),
                    &detail,
                )
                .await;
            Ok(JobId::new(job_id))
        })
        .await
    }
}
