//! Why a drill was not queued or shown.

use app::error::AppError;

use crate::db::DbError;

/// Why a drill was not queued or shown.
#[derive(Debug, thiserror::Error)]
pub enum DrillError {
    /// No storage or no drill PostgreSQL is configured.
    #[error(
        "restore drills are off: they need object storage (STOREFLEET_S3_BUCKET) and a \
         PostgreSQL server to restore into (STOREFLEET_DRILL_POSTGRES_URL)"
    )]
    Off,
    /// No store by that subdomain.
    #[error("there is no store {0:?}")]
    NoStore(String),
    /// The store has no stored backup to restore.
    #[error("the store {0:?} has no stored backup to drill")]
    NoBackup(String),
    /// No such drill.
    #[error("there is no such drill")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<DrillError> for AppError {
    fn from(error: DrillError) -> Self {
        match error {
            DrillError::Off | DrillError::NoBackup(_) => AppError::Conflict(error.to_string()),
            DrillError::NoStore(_) | DrillError::NotFound => AppError::NotFound,
            DrillError::Db(error) => error.into(),
        }
    }
}
