//! The tenant service as the UI's `Tenants` port.

use async_trait::async_trait;

use std::collections::BTreeMap;

use app::domain::{
    Availability, Blueprint, ClusterObjectView, JobProgress, NewStore, Plan, SettingsForm,
    TenantDetail, TenantHealth, TenantPage, TenantQuery, TenantView,
};
use app::error::AppError;
use app::ports::Tenants;

use super::TenantService;
use crate::db::{catalog, DbError};

fn internal(error: DbError) -> AppError {
    tracing::error!(error = %error, "catalogue query failed");
    AppError::Internal
}

#[async_trait]
impl Tenants for TenantService {
    async fn search(&self, query: &TenantQuery) -> Result<TenantPage, AppError> {
        TenantService::search(self, query).await
    }

    async fn create(
        &self,
        subdomain: &str,
        plan: &str,
        owner_email: Option<&str>,
        cause: &str,
    ) -> Result<(TenantView, String), AppError> {
        TenantService::create(self, subdomain, plan, owner_email, cause).await
    }

    async fn detail(&self, subdomain: &str) -> Result<TenantDetail, AppError> {
        self.show(subdomain).await
    }

    async fn delete(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        TenantService::delete(self, subdomain, cause).await
    }

    async fn retry(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        TenantService::retry(self, subdomain, cause).await
    }

    async fn progress(&self, job_id: &str, after: i64) -> Result<JobProgress, AppError> {
        TenantService::progress(self, job_id, after).await
    }

    async fn job_owner(&self, job_id: &str) -> Result<Option<String>, AppError> {
        TenantService::job_owner(self, job_id).await
    }

    async fn plans(&self) -> Result<Vec<Plan>, AppError> {
        catalog::plans(self.pool()).await.map_err(internal)
    }

    async fn blueprints(&self) -> Result<Vec<Blueprint>, AppError> {
        catalog::blueprints(self.pool()).await.map_err(internal)
    }

    async fn owned(&self, owner_id: &str) -> Result<Vec<TenantView>, AppError> {
        TenantService::owned(self, owner_id).await
    }

    async fn owner_id(&self, subdomain: &str) -> Result<Option<String>, AppError> {
        TenantService::owner_id(self, subdomain).await
    }

    async fn settings_form(&self, subdomain: &str) -> Result<SettingsForm, AppError> {
        TenantService::settings_form(self, subdomain).await
    }

    async fn update_settings(
        &self,
        subdomain: &str,
        actor_email: &str,
        submitted: &BTreeMap<String, String>,
    ) -> Result<String, AppError> {
        TenantService::update_settings(self, subdomain, actor_email, submitted).await
    }

    async fn health(&self, subdomain: &str) -> Result<TenantHealth, AppError> {
        TenantService::health(self, subdomain).await
    }

    async fn cluster_objects(&self, subdomain: &str) -> Result<Vec<ClusterObjectView>, AppError> {
        TenantService::cluster_objects(self, subdomain).await
    }

    async fn manifests(&self, subdomain: &str) -> Result<String, AppError> {
        TenantService::manifests(self, subdomain).await
    }

    async fn suspend(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        TenantService::suspend(self, subdomain, cause).await
    }

    async fn resume(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        TenantService::resume(self, subdomain, cause).await
    }

    async fn reprovision(&self, subdomain: &str, cause: &str) -> Result<String, AppError> {
        TenantService::reprovision(self, subdomain, cause).await
    }

    fn base_domain(&self) -> String {
        TenantService::base_domain(self).to_owned()
    }

    async fn subdomain_available(&self, subdomain: &str) -> Result<Availability, AppError> {
        TenantService::subdomain_available(self, subdomain).await
    }

    async fn check_new_store(&self, store: &NewStore) -> Result<(), AppError> {
        TenantService::check_new_store(self, store).await.map(drop)
    }

    async fn sign_up_store(
        &self,
        owner_id: &str,
        store: &NewStore,
        pay_first: bool,
        cause: &str,
    ) -> Result<(TenantView, Option<String>), AppError> {
        TenantService::sign_up_store(self, owner_id, store, pay_first, cause).await
    }

    async fn owned_store(&self, subdomain: &str, owner_id: &str) -> Result<TenantDetail, AppError> {
        TenantService::owned_store(self, subdomain, owner_id).await
    }
}
