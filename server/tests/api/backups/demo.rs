//! Demo tenants (`storefleet tenant seed`) are ready in the catalogue with nothing on the
//! cluster: no namespace, no database. The backup schedule never picks them, where a store
//! made the ordinary way is due its first backup at once.

use app::ports::TenantAdmin;
use server::commands::bench_admin::seed::seed;
use server::db::backups::schedule_due;

use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::{operator, Backend, TestApp};

on_both_databases!(demo_tenants_are_never_due_a_backup);

async fn demo_tenants_are_never_due_a_backup(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let pool = app.pool().await;
    let now = server::clock::now_ms();
    seed(&pool, 20, 2, now).await.unwrap();
    assert_eq!(schedule_due(&pool, now, 100).await.unwrap(), vec![]);

    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "real", "starter", None)
        .await
        .unwrap();
    wait_for_state(&tenants, "real", app::domain::TenantState::Ready).await;
    let due = schedule_due(&pool, server::clock::now_ms(), 100)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
}
