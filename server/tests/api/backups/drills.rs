//! Restore drills against real peers: a store's real backup (dumped by its Job, stored in
//! SeaweedFS) restored by the drill worker into a scratch database on the test PostgreSQL,
//! its tables counted, the scratch database dropped; an object changed in storage fails its
//! drill with the SHA-256 named and one mail to each admin; and the planner, at a fixed clock,
//! lists the store whose last passed drill is older than the period.

use std::collections::BTreeMap;
use std::time::Duration;

use app::domain::backup::{BackupKind, BackupState};
use app::domain::drill::{DrillState, DrillView};
use server::backups::BackupService;
use server::drills::DrillService;
use server::storage::StorageConfig;
use sqlx::{Connection, PgConnection};

use super::flow::{backing_app_with, ready_store, settled, storage_of, store_sql};
use super::s3_config;
use crate::on_both_databases;
use crate::support::{admin, operator, Backend, TestApp};

on_both_databases!(
    a_drill_restores_the_latest_backup_and_counts_its_rows,
    an_object_changed_in_storage_fails_its_drill_and_tells_every_admin,
    the_planner_lists_a_store_whose_last_passed_drill_is_older_than_the_period,
);

/// A backing server that also drills, on demand only (so no planned drill gets in the way).
async fn drilling_app(backend: Backend, storage: StorageConfig) -> Option<(TestApp, String)> {
    backing_app_with(backend, storage, |config, admin| {
        config.drills.drill_postgres_url = Some(admin.to_owned());
        config.drills.drill_every_hours = 0;
    })
    .await
}

/// A ready store holding `products` with three rows, and its stored backup's id.
async fn backed_up_store(app: &TestApp, admin: &str, prefix: &str) -> (String, String) {
    let store = ready_store(app, prefix).await;
    store_sql(
        admin,
        &app.namespace(&store).await,
        "CREATE TABLE products (name text, price int); \
         INSERT INTO products VALUES ('teapot', 1200), ('kettle', 3400), ('mug', 500);",
    )
    .await;
    let backups = BackupService::new(app.pool().await, Some(storage_of(app)));
    let asked = backups
        .request(&operator(), &store, BackupKind::Manual)
        .await
        .unwrap();
    let done = settled(&backups, &asked.id).await;
    assert_eq!(done.state, BackupState::Done, "{:?}", done.error);
    (store, done.id)
}

