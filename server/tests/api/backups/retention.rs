//! The retention sweep against real peers: a year of daily backups of one store, pruned with
//! a fixed clock, leaves exactly the grandfather-father-son set in the catalogue and in
//! SeaweedFS; a second sweep removes nothing; unreachable storage removes nothing at all. And
//! each plan reads the policy it was stored with.

use std::collections::BTreeSet;

use app::domain::Retention;
use app::ports::TenantAdmin;
use futures_util::{stream, StreamExt};
use server::backups::object_key;
use server::backups::retention::{prune, Pruned, RetentionError};
use server::storage::{Storage, StorageConfig};

use super::s3_config;
use crate::on_both_databases;
use crate::support::{operator, Backend, TestApp};

on_both_databases!(
    a_year_of_daily_backups_is_pruned_to_the_kept_set_in_catalogue_and_storage,
    unreachable_storage_removes_nothing_and_says_so,
    plans_read_their_retention_and_an_unset_one_the_default,
);

const DAY_MS: i64 = 86_400_000;
/// 2025-06-16T03:00:00Z: day 0 of the year of backups.
const FIRST_BACKUP_MS: i64 = 1_750_042_800_000;
/// 2026-06-15T12:00:00Z, a Monday: day 364, the sweep's clock.
const NOW_MS: i64 = 1_781_524_800_000;

/// Days of the year (0 = 2025-06-16) whose backup the default policy keeps on 2026-06-15:
/// the seven days 06-09 to 06-15; weekly, 06-07 and 05-31 beside days already kept; monthly,
/// the last day of each month from July 2025 to April 2026.
const KEPT_DAYS: [i64; 19] = [
    45, 76, 106, 137, 167, 198, 229, 257, 288, 318, 349, 356, 358, 359, 360, 361, 362, 363, 364,
];

fn backup_id(day: i64) -> String {
    format!("bk-{day:03}")
}

