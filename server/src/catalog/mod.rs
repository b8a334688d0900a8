//! The catalogue: blueprints and plans, and whether a plan's quota holds its blueprint.

pub mod defaults;
pub mod fit;
pub mod service;

pub use service::CatalogService;

use sqlx::AnyPool;

use crate::db::{self, catalog, DbError};

/// Why the default catalogue could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A default plan cannot hold its blueprint's workloads.
    #[error("plan refused: {0}")]
    PlanDoesNotFit(#[from] fit::FitError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Stores the default blueprint and plans where missing. The default plans must fit their
/// blueprint; stored plans that do not (kept from an older version, or changed by hand) are
/// logged with the numbers, and left as they are.
pub async fn seed_defaults(pool: &AnyPool) -> Result<(), SeedError> {
    let blueprints = [defaults::store_blueprint()];
    let plans = defaults::plans();
    if let Some(refused) = fit::check_all(&plans, &blueprints).into_iter().next() {
        return Err(refused.into());
    }
    catalog::seed(pool, &blueprints, &plans, crate::clock::now_ms()).await?;
    let stored = catalog::plans(pool).await?;
    for refused in fit::check_all(&stored, &catalog::blueprints(pool).await?) {
        tracing::warn!(error = %refused, "a plan's quota cannot hold its blueprint: its stores would never start on a real cluster");
    }
    Ok(())
}

/// Brings a database up to date: its schema, then the default catalogue.
pub async fn prepare(db: &db::Db) -> Result<(), SeedError> {
    db.migrate().await?;
    seed_defaults(&db.pool).await
}