/// Waits (up to two minutes) until the drill passed or failed.
async fn finished(drills: &DrillService, id: &str) -> DrillView {
    for _ in 0..1200 {
        let view = drills.show(id).await.unwrap();
        if view.state.is_final() {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("drill {id} did not finish");
}

/// Whether the drill server still has the database `name`.
async fn database_exists(admin: &str, name: &str) -> bool {
    let mut connection = PgConnection::connect(admin).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_one(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    count > 0
}

async fn a_drill_restores_the_latest_backup_and_counts_its_rows(backend: Backend) {
    let Some(storage) = s3_config() else {
        return;
    };
    let Some((app, admin)) = drilling_app(backend, storage).await else {
        return;
    };
    let (store, backup) = backed_up_store(&app, &admin, "dr").await;

    let drills = DrillService::new(app.pool().await, true, 168);
    let asked = drills.drill_now(&operator(), &store).await.unwrap();
    assert_eq!(asked.backup_id, backup);
    let drill = finished(&drills, &asked.id).await;
    assert_eq!(drill.state, DrillState::Passed, "{:?}", drill.error);
    assert_eq!(drill.tables, BTreeMap::from([("products".to_owned(), 3)]));

    // The scratch database it restored into is gone.
    let scratch = app
        .text(&format!(
            "SELECT scratch FROM drills WHERE id = '{}'",
            drill.id
        ))
        .await;
    assert!(scratch.starts_with("drill_"), "{scratch}");
    assert!(
        !database_exists(&admin, &scratch).await,
        "{scratch} is left"
    );

    // The fleet's health shows the store with its passed drill.
    let health = drills.health().await.unwrap();
    let listed = health
        .stores
        .iter()
        .find(|s| s.subdomain == store)
        .expect("the store is listed");
    assert_eq!(listed.last_backup_state, Some(BackupState::Done));
    let last = listed.last_drill.as_ref().expect("its drill is listed");
    assert_eq!(last.id, drill.id);
    assert_eq!(last.state, DrillState::Passed);
    assert!(listed.last_passed_at.is_some());
    assert!(!listed.overdue);
    assert!(!health.last_failed.contains(&store));
    assert!(!health.overdue.contains(&store));
    let audited = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'backup.drill'")
        .await;
    assert_eq!(audited, 1);
}

async fn an_object_changed_in_storage_fails_its_drill_and_tells_every_admin(backend: Backend) {
    let Some(storage) = s3_config() else {
        return;
    };
    let Some((app, admin_url)) = drilling_app(backend, storage).await else {
        return;
    };
    admin(&app).await;
    app.signed_up("second@example.com", "correct horse battery")
        .await;
    app.execute("UPDATE users SET role = 'admin' WHERE email = 'second@example.com'")
        .await;
    let (store, backup) = backed_up_store(&app, &admin_url, "drx").await;
    let recorded = app
        .text(&format!("SELECT sha256 FROM backups WHERE id = '{backup}'"))
        .await;

    // Someone changes the object's bytes in storage, under the same key.
    let tenant = app
        .text(&format!(
            "SELECT id FROM tenants WHERE subdomain = '{store}'"
        ))
        .await;
    let key = server::backups::object_key(&tenant, &backup);
    let changed = storage_of(&app)
        .upload(&key, &b"not the dump that was stored"[..])
        .await
        .unwrap();
    assert_ne!(changed.sha256, recorded);

    let drills = DrillService::new(app.pool().await, true, 168);
    let asked = drills.drill_now(&operator(), &store).await.unwrap();
    let drill = finished(&drills, &asked.id).await;
    assert_eq!(drill.state, DrillState::Failed);
    let error = drill.error.unwrap_or_default();
    assert_eq!(
        error,
        format!(
            "the stored object's SHA-256 is {}, not the {recorded} recorded",
            changed.sha256
        )
    );
    assert!(drill.tables.is_empty());
    let scratch = app
        .text(&format!(
            "SELECT scratch FROM drills WHERE id = '{}'",
            drill.id
        ))
        .await;
    assert!(
        !database_exists(&admin_url, &scratch).await,
        "{scratch} is left"
    );

    // The fleet's health names the store as failed.
    let health = drills.health().await.unwrap();
    assert!(health.last_failed.contains(&store), "{health:?}");

    // One mail to each admin, naming the store, the backup and the error.
    let mailed = app
        .scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'drill_failed'")
        .await;
    assert_eq!(mailed, 2);
    for to in ["root@example.com", "second@example.com"] {
        let subject = app
            .text(&format!(
                "SELECT subject FROM outbox WHERE kind = 'drill_failed' AND recipient = '{to}'"
            ))
            .await;
        assert_eq!(subject, format!("Restore drill failed: {store}"));
        let body = app
            .text(&format!(
                "SELECT body_text FROM outbox WHERE kind = 'drill_failed' AND recipient = '{to}'"
            ))
            .await;
        assert!(body.contains(&backup), "{body}");
        assert!(body.contains(&changed.sha256), "{body}");
    }
}

const HOUR: i64 = 3_600_000;
const WEEK: i64 = 168 * HOUR;
/// The fixed clock: 2026-06-15T12:00:00Z.
const NOW: i64 = 1_781_524_800_000;

/// Records a done backup of `tenant` taken at `at`, and a passed drill of it finished at
/// `drilled`.
async fn drilled_at(app: &TestApp, tenant: &str, at: i64, drilled: i64) {
    let backup = uuid::Uuid::new_v4().to_string();
    app.execute(&format!(
        "INSERT INTO backups (id, tenant_id, kind, state, object_key, size, sha256, \
         requested_by, created_at, finished_at, next_at) VALUES ('{backup}', '{tenant}', \
         'scheduled', 'done', 'k/{backup}', 1, 'ab', 'schedule', {at}, {at}, {at})"
    ))
    .await;
    let drill = uuid::Uuid::new_v4().to_string();
    app.execute(&format!(
        "INSERT INTO drills (id, tenant_id, backup_id, state, tables, requested_by, created_at, \
         started_at, finished_at, next_at) VALUES ('{drill}', '{tenant}', '{backup}', 'passed', \
         '{{}}', 'schedule', {drilled}, {drilled}, {drilled}, {drilled})"
    ))
    .await;
}

async fn the_planner_lists_a_store_whose_last_passed_drill_is_older_than_the_period(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let stale = ready_store(&app, "stale").await;
    let fresh = ready_store(&app, "fresh").await;
    let id_of = |subdomain: String| {
        let app = &app;
        async move {
            app.text(&format!(
                "SELECT id FROM tenants WHERE subdomain = '{subdomain}'"
            ))
            .await
        }
    };
    let (stale_id, fresh_id) = (id_of(stale.clone()).await, id_of(fresh.clone()).await);
    drilled_at(&app, &stale_id, NOW - 30 * 24 * HOUR, NOW - WEEK - HOUR).await;
    drilled_at(&app, &fresh_id, NOW - 30 * 24 * HOUR, NOW).await;

    let pool = app.pool().await;
    let due = server::drills::plan::due(&pool, NOW, WEEK, 10)
        .await
        .unwrap();
    assert_eq!(due, [stale_id]);

    let health = DrillService::new(pool, false, 168)
        .health_at(NOW)
        .await
        .unwrap();
    assert_eq!(health.overdue, [stale]);
    assert!(health.last_failed.is_empty());
    assert!(!health.enabled);
}
