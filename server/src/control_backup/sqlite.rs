//! SQLite: an online copy with `VACUUM INTO` (a consistent snapshot while the server writes),
//! uploaded from a scratch file; a restore downloads beside the database, checks the copy and
//! puts it in place with one rename, so the database is either the old one or the new one.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use tokio::fs::File;

use super::{file_error, missing_or, ControlBackupError, ObjectAddress, Result};
use crate::storage::{ObjectDigest, Storage};

/// Copies the database to a scratch file and uploads it to `key`.
pub(super) async fn backup(url: &str, storage: &Storage, key: &str) -> Result<ObjectDigest> {
    let path = database_path(url)?;
    tokio::fs::metadata(&path)
        .await
        .map_err(file_error(format!("reading {}", path.display())))?;
    let copy = Scratch::beside(&path, "backup");
    let mut connection = connect(&path).await?;
    sqlx::query("VACUUM INTO ?")
        .bind(copy.path.to_string_lossy().into_owned())
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    let file = File::open(&copy.path)
        .await
        .map_err(file_error(format!("reading {}", copy.path.display())))?;
    Ok(storage.upload(key, file).await?)
}

/// Downloads `from` beside the database, checks it, and renames it over the database.
pub(super) async fn restore(
    url: &str,
    storage: &Storage,
    from: &ObjectAddress,
) -> Result<ObjectDigest> {
    let path = database_path(url)?;
    let folder = folder_of(&path);
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(file_error(format!("creating {}", folder.display())))?;
    let download = Scratch::beside(&path, "restore");
    let mut file = File::create(&download.path)
        .await
        .map_err(file_error(format!("writing {}", download.path.display())))?;
    let digest = storage
        .download(&from.key, &mut file)
        .await
        .map_err(|error| missing_or(error, from))?;
    file.sync_all()
        .await
        .map_err(file_error(format!("writing {}", download.path.display())))?;
    drop(file);
    if let Err(reason) = check(&download.path).await {
        return Err(ControlBackupError::NotUsable {
            address: from.clone(),
            reason,
        });
    }
    settle_journal(&path).await?;
    tokio::fs::rename(&download.path, &path)
        .await
        .map_err(file_error(format!("replacing {}", path.display())))?;
    // The rename lasts once the folder holding it is on disk.
    if let Ok(folder) = File::open(&folder).await {
        let _ = folder.sync_all().await;
    }
    Ok(digest)
}

/// `Ok` when the file is an SQLite database that passes its integrity check and has the
/// migrations table; else what is wrong with it.
async fn check(path: &Path) -> std::result::Result<(), String> {
    let mut connection = connect(path).await.map_err(|e| e.to_string())?;
    let found: std::result::Result<(Vec<String>, i64), sqlx::Error> = async {
        let integrity = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut connection)
            .await?;
        let migrations = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&mut connection)
        .await?;
        Ok((integrity, migrations))
    }
    .await;
    let _ = connection.close().await;
    let (integrity, migrations) = found.map_err(|e| e.to_string())?;
    if integrity != ["ok"] {
        return Err(format!("integrity check: {}", integrity.join("; ")));
    }
    if migrations != 1 {
        return Err("it has no _sqlx_migrations table".to_owned());
    }
    Ok(())
}

/// Folds the old database's write-ahead log into it and removes the log, so no stale log is
/// ever read as the new database's.
async fn settle_journal(path: &Path) -> Result<()> {
    if tokio::fs::metadata(path).await.is_err() {
        return Ok(());
    }
    let mut connection = connect(path).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    for suffix in ["-wal", "-shm"] {
        let side = with_suffix(path, suffix);
        match tokio::fs::remove_file(&side).await {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(file_error(format!("removing {}", side.display()))(error)),
        }
    }
    Ok(())
}

async fn connect(path: &Path) -> Result<SqliteConnection> {
    Ok(SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await?)
}

/// The file an `sqlite://PATH` URL names.
pub(crate) fn database_path(url: &str) -> Result<PathBuf> {
    Ok(SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_path_buf())
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A scratch file beside the database (same file system, so a rename is atomic), removed with
/// its journal files when dropped unless renamed away first.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn beside(database: &Path, purpose: &str) -> Self {
        let name = database
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let unique = uuid::Uuid::new_v4().simple();
        Self {
            path: folder_of(database).join(format!(".{name}.{purpose}-{unique}")),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(with_suffix(&self.path, suffix));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_the_file_and_scratch_files_sit_beside_it() {
        let path = database_path("sqlite://data/storefleet.db").unwrap();
        assert_eq!(path, Path::new("data/storefleet.db"));
        let scratch = Scratch::beside(&path, "restore");
        assert_eq!(scratch.path.parent(), Some(Path::new("data")));
        let name = scratch.path.file_name().unwrap().to_string_lossy();
        assert!(name.starts_with(".storefleet.db.restore-"), "{name}");
        let bare = Scratch::beside(Path::new("x.db"), "backup");
        assert_eq!(bare.path.parent(), Some(Path::new(".")));
        assert_eq!(
            with_suffix(&path, "-wal"),
            Path::new("data/storefleet.db-wal")
        );
    }
}
