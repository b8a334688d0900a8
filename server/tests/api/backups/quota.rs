//! A dump Job asks for resources like any pod: a namespace whose quota has no room for it
//! refuses its pod, and the backup fails at once with the quota named, not at its deadline.

use app::domain::backup::{BackupKind, BackupState};
use server::backups::BackupService;

use super::flow::{backing_app, ready_store, settled, storage_of};
use super::s3_config;
use crate::on_both_databases;
use crate::support::{operator, Backend};

on_both_databases!(a_dump_job_the_quota_refuses_fails_the_backup_naming_the_quota);

async fn a_dump_job_the_quota_refuses_fails_the_backup_naming_the_quota(backend: Backend) {
    let Some(config) = s3_config() else {
        return;
    };
    let Some((app, _)) = backing_app(backend, config).await else {
        return;
    };
    // Room for the serving store's 2.5 CPU of limits, not for a 0.5 CPU dump beside it.
    app.execute(
        r#"UPDATE plans SET quota = '{"cpu":"2700m","memory":"2Gi","storage":"20Gi","pods":10}' WHERE name = 'starter'"#,
    )
    .await;
    let store = ready_store(&app, "bq").await;
    let backups = BackupService::new(app.pool().await, Some(storage_of(&app)));
    let asked = backups
        .request(&operator(), &store, BackupKind::Manual)
        .await
        .unwrap();
    let failed = settled(&backups, &asked.id).await;
    assert_eq!(failed.state, BackupState::Failed);
    let error = failed.error.unwrap_or_default();
    assert!(error.contains("its pod was refused"), "{error}");
    assert!(error.contains("exceeded quota"), "{error}");
    assert!(error.contains("limits.cpu"), "{error}");
}
