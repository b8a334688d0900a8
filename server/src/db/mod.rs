//! The database: one schema (`migrations/`) and one set of queries for SQLite and PostgreSQL,
//! through sqlx's `Any` driver.

pub mod api_tokens;
pub mod audit;
pub mod backups;
pub mod billing;
pub mod catalog;
mod claim;
pub mod dns_records;
pub mod drift;
pub mod drill_fleet;
pub mod drills;
pub mod filter;
pub mod job_events;
pub mod jobs;
pub mod lease;
pub mod login_failures;
pub mod outbox;
pub mod overview;
pub mod pools;
pub mod releases;
pub mod restores;
pub mod rollout_steps;
pub mod rollouts;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod tenant_search;
pub mod tenants;
mod transitions;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Any, AnyPool, Connection, Database, Executor, Postgres, Sqlite};

use sessions::SessionStoreKind;

/// Errors of the database edge.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names a database this server does not speak.
    #[error("unsupported DATABASE_URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The folder for the SQLite file could not be created.
    #[error("cannot create the folder for the SQLite database: {0}")]
    Folder(#[source] std::io::Error),
    /// A query or connection failed.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A row broke an invariant the schema cannot express.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Result of database operations.
pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// Which database engine is behind the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Reads the engine from a database URL.
    pub fn of(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::UnsupportedUrl(redact(url)))
        }
    }
}

/// A connected database: the pool for queries and the session store beside it.
#[derive(Debug, Clone)]
pub struct Db {
    /// The pool every query runs on.
    pub pool: AnyPool,
    /// The session store, on its own small pool of the same database.
    pub sessions: SessionStoreKind,
    /// The engine behind the pool.
    pub backend: Backend,
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection may rest in a pool and still be handed out without a ping first.
/// Pinging on every hand-out is a round trip per statement (on SQLite a hop to the
/// connection's thread and back): in a profile of `bench admin-page` it took 7 % of the
/// process's time. A connection used this recently is alive unless the server went away in
/// between, and then its statement fails with that error and the pool drops it.
const TRUSTED_REST: Duration = Duration::from_secs(30);

/// A pool's settings: connections that rested past [`TRUSTED_REST`] are pinged before use.
fn pool_options<DB: Database>(max_connections: u32) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|conn: &mut DB::Connection, rest| {
            Box::pin(async move {
                if rest.idle_for >= TRUSTED_REST {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// Connections to an SQLite file. SQLite lets one writer in at a time, and a writer that finds
/// the file locked sleeps (1, 2, 5, 10 … up to 100 ms) before it tries again, so the more
/// connections write at once, the longer the slowest write takes while the lock sits idle.
/// Measured with `storefleet bench progress` (500 streams, 50 stores built at once): a job's
/// event reached its pages with a p99 of 112 ms over 8 connections, 69 ms over 4. Reads,
/// quick on SQLite, kept their pace (`bench admin-page`).
const SQLITE_CONNECTIONS: u32 = 4;

/// The schema's state against this binary's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// How many migrations this binary has.
    pub known: usize,
    /// The ones not applied, as `<version> <description>`.
    pub pending: Vec<String>,
    /// How many applied ones this binary does not have.
    pub unknown: usize,
}

impl Db {
    /// Connects to the database, creating an SQLite file (and its folder) if missing.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)?;
        match backend {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(10));
                if let Some(folder) = options.get_filename().parent() {
                    if !folder.as_os_str().is_empty() && folder != Path::new("") {
                        std::fs::create_dir_all(folder).map_err(DbError::Folder)?;
                    }
                }
                let session_pool = pool_options::<Sqlite>(4)
                    .connect_with(options.clone())
                    .await?;
                // The file now exists in WAL mode; the query pool opens the same file.
                let pool = pool_options::<Any>(SQLITE_CONNECTIONS)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")
                                .await
                                .map(|_| ())
                        })
                    })
                    .connect(url)
                    .await?;
                Ok(Self {
                    pool,
                    sessions: SessionStoreKind::sqlite(session_pool),
                    backend,
                })
            }
            Backend::Postgres => {
                let session_pool = pool_options::<Postgres>(4).connect(url).await?;
                let pool = pool_options::<Any>(16).connect(url).await?;
                Ok(Self {
                    pool,
                    sessions: SessionStoreKind::postgres(session_pool),
                    backend,
                })
            }
        }
    }

    /// Brings the schema up to date: the migrations and the session store's table.
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("../migrations").run(&self.pool).await?;
        self.sessions.migrate().await?;
        Ok(())
    }

    /// The schema's state against this binary's migrations: which of them the database has
    /// not applied (`migrate` would), and how many it has applied that this binary does not
    /// know (a newer storefleet migrated it). A database never migrated has applied none.
    pub async fn schema(&self) -> Result<Schema> {
        let migrator = sqlx::migrate!("../migrations");
        // Only a missing table fails here once `ping` has passed: nothing was applied.
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await
                .unwrap_or_default();
        let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        Ok(Schema {
            known: known.len(),
            pending: migrator
                .iter()
                .filter(|m| !applied.contains(&m.version))
                .map(|m| format!("{} {}", m.version, m.description))
                .collect(),
            unknown: applied.iter().filter(|v| !known.contains(v)).count(),
        })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("****"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Whether an error is a unique-constraint violation (same on both engines).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_backend_from_the_url() {
        assert_eq!(Backend::of("sqlite://data/x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert!(Backend::of("mysql://u:secret@h/db").is_err());
    }

    #[test]
    fn errors_never_show_the_password() {
        let error = Backend::of("mysql://user:hunter2@host/db").unwrap_err();
        assert!(!error.to_string().contains("hunter2"));
        assert!(redact("postgres://u:hunter2@h/db").contains("****"));
    }
}
