//! A store's backup, end to end: its real database (the simulated cluster's, on the test
//! PostgreSQL) dumped by the dump Job's real commands, uploaded to SeaweedFS through a link for
//! that one object, and recorded with the size and SHA-256 storage holds. Storage that refuses
//! the upload fails the backup visibly after its tries, with nothing recorded as done.

use std::time::Duration;

use app::domain::backup::{BackupKind, BackupState, BackupView};
use app::domain::TenantState;
use app::ports::TenantAdmin;
use server::backups::BackupService;
use server::cluster::sim::databases::tenant_url;
use server::config::ServeConfig;
use server::dns::secret::Secret;
use server::storage::{Storage, StorageConfig};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgPoolOptions;

use super::s3_config;
use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::{operator, test_config, Backend, TestApp};

on_both_databases!(
    a_backup_holds_the_stores_data_with_the_size_and_hash_recorded,
    storage_that_refuses_the_upload_fails_the_backup_after_its_tries,
    a_restore_in_place_puts_the_backed_up_data_back_after_saving_the_current,
);

/// A server whose simulated cluster gives each store a real database, backing up to `storage`;
/// `None` when a peer is missing.
pub(crate) async fn backing_app(
    backend: Backend,
    storage: StorageConfig,
) -> Option<(TestApp, String)> {
    backing_app_with(backend, storage, |_, _| {}).await
}

/// [`backing_app`], its settings changed by `change` (given the PostgreSQL admin URL) first.
pub(crate) async fn backing_app_with(
    backend: Backend,
    storage: StorageConfig,
    change: impl FnOnce(&mut ServeConfig, &str),
) -> Option<(TestApp, String)> {
    let admin = std::env::var("STOREFLEET_TEST_POSTGRES_URL").ok()?;
    let mut config = test_config();
    config.sim_postgres_url = Some(admin.clone());
    config.storage = storage;
    config.job_step_timeout_secs = Some(20);
    change(&mut config, &admin);
    let app = TestApp::spawn_with(backend, config).await?;
    Some((app, admin))
}

/// The storage the test server backs up to.
pub(crate) fn storage_of(app: &TestApp) -> Storage {
    Storage::from_config(&app.config.storage).unwrap().unwrap()
}

/// A ready store with a subdomain no other test uses (its database is on the shared server).
pub(crate) async fn ready_store(app: &TestApp, prefix: &str) -> String {
    let subdomain = format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), &subdomain, "starter", None)
        .await
        .unwrap();
    wait_for_state(&tenants, &subdomain, TenantState::Ready).await;
    subdomain
}

