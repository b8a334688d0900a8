//! The catalogue as the UI's `Catalog` port. Its only failure is the database's
//! ([`crate::db::DbError`]), converted at the port.

use async_trait::async_trait;
use sqlx::AnyPool;

use app::domain::{Blueprint, Plan};
use app::error::AppError;
use app::ports::Catalog;

use crate::db::catalog;

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

#[async_trait]
impl Catalog for CatalogService {
    async fn plans(&self) -> Result<Vec<Plan>, AppError> {
        Ok(catalog::plans(&self.pool).await?)
    }

    async fn blueprints(&self) -> Result<Vec<Blueprint>, AppError> {
        Ok(catalog::blueprints(&self.pool).await?)
    }
}
