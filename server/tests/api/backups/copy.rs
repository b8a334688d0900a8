//! A copy of a store is written whole or not at all: the new tenant, its provisioning and the
//! restore waiting for it commit together, so no crash or error between them leaves an empty
//! store that was meant to hold another's data.

use app::ports::TenantAdmin;

use crate::on_both_databases;
use crate::support::{operator, Backend, TestApp};

on_both_databases!(a_copy_that_cannot_be_recorded_leaves_no_store_behind);

async fn a_copy_that_cannot_be_recorded_leaves_no_store_behind(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let tenants = app.tenants().await;
    // No such backup: the copy's record cannot be written, so neither is the store.
    let refused = tenants
        .create_copy(&operator(), "copy", "starter", "no-such-backup")
        .await;
    assert!(refused.is_err());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenants WHERE subdomain = 'copy'")
            .await,
        0
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM clones").await, 0);

    // A subdomain taken: refused as a conflict, nothing recorded.
    tenants
        .create(&operator(), "taken", "starter", None)
        .await
        .unwrap();
    let taken = tenants
        .create_copy(&operator(), "taken", "starter", "no-such-backup")
        .await
        .unwrap_err();
    assert!(taken.to_string().contains("already taken"), "{taken}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM clones").await, 0);
}
