//! The catalogue as the UI's `Catalog` port.

use async_trait::async_trait;
use sqlx::AnyPool;

use app::domain::{Blueprint, Plan};
use app::error::AppError;
use app::ports::Catalog;

use crate::db::{catalog, DbError};

/// Plans and blueprints over the database.
#[derive(Clone)]
pub struct CatalogService {
    pool: AnyPool,
}

impl CatalogService {
    /// The catalogue in this database.
    pub fn new(pool: AnyPool) -> Self {
        Self { pool }
    }
}

fn internal(error: DbError) -> AppError {
    tracing::error!(error = %error, "catalogue query failed");
    AppError::Internal
}

#[async_trait]
impl Catalog for CatalogService {
    async fn plans(&self) -> Result<Vec<Plan>, AppError> {
        catalog::plans(&self.pool).await.map_err(internal)
    }

    async fn blueprints(&self) -> Result<Vec<Blueprint>, AppError> {
        catalog::blueprints(&self.pool).await.map_err(internal)
    }
}
