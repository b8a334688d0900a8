//! `storefleet doctor`: checks the settings `storefleet serve` would run with and every
//! dependency they name, prints one line per check with the fix of each failure, and fails
//! when any check does.

use crate::cluster::connect::{self, Connected};
use crate::cluster::SimOptions;
use crate::config::{DbConfig, ServeConfig};
use crate::db::{Backend, Db};
use crate::doctor::{self, ClusterSubject, Subjects};

/// Runs the checks and prints them; an error when any failed.
pub async fn run(db: &DbConfig, config: &ServeConfig) -> anyhow::Result<()> {
    let database = match missing_sqlite_file(&db.database_url) {
        Some(path) => Err(format!(
            "no database file at {path}; `storefleet migrate` makes one"
        )),
        None => Db::connect(&db.database_url)
            .await
            .map_err(|e| e.to_string()),
    };
    // A simulated cluster started here is a throw-away one: it must not load or write the
    // state file of a server running beside it.
    let sim = SimOptions {
        state_file: None,
        databases: None,
        ..config.sim_options()
    };
    let connected = connect::connect(config.cluster_mode, sim)
        .await
        .map_err(|e| format!("{e:#}"));
    let checks = doctor::examine(&Subjects {
        config,
        database_url: &db.database_url,
        database: database.as_ref().map_err(Clone::clone),
        cluster: connected
            .as_ref()
            .map(|Connected { client, simulated }| ClusterSubject {
                client,
                simulated: simulated.is_some(),
            })
            .map_err(Clone::clone),
    })
    .await;
    print!("{}", doctor::render(&checks));
    if let Ok(Connected {
        simulated: Some(cluster),
        ..
    }) = connected
    {
        let _ = cluster.stop().await;
    }
    anyhow::ensure!(doctor::all_passed(&checks), "some checks failed");
    Ok(())
}

/// The file of an SQLite URL when it does not exist: the doctor looks, it never creates one.
fn missing_sqlite_file(url: &str) -> Option<String> {
    if !matches!(Backend::of(url), Ok(Backend::Sqlite)) {
        return None;
    }
    let path = crate::control_backup::sqlite::database_path(url).ok()?;
    let in_memory = path.as_os_str().is_empty() || path.as_os_str() == ":memory:";
    (!in_memory && !path.exists()).then(|| path.display().to_string())
}
