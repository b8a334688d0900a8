//! The tenant service as the UI's `Tenants` port.

use async_trait::async_trait;

use app::domain::{
    Blueprint, JobProgress, Plan, TenantDetail, TenantPage, TenantQuery, TenantView,
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
}
