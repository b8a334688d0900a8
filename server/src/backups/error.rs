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
    #[error("the store is {0}: it must be ready (or, for a backup, updating)")]
    NotRunning(&'static str),
    /// No such backup (of this store).
    #[error("there is no such backup")]
    NotFound,
    /// A restore not confirmed by typing the store's subdomain.
    #[error("type the store's subdomain to confirm the restore: it replaces all its data")]
    Unconfirmed,
    /// A backup that is not stored cannot be restored.
    #[error("the backup is {0}: only a stored backup can be restored")]
    NotStored(&'static str),
    /// The object storage failed.
    #[error("{0}")]
    Storage(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<BackupError> for AppError {
    fn from(error: BackupError) -> Self {
        match error {
            BackupError::Off | BackupError::NotRunning(_) | BackupError::NotStored(_) => {
                AppError::Conflict(error.to_string())
            }
            BackupError::Unconfirmed => AppError::Invalid(error.to_string()),
            BackupError::NoStore(_) | BackupError::NotFound => AppError::NotFound,
            BackupError::Storage(cause) => {
                tracing::warn!(%cause, "object storage failed");
                AppError::Unavailable("the backup storage cannot be reached now".to_owned())
            }
            BackupError::Db(error) => error.into(),
        }
    }
}
