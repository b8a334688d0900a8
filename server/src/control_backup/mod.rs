//! The control plane's own database, backed up to object storage and restored from it.
//! SQLite is copied online with `VACUUM INTO`, consistent while the server writes; PostgreSQL
//! is a `pg_dump --format=custom` streamed straight into storage. A restore replaces the whole
//! database, so it wants the server stopped and the operator's confirmation.

mod address;
pub(crate) mod postgres;
mod schedule;
pub(crate) mod sqlite;

use crate::db::{self, Backend, DbError};
use crate::storage::{ObjectDigest, Storage, StorageConfig, StorageConfigError, StorageError};

pub use address::{AddressError, BackupFolder, ObjectAddress};
pub use schedule::{spawn, ScheduleConfig};

/// What went wrong backing up or restoring the control plane's database. Its text says what
/// to do, names the object and the database without its password, and never shows a key.
#[derive(Debug, thiserror::Error)]
pub enum ControlBackupError {
    /// An address that is not `s3://BUCKET/KEY`.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// No keys to reach the storage with.
    #[error(
        "no object storage is configured: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
         (and STOREFLEET_S3_ENDPOINT for storage other than AWS S3)"
    )]
    NoStorage,
    /// Storage settings that do not go together.
    #[error("object storage settings: {0}")]
    Settings(StorageConfigError),
    /// The storage refused or could not be reached. Its text already holds its causes, so it
    /// is not repeated as a source.
    #[error("{0}")]
    Storage(StorageError),
    /// Nothing is stored at the address.
    #[error("there is no backup at {0}")]
    Missing(ObjectAddress),
    /// A database URL that is neither SQLite nor PostgreSQL.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The SQLite database could not be read or copied.
    #[error("the SQLite database: {0}")]
    Sqlite(#[from] sqlx::Error),
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    File {
        /// What was being done, naming the file.
        context: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// `pg_dump` or `pg_restore` is not installed.
    #[error("{0} was found neither in /usr/lib/postgresql/*/bin nor on PATH: install the PostgreSQL client")]
    ToolMissing(&'static str),
    /// `pg_dump` or `pg_restore` failed.
    #[error("{tool} failed ({status}): {stderr}")]
    Tool {
        /// Which.
        tool: &'static str,
        /// How it ended.
        status: String,
        /// What it said last.
        stderr: String,
    },
    /// The object is not a storefleet SQLite database; the database was left as it was.
    #[error("{address} is not a storefleet SQLite database ({reason}); nothing was changed")]
    NotUsable {
        /// The object.
        address: ObjectAddress,
        /// What the check found.
        reason: String,
    },
    /// A restore without `--yes`.
    #[error(
        "restoring replaces the whole database {0}: stop every `storefleet serve` using it, \
         then run again with --yes"
    )]
    Unconfirmed(String),
    /// Scheduled backups half set.
    #[error(
        "scheduled backups of the control plane need both --db-backup-every-hours and \
         --db-backup-to (STOREFLEET_DB_BACKUP_EVERY_HOURS, STOREFLEET_DB_BACKUP_TO)"
    )]
    HalfSchedule,
}

impl From<StorageError> for ControlBackupError {
    fn from(error: StorageError) -> Self {
        Self::Storage(error)
    }
}

/// The result of backing up or restoring.
pub type Result<T, E = ControlBackupError> = std::result::Result<T, E>;

/// Backs the database at `database_url` up to `to`; what storage now holds there.
pub async fn backup(
    database_url: &str,
    storage: &StorageConfig,
    to: &ObjectAddress,
) -> Result<ObjectDigest> {
    let backend = Backend::of(database_url)?;
    let storage = storage_for(storage, &to.bucket)?;
    match backend {
        Backend::Sqlite => sqlite::backup(database_url, &storage, &to.key).await,
        Backend::Postgres => postgres::backup(database_url, &storage, &to.key).await,
    }
}

/// Replaces the database at `database_url` with the backup at `from`, once `confirmed` (every
/// server using the database must be stopped); what was read from storage.
pub async fn restore(
    database_url: &str,
    storage: &StorageConfig,
    from: &ObjectAddress,
    confirmed: bool,
) -> Result<ObjectDigest> {
    let backend = Backend::of(database_url)?;
    if !confirmed {
        return Err(ControlBackupError::Unconfirmed(db::redact(database_url)));
    }
    let storage = storage_for(storage, &from.bucket)?;
    match backend {
        Backend::Sqlite => sqlite::restore(database_url, &storage, from).await,
        Backend::Postgres => postgres::restore(database_url, &storage, from).await,
    }
}

/// The storage holding `bucket`, its keys whole: the address names the bucket and the full
/// key, so the configured bucket and prefix do not apply.
fn storage_for(config: &StorageConfig, bucket: &str) -> Result<Storage> {
    let config = StorageConfig {
        bucket: Some(bucket.to_owned()),
        prefix: String::new(),
        ..config.clone()
    };
    config.check().map_err(|error| match error {
        StorageConfigError::MissingKeys => ControlBackupError::NoStorage,
        other => ControlBackupError::Settings(other),
    })?;
    Storage::from_config(&config)?.ok_or(ControlBackupError::NoStorage)
}

/// A storage error, or [`ControlBackupError::Missing`] when it says there is no such object.
fn missing_or(error: StorageError, address: &ObjectAddress) -> ControlBackupError {
    match error {
        StorageError::Store(object_store::Error::NotFound { .. }) => {
            ControlBackupError::Missing(address.clone())
        }
        other => other.into(),
    }
}

/// Maps an I/O error to one that names what was being done.
fn file_error(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ControlBackupError {
    let context = context.into();
    move |source| ControlBackupError::File { context, source }
}