/// Runs SQL in the own database of the store in `namespace`.
pub(crate) async fn store_sql(admin: &str, namespace: &str, sql: &str) {
    let url = tenant_url(admin, namespace).unwrap();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

/// Waits (up to a minute) until the backup is done or failed.
pub(crate) async fn settled(backups: &BackupService, id: &str) -> BackupView {
    for _ in 0..600 {
        let view = backups.show(id).await.unwrap();
        if view.state.is_final() {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("backup {id} did not settle");
}

async fn a_backup_holds_the_stores_data_with_the_size_and_hash_recorded(backend: Backend) {
    let Some(storage_config) = s3_config() else {
        return;
    };
    let Some((app, admin)) = backing_app(backend, storage_config.clone()).await else {
        return;
    };
    let store = ready_store(&app, "bk").await;
    store_sql(
        &admin,
        &app.namespace(&store).await,
        "CREATE TABLE products (name text, price int); \
         INSERT INTO products VALUES ('teapot', 1200), ('kettle', 3400);",
    )
    .await;

    let backups = BackupService::new(app.pool().await, Some(storage_of(&app)));
    let asked = backups
        .request(&operator(), &store, BackupKind::Manual)
        .await
        .unwrap();
    assert_eq!(asked.state, BackupState::Queued);
    let done = settled(&backups, &asked.id).await;
    assert_eq!(done.state, BackupState::Done, "{:?}", done.error);
    assert_eq!(done.attempts, 1);

    // What storage holds is what the catalogue says, byte for byte.
    let storage = Storage::from_config(&storage_config).unwrap().unwrap();
    let key = server::backups::object_key(
        &app.text(&format!(
            "SELECT id FROM tenants WHERE subdomain = '{store}'"
        ))
        .await,
        &done.id,
    );
    let link = storage
        .download_link(&key, Duration::from_secs(60))
        .await
        .unwrap();
    let bytes = reqwest::get(link).await.unwrap().bytes().await.unwrap();
    assert_eq!(Some(bytes.len() as u64), done.size);
    assert_eq!(Some(hex::encode(Sha256::digest(&bytes))), done.sha256);

    // And it is a real dump of the store's database, with its table in it.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &bytes).unwrap();
    let listed = std::process::Command::new(pg_tool("pg_restore"))
        .arg("--list")
        .arg(file.path())
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let contents = String::from_utf8_lossy(&listed.stdout);
    assert!(contents.contains("TABLE public products"), "{contents}");
    assert!(
        contents.contains("TABLE DATA public products"),
        "{contents}"
    );

    // The dump Job is cleared away once the backup is recorded; the store lists its backup.
    let listed = backups.list(&store).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, done.id);
    let audited = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'backup.create'")
        .await;
    assert_eq!(audited, 1);
}

async fn storage_that_refuses_the_upload_fails_the_backup_after_its_tries(backend: Backend) {
    let Some(good) = s3_config() else {
        return;
    };
    let wrong = StorageConfig {
        secret_access_key: Some(Secret::from("not-the-secret".to_owned())),
        ..good.clone()
    };
    let Some((app, _)) = backing_app(backend, wrong).await else {
        return;
    };
    let store = ready_store(&app, "bkw").await;
    let backups = BackupService::new(app.pool().await, Some(storage_of(&app)));
    let asked = backups
        .request(&operator(), &store, BackupKind::Manual)
        .await
        .unwrap();
    let failed = settled(&backups, &asked.id).await;
    assert_eq!(failed.state, BackupState::Failed);
    assert_eq!(failed.attempts, 3, "tried three times");
    let error = failed.error.unwrap_or_default();
    assert!(error.starts_with("object storage:"), "{error}");
    assert!(
        error.contains("403"),
        "the storage's refusal is named: {error}"
    );
    assert!(!error.contains("not-the-secret"), "{error}");
    assert_eq!(failed.size, None);
    assert_eq!(failed.sha256, None);
    // Nothing reached storage.
    let storage = Storage::from_config(&good).unwrap().unwrap();
    let key = server::backups::object_key(
        &app.text(&format!(
            "SELECT id FROM tenants WHERE subdomain = '{store}'"
        ))
        .await,
        &failed.id,
    );
    assert_eq!(storage.digest(&key).await.unwrap(), None);
}

/// Reads one text value from the own database of the store in `namespace`.
pub(crate) async fn store_text(admin: &str, namespace: &str, sql: &str) -> String {
    let url = tenant_url(admin, namespace).unwrap();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let value: String = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    value
}

const PRICES: &str = "SELECT string_agg(name || '=' || price, ',' ORDER BY name) FROM products";

async fn a_restore_in_place_puts_the_backed_up_data_back_after_saving_the_current(
    backend: Backend,
) {
    let Some(storage_config) = s3_config() else {
        return;
    };
    let Some((app, admin)) = backing_app(backend, storage_config).await else {
        return;
    };
    let store = ready_store(&app, "rs").await;
    let namespace = app.namespace(&store).await;
    store_sql(
        &admin,
        &namespace,
        "CREATE TABLE products (name text, price int); \
         INSERT INTO products VALUES ('teapot', 1200), ('kettle', 3400);",
    )
    .await;
    let backups = BackupService::new(app.pool().await, Some(storage_of(&app)));
    let first = backups
        .request(&operator(), &store, BackupKind::Manual)
        .await
        .unwrap();
    assert_eq!(settled(&backups, &first.id).await.state, BackupState::Done);

    // The owner changes their data afterwards.
    store_sql(
        &admin,
        &namespace,
        "UPDATE products SET price = 1 WHERE name = 'teapot'; \
         INSERT INTO products VALUES ('mug', 500);",
    )
    .await;
    assert_eq!(
        store_text(&admin, &namespace, PRICES).await,
        "kettle=3400,mug=500,teapot=1"
    );

    // Not confirmed with the store's name: refused, nothing changes.
    let refused = backups
        .restore(&operator(), &store, &first.id, "yes")
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("type the store's subdomain"),
        "{refused}"
    );
    let tenants = app.tenants().await;
    assert_eq!(
        tenants.show(&store).await.unwrap().tenant.state,
        TenantState::Ready
    );

    let job = backups
        .restore(&operator(), &store, &first.id, &store)
        .await
        .unwrap();
    let detail = wait_for_state(&tenants, &store, TenantState::Ready).await;
    let latest = detail.jobs.first().unwrap();
    assert_eq!(latest.id, job);
    assert_eq!(
        latest.state.as_str(),
        "succeeded",
        "{:?}",
        latest.last_error
    );
    // The backed-up data is back, checked in the store's own database.
    assert_eq!(
        store_text(&admin, &namespace, PRICES).await,
        "kettle=3400,teapot=1200"
    );

    // The data as it was just before was saved first, as a pre-restore backup.
    let listed = backups.list(&store).await.unwrap();
    let saved: Vec<_> = listed
        .iter()
        .filter(|b| b.kind == BackupKind::PreRestore)
        .collect();
    assert_eq!(saved.len(), 1, "{listed:?}");
    assert_eq!(saved[0].state, BackupState::Done);
    // The store runs again: its workloads are back up.
    let deployments: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(app.cluster(), &namespace);
    let api = deployments.get("api").await.unwrap();
    assert_eq!(api.spec.unwrap().replicas, Some(1));
    let restored = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'backup.restore'")
        .await;
    assert_eq!(restored, 1);
}

/// A PostgreSQL client program from the newest installed version.
pub(crate) fn pg_tool(name: &str) -> std::path::PathBuf {
    let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs.last()
        .map(|d| d.join("bin").join(name))
        .unwrap_or_else(|| name.into())
}
