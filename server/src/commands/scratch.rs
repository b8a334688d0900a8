//! A throw-away database for a benchmark: a temporary SQLite file, or a new database on a
//! PostgreSQL server, removed at the end.

use std::path::PathBuf;

use anyhow::{bail, Context};
use sqlx::{Connection, Executor, PgConnection};

use crate::db::{self, Backend};

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
