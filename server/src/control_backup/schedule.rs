//! A backup of the control plane's database every few hours while `storefleet serve` runs,
//! each to `<prefix>/control-<RFC 3339 time>.dump`. A failed backup is logged and the next one
//! comes at its time.

use std::time::Duration;

use clap::Args;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::{BackupFolder, ControlBackupError, Result};
use crate::storage::StorageConfig;

/// Settings of the scheduled backups of the control plane's database.
#[derive(Debug, Clone, Default, Args)]
pub struct ScheduleConfig {
    /// Back the control plane's own database up every this many hours (with
    /// `--db-backup-to`); unset: never.
    #[arg(
        long = "db-backup-every-hours",
        env = "STOREFLEET_DB_BACKUP_EVERY_HOURS",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub every_hours: Option<u32>,

    /// Where scheduled backups go: `s3://BUCKET/PREFIX`, each as
    /// `PREFIX/control-<RFC 3339 time>.dump`. The bucket here is the one used.
    #[arg(long = "db-backup-to", env = "STOREFLEET_DB_BACKUP_TO")]
    pub to: Option<String>,
}

impl ScheduleConfig {
    /// The folder and the period when scheduled backups are on; an error when the settings do
    /// not go together, for start-up to refuse.
    pub fn plan(&self) -> Result<Option<(BackupFolder, Duration)>> {
        match (self.every_hours, &self.to) {
            (None, None) => Ok(None),
            (Some(hours), Some(to)) => Ok(Some((
                BackupFolder::parse(to)?,
                Duration::from_secs(u64::from(hours) * 3600),
            ))),
            _ => Err(ControlBackupError::HalfSchedule),
        }
    }
}

/// Starts backing the database up on `schedule`, the first one period from now, until `stop`
/// turns true (or its sender is dropped); `None` when scheduled backups are off, or their
/// settings are wrong (logged: check them at start-up with [`ScheduleConfig::plan`]).
pub fn spawn(
    database_url: &str,
    storage: &StorageConfig,
    schedule: &ScheduleConfig,
    mut stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let (folder, every) = match schedule.plan() {
        Ok(Some(plan)) => plan,
        Ok(None) => return None,
        Err(error) => {
            tracing::error!(%error, "scheduled control-plane backups are off");
            return None;
        }
    };
    let database_url = database_url.to_owned();
    let storage = storage.clone();
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stopped(&mut stop) => return,
            }
            let now = crate::clock::now_ms() / 1000 * 1000;
            let to = folder.object_at(&crate::clock::rfc3339(now));
            tokio::select! {
                done = super::backup(&database_url, &storage, &to) => match done {
                    Ok(digest) => tracing::info!(
                        to = %to, size = digest.size, sha256 = %digest.sha256,
                        "control-plane database backed up"
                    ),
                    Err(error) => tracing::error!(
                        to = %to, %error, "control-plane database backup failed"
                    ),
                },
                _ = stopped(&mut stop) => return,
            }
        }
    }))
}

/// Resolves once `stop` is true or can no longer change.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_settings_or_neither() {
        assert!(ScheduleConfig::default().plan().unwrap().is_none());
        let on = ScheduleConfig {
            every_hours: Some(6),
            to: Some("s3://backups/control".into()),
        };
        let (folder, every) = on.plan().unwrap().unwrap();
        assert_eq!(folder.prefix, "control");
        assert_eq!(every, Duration::from_secs(6 * 3600));
        let half = ScheduleConfig {
            to: None,
            ..on.clone()
        };
        assert!(matches!(half.plan(), Err(ControlBackupError::HalfSchedule)));
        let bad = ScheduleConfig {
            to: Some("backups".into()),
            ..on
        };
        assert!(matches!(bad.plan(), Err(ControlBackupError::Address(_))));
    }
}
