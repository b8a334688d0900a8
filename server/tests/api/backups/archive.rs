//! An archive backs the store up a last time: its database, scaled down while suspended, is
//! started again for the dump, and removed only once the backup is stored.

use std::time::Duration;

use app::domain::backup::{BackupKind, BackupState};
use app::domain::TenantState;
use app::ports::TenantAdmin;
use k8s_openapi::api::apps::v1::StatefulSet;
use server::backups::BackupService;
use server::tenants::{Move, TenantService};

use super::flow::{backing_app, pg_tool, ready_store, storage_of, store_sql};
use super::s3_config;
use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::{operator, Backend};

on_both_databases!(an_archive_saves_the_stores_data_before_removing_its_database);

/// Waits (up to a minute) until the store's newest job has finished; its state and error.
async fn last_job_settled(tenants: &TenantService, store: &str) -> (String, Option<String>) {
    for _ in 0..600 {
        let detail = tenants.show(store).await.unwrap();
        let job = detail.jobs.first().unwrap();
        if matches!(job.state.as_str(), "succeeded" | "failed") {
            return (job.state.as_str().to_owned(), job.last_error.clone());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the archive of {store} did not finish");
}

async fn an_archive_saves_the_stores_data_before_removing_its_database(backend: Backend) {
    let Some(storage_config) = s3_config() else {
        return;
    };
    let Some((app, admin)) = backing_app(backend, storage_config).await else {
        return;
    };
    let store = ready_store(&app, "ar").await;
    let namespace = app.namespace(&store).await;
    store_sql(
        &admin,
        &namespace,
        "CREATE TABLE products (name text, price int); \
         INSERT INTO products VALUES ('teapot', 1200);",
    )
    .await;
    let tenants = app.tenants().await;
    tenants.suspend(&operator(), &store).await.unwrap();
    wait_for_state(&tenants, &store, TenantState::Suspended).await;
    assert_eq!(last_job_settled(&tenants, &store).await.0, "succeeded");
    let databases: kube::Api<StatefulSet> = kube::Api::namespaced(app.cluster(), &namespace);
    let suspended = databases.get("database").await.unwrap();
    assert_eq!(
        suspended.spec.unwrap().replicas,
        Some(0),
        "suspended: no database runs"
    );

    let record = server::db::tenants::by_subdomain(tenants.pool(), &store)
        .await
        .unwrap()
        .unwrap();
    tenants
        .move_tenant(&record, Move::Archive, "test", &[])
        .await
        .unwrap();
    let (state, error) = last_job_settled(&tenants, &store).await;
    assert_eq!(state, "succeeded", "{error:?}");

    // One last backup, stored, holding the store's table and its row.
    let backups = BackupService::new(app.pool().await, Some(storage_of(&app)));
    let listed = backups.list(&store).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let last = &listed[0];
    assert_eq!(last.kind, BackupKind::Final);
    assert_eq!(last.state, BackupState::Done, "{:?}", last.error);
    let object = server::backups::object_key(&record.id, &last.id);
    let link = storage_of(&app)
        .download_link(&object, Duration::from_secs(60))
        .await
        .unwrap();
    let bytes = reqwest::get(link).await.unwrap().bytes().await.unwrap();
    assert_eq!(Some(bytes.len() as u64), last.size);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &bytes).unwrap();
    let data = std::process::Command::new(pg_tool("pg_restore"))
        .args(["--data-only", "--table=products", "--file=-"])
        .arg(file.path())
        .output()
        .unwrap();
    let data = String::from_utf8_lossy(&data.stdout);
    assert!(data.contains("teapot\t1200"), "{data}");

    // Then the database went, as every archive's does; the store stays archived.
    assert!(databases.get_opt("database").await.unwrap().is_none());
    assert_eq!(
        tenants.show(&store).await.unwrap().tenant.state,
        TenantState::Archived
    );
}
