//! A throw-away database for a benchmark: a temporary SQLite file, or a new database on a
//! PostgreSQL server, removed at the end.

use std::path::PathBuf;

use anyhow::{bail, Context};
use sqlx::{Connection, Executor, PgConnection};

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;

use crate::cluster::{SimCluster, SimOptions};
use crate::config::DbConfig;
use crate::db::{self, Backend};
use crate::provision::engine::Engine;
use crate::provision::manifests::ClusterSettings;
use crate::serve;

/// A database no one else uses, removed at the end.
pub struct ScratchDatabase {
    /// Its URL.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(PathBuf),
    Postgres { server: String, name: String },
}

impl ScratchDatabase {
    /// A temporary SQLite file, or a new database on the server of a PostgreSQL URL.
    pub async fn create(server: Option<&str>) -> anyhow::Result<Self> {
        let name = format!("storefleet_bench_{}", uuid::Uuid::new_v4().simple());
        match server {
            None => {
                let folder = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&folder)
                    .with_context(|| format!("creating {}", folder.display()))?;
                Ok(Self {
                    url: format!("sqlite://{}", folder.join("bench.db").display()),
                    cleanup: Cleanup::Folder(folder),
                })
            }
            Some(server) => {
                if Backend::of(server)? != Backend::Postgres {
                    bail!("--database-url must name a PostgreSQL server");
                }
                let mut conn = PgConnection::connect(server)
                    .await
                    .with_context(|| format!("connecting to {}", db::redact(server)))?;
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await?;
                conn.close().await?;
                let mut url = url::Url::parse(server)?;
                url.set_path(&name);
                Ok(Self {
                    url: url.to_string(),
                    cleanup: Cleanup::Postgres {
                        server: server.to_owned(),
                        name,
                    },
                })
            }
        }
    }

    /// Removes it.
    pub async fn drop_it(self) {
        match self.cleanup {
            Cleanup::Folder(folder) => {
                if let Err(error) = std::fs::remove_dir_all(&folder) {
                    eprintln!("could not remove {}: {error}", folder.display());
                }
            }
            Cleanup::Postgres { server, name } => {
                let dropped = async {
                    let mut conn = PgConnection::connect(&server).await?;
                    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await?;
                    conn.close().await
                }
                .await;
                if let Err(error) = dropped {
                    eprintln!("could not drop the database {name}: {error}");
                }
            }
        }
    }
}

/// A benchmark's control plane on the scratch database at `url`: the database opened and
/// migrated, an in-process simulated cluster whose pods are ready at once (giving each
/// tenant a real database on the PostgreSQL server `databases`, if any), and the engine
/// driving it.
pub async fn control_plane(
    url: &str,
    settings: ClusterSettings,
    databases: Option<String>,
) -> anyhow::Result<(AnyPool, SimCluster, Arc<Engine>)> {
    let database = serve::open_database(&DbConfig {
        database_url: url.to_owned(),
    })
    .await?;
    let cluster = SimCluster::start(SimOptions {
        ready_delay: Duration::ZERO,
        databases,
        ..SimOptions::default()
    })
    .await?;
    let engine = Arc::new(Engine::new(
        database.pool.clone(),
        cluster.engine_client()?,
        settings,
    ));
    Ok((database.pool, cluster, engine))
}
