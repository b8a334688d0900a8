//! Dumps run a bounded number at once (`STOREFLEET_BACKUP_PARALLEL`): with a limit of one,
//! three stores' backups are taken one after another, never two dumps at the same time, and
//! all are stored.

use std::time::Duration;

use app::domain::backup::{BackupKind, BackupState};
use server::backups::BackupService;

use super::flow::{backing_app_with, ready_store, storage_of};
use super::s3_config;
use crate::on_both_databases;
use crate::support::{operator, Backend};

on_both_databases!(dumps_beyond_the_limit_wait_their_turn);

async fn dumps_beyond_the_limit_wait_their_turn(backend: Backend) {
    let Some(config) = s3_config() else {
        return;
    };
    let Some((app, _)) = backing_app_with(backend, config, |config, _| {
        config.backup_parallel = 1;
    })
    .await
    else {
        return;
    };
    let mut stores = Vec::new();
    for _ in 0..3 {
        stores.push(ready_store(&app, "bl").await);
    }
    let backups = BackupService::new(app.pool().await, Some(storage_of(&app)));
    let mut asked = Vec::new();
    for store in &stores {
        let backup = backups
            .request(&operator(), store, BackupKind::Manual)
            .await
            .unwrap();
        asked.push(backup.id);
    }
    let mut most = 0;
    for _ in 0..1200 {
        most = most.max(
            app.scalar("SELECT COUNT(*) FROM backups WHERE state = 'running'")
                .await,
        );
        let done = app
            .scalar("SELECT COUNT(*) FROM backups WHERE state = 'done'")
            .await;
        if done == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(most, 1, "never two dumps at once, and one did run");
    for id in asked {
        assert_eq!(backups.show(&id).await.unwrap().state, BackupState::Done);
    }
}
