//! A dump larger than one part goes up in parts through links minted for that one upload, and
//! is stored whole; a dump larger than its parts can hold fails with its size named. Either
//! way no part is left behind in storage.

use app::domain::backup::{BackupKind, BackupState};
use server::backups::BackupService;
use server::storage::StorageConfig;
use sha2::{Digest, Sha256};

use super::flow::{backing_app_with, ready_store, settled, storage_of, store_sql};
use super::{open_uploads, s3_config};
use crate::on_both_databases;
use crate::support::{operator, Backend};

on_both_databases!(
    a_dump_larger_than_a_part_is_stored_whole_from_its_parts,
    a_dump_larger_than_its_parts_hold_fails_and_leaves_no_part,
);

/// About 12.5 MiB of random bytes, which no compression shrinks: three parts of 5 MiB.
const LARGE: &str = "CREATE TABLE blobs (b bytea); \
    INSERT INTO blobs SELECT (SELECT decode(string_agg(md5(random()::text || g || s), ''), 'hex') \
    FROM generate_series(1, 2048) s) FROM generate_series(1, 400) g;";

/// A store holding [`LARGE`] data, backed up to `storage` in parts of 5 MiB, `parts` at most.
async fn large_backup(
    backend: Backend,
    storage: StorageConfig,
    parts: u64,
) -> Option<(
    crate::support::TestApp,
    String,
    app::domain::backup::BackupView,
)> {
    let (app, admin) = backing_app_with(backend, storage, |config, _| {
        config.backup_part_mib = 5;
        config.backup_parts = parts;
    })
    .await?;
    let store = ready_store(&app, "bp").await;
    store_sql(&admin, &app.namespace(&store).await, LARGE).await;
    let backups = BackupService::new(app.pool().await, Some(storage_of(&app)));
    let asked = backups
        .request(&operator(), &store, BackupKind::Manual)
        .await
        .unwrap();
    let done = settled(&backups, &asked.id).await;
    Some((app, store, done))
}

async fn a_dump_larger_than_a_part_is_stored_whole_from_its_parts(backend: Backend) {
    let Some(config) = s3_config() else {
        return;
    };
    let Some((app, store, done)) = large_backup(backend, config.clone(), 64).await else {
        return;
    };
    assert_eq!(done.state, BackupState::Done, "{:?}", done.error);
    let size = done.size.unwrap();
    assert!(
        size > 10 * 1024 * 1024,
        "three parts at least: {size} bytes"
    );

    // What storage holds is the whole dump: its bytes hash to what the catalogue says.
    let tenant = app
        .text(&format!(
            "SELECT id FROM tenants WHERE subdomain = '{store}'"
        ))
        .await;
    let key = server::backups::object_key(&tenant, &done.id);
    let link = storage_of(&app)
        .download_link(&key, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    let bytes = reqwest::get(link).await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, size);
    assert_eq!(Some(hex::encode(Sha256::digest(&bytes))), done.sha256);
    assert_eq!(open_uploads(&config).await, 0, "the upload was completed");
}

async fn a_dump_larger_than_its_parts_hold_fails_and_leaves_no_part(backend: Backend) {
    let Some(config) = s3_config() else {
        return;
    };
    let Some((_app, _store, failed)) = large_backup(backend, config.clone(), 1).await else {
        return;
    };
    assert_eq!(failed.state, BackupState::Failed);
    assert_eq!(failed.attempts, 3);
    let error = failed.error.unwrap_or_default();
    assert!(
        error.contains("an upload holds at most 1 parts of 5 MiB"),
        "the dump's size is named: {error}"
    );
    assert_eq!(failed.size, None);
    // Each try's upload was aborted when the try failed.
    assert_eq!(open_uploads(&config).await, 0);
}
