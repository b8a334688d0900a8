//! Why a backup was not taken as asked.

use app::error::AppError;

use crate::db::DbError;

/// Why a backup was not queued or shown.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// No storage is configured.
    #[error("backups are off: no object storage is configured (STOREFLEET_S3_BUCKET)")]
    Off,
    /// No store by that subdomain.
    #[error("there is no store {0:?}")]
    NoStore(String),
    /// The store cannot be backed up in its state.
    #[error("the store is {0}: only a ready or updating store's database can be backed up")]
    NotRunning(&'static str),
    /// No such backup.
    #[error("there is no such backup")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<BackupError> for AppError {
    fn from(error: BackupError) -> Self {
        match error {
            BackupError::Off | BackupError::NotRunning(_) => AppError::Conflict(error.to_string()),
            BackupError::NoStore(_) | BackupError::NotFound => AppError::NotFound,
            BackupError::Db(error) => error.into(),
        }
    }
}