/// A store to hang backups on, and its tenant id.
async fn tenant(app: &TestApp) -> String {
    let subdomain = format!("ret-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.tenants()
        .await
        .create(&operator(), &subdomain, "starter", None)
        .await
        .unwrap();
    app.text(&format!(
        "SELECT id FROM tenants WHERE subdomain = '{subdomain}'"
    ))
    .await
}

/// Catalogue rows for `(id, state, created_at)`, each with its object key.
async fn insert_backups(app: &TestApp, tenant_id: &str, backups: &[(String, &str, i64)]) {
    let values: Vec<String> = backups
        .iter()
        .map(|(id, state, at)| {
            let key = object_key(tenant_id, id);
            format!(
                "('{id}', '{tenant_id}', 'scheduled', '{state}', '{key}', 'schedule', {at}, {at})"
            )
        })
        .collect();
    app.execute(&format!(
        "INSERT INTO backups (id, tenant_id, kind, state, object_key, requested_by, created_at, \
         next_at) VALUES {}",
        values.join(", ")
    ))
    .await;
}

/// Uploads a tiny object under each key, a few at a time.
async fn upload_all(storage: &Storage, keys: &[String]) {
    stream::iter(keys)
        .for_each_concurrent(16, |key| async move {
            storage.upload(key, &b"dump"[..]).await.unwrap();
        })
        .await;
}

/// Which of `keys` storage holds.
async fn stored(storage: &Storage, keys: &[String]) -> BTreeSet<String> {
    stream::iter(keys)
        .map(|key| async move { (key, storage.digest(key).await.unwrap()) })
        .buffer_unordered(16)
        .filter_map(|(key, digest)| async move { digest.map(|_| key.clone()) })
        .collect()
        .await
}

async fn ids_in_catalogue(app: &TestApp) -> BTreeSet<String> {
    let pool = app.pool().await;
    sqlx::query_scalar::<_, String>("SELECT id FROM backups")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn a_year_of_daily_backups_is_pruned_to_the_kept_set_in_catalogue_and_storage(
    backend: Backend,
) {
    let Some(config) = s3_config() else {
        return;
    };
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let storage = Storage::from_config(&config).unwrap().unwrap();
    let tenant_id = tenant(&app).await;
    let mut rows: Vec<(String, &str, i64)> = (0..365)
        .map(|day| (backup_id(day), "done", FIRST_BACKUP_MS + day * DAY_MS))
        .collect();
    // A failure from before the twelve months goes, a recent one stays; a backup still
    // queued or running is never touched, however old.
    rows.push(("failed-old".into(), "failed", FIRST_BACKUP_MS + 2 * DAY_MS));
    rows.push(("failed-new".into(), "failed", NOW_MS - DAY_MS));
    rows.push(("queued-old".into(), "queued", FIRST_BACKUP_MS));
    rows.push(("running-old".into(), "running", FIRST_BACKUP_MS));
    insert_backups(&app, &tenant_id, &rows).await;
    // A backup the owner asked for a year ago is theirs to remove, not retention's.
    rows.push(("manual-old".into(), "done", FIRST_BACKUP_MS + DAY_MS / 2));
    app.execute(&format!(
        "INSERT INTO backups (id, tenant_id, kind, state, object_key, requested_by, created_at, \
         next_at) VALUES ('manual-old', '{tenant_id}', 'manual', 'done', '{}', 'owner', {at}, {at})",
        object_key(&tenant_id, "manual-old"),
        at = FIRST_BACKUP_MS + DAY_MS / 2
    ))
    .await;
    let keys: Vec<String> = rows
        .iter()
        .map(|(id, _, _)| object_key(&tenant_id, id))
        .collect();
    upload_all(&storage, &keys).await;
    assert_eq!(stored(&storage, &keys).await.len(), rows.len());

    let pool = app.pool().await;
    let policy = Retention::default();
    let pruned = prune(&pool, &storage, &tenant_id, &policy, NOW_MS)
        .await
        .unwrap();
    assert_eq!(
        pruned,
        Pruned {
            kept: 19,
            expired: 365 - 19,
            failed: 1,
        }
    );

    let mut expected: BTreeSet<String> = KEPT_DAYS.iter().map(|day| backup_id(*day)).collect();
    expected.extend(["failed-new", "queued-old", "running-old", "manual-old"].map(String::from));
    assert_eq!(ids_in_catalogue(&app).await, expected);
    let expected_keys: BTreeSet<String> = expected
        .iter()
        .map(|id| object_key(&tenant_id, id))
        .collect();
    assert_eq!(stored(&storage, &keys).await, expected_keys);

    // A second sweep at the same time finds nothing more to remove.
    let again = prune(&pool, &storage, &tenant_id, &policy, NOW_MS)
        .await
        .unwrap();
    assert_eq!(
        again,
        Pruned {
            kept: 19,
            ..Pruned::default()
        }
    );
    assert_eq!(ids_in_catalogue(&app).await, expected);
    assert_eq!(stored(&storage, &keys).await, expected_keys);
}

async fn unreachable_storage_removes_nothing_and_says_so(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let nowhere = StorageConfig {
        bucket: Some("backups".into()),
        endpoint: Some("http://127.0.0.1:9".into()),
        access_key_id: Some("id".into()),
        secret_access_key: Some(server::dns::secret::Secret::from("secret".to_owned())),
        region: "us-east-1".into(),
        path_style: true,
        ..StorageConfig::default()
    };
    let storage = Storage::from_config(&nowhere).unwrap().unwrap();
    let tenant_id = tenant(&app).await;
    let rows: Vec<(String, &str, i64)> = [0, 100, 364]
        .into_iter()
        .map(|day| (backup_id(day), "done", FIRST_BACKUP_MS + day * DAY_MS))
        .chain([("failed-old".to_owned(), "failed", FIRST_BACKUP_MS)])
        .collect();
    insert_backups(&app, &tenant_id, &rows).await;
    let before = ids_in_catalogue(&app).await;
    assert_eq!(before.len(), 4);

    let pool = app.pool().await;
    let error = prune(&pool, &storage, &tenant_id, &Retention::default(), NOW_MS)
        .await
        .unwrap_err();
    match &error {
        RetentionError::Storage { key, .. } => {
            assert_eq!(
                key,
                &object_key(&tenant_id, &backup_id(0)),
                "the oldest first"
            )
        }
        other => panic!("not a storage error: {other}"),
    }
    assert!(!error.to_string().contains("secret"), "{error}");
    assert_eq!(ids_in_catalogue(&app).await, before);
}

async fn plans_read_their_retention_and_an_unset_one_the_default(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let pool = app.pool().await;
    let starter = server::db::catalog::plan(&pool, "starter")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        starter.retention,
        Retention {
            daily: 7,
            weekly: 4,
            monthly: 3,
        }
    );
    // A plan stored before retention existed.
    app.execute("UPDATE plans SET retention = NULL WHERE name = 'pro'")
        .await;
    let pro = server::db::catalog::plan(&pool, "pro")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pro.retention, Retention::default());
}
