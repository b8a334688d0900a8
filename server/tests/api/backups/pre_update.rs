//! With backups on, a rollout backs each store up before updating it: the backup is stored
//! before the store's update job begins, and names the rollout that asked for it.

use std::collections::BTreeMap;
use std::time::Duration;

use app::domain::rollout::{NewRollout, RolloutOptions, RolloutState};
use app::domain::NewRelease;
use server::releases::ReleaseService;
use server::rollouts::RolloutService;

use super::flow::{backing_app, ready_store};
use super::s3_config;
use crate::on_both_databases;
use crate::support::{operator, Backend};

on_both_databases!(a_rollout_backs_each_store_up_before_updating_it);

async fn a_rollout_backs_each_store_up_before_updating_it(backend: Backend) {
    let Some(storage) = s3_config() else {
        return;
    };
    let Some((app, _)) = backing_app(backend, storage).await else {
        return;
    };
    let mut stores = Vec::new();
    for _ in 0..3 {
        stores.push(ready_store(&app, "pu").await);
    }
    ReleaseService::new(app.pool().await)
        .create(
            &operator(),
            &NewRelease {
                blueprint: "store".into(),
                name: "2.0.0".into(),
                images: BTreeMap::from([("api".to_owned(), "2.0.0".to_owned())]),
                notes: String::new(),
            },
        )
        .await
        .unwrap();
    let rollouts = RolloutService::new(app.pool().await);
    let started = rollouts
        .start(
            &operator(),
            &NewRollout {
                release: "2.0.0".into(),
                blueprint: None,
                plan: None,
                stores: stores.clone(),
                options: RolloutOptions {
                    canary: 1,
                    waves: vec![100],
                    max_parallel: 2,
                    bake_secs: 0,
                    budget_percent: 2,
                    timeout_secs: 60,
                    rollback_all: false,
                },
            },
        )
        .await
        .unwrap();
    let mut view = rollouts.show(&started.id).await.unwrap();
    for _ in 0..600 {
        if view.state.is_final() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        view = rollouts.show(&started.id).await.unwrap();
    }
    assert_eq!(view.state, RolloutState::Done, "{:?}", view.reason);

    for store in &stores {
        let tenant = format!("(SELECT id FROM tenants WHERE subdomain = '{store}')");
        let saved = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM backups b JOIN rollout_tenants s ON s.backup_id = b.id \
                 WHERE s.tenant_id = {tenant} AND b.kind = 'pre_update' AND b.state = 'done' \
                 AND b.requested_by = 'rollout {}'",
                started.id
            ))
            .await;
        assert_eq!(saved, 1, "{store} was backed up by the rollout");
        // Stored before its update job was made.
        let before = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM backups b JOIN rollout_tenants s ON s.backup_id = b.id \
                 JOIN jobs j ON j.id = s.job_id \
                 WHERE s.tenant_id = {tenant} AND b.finished_at <= j.created_at"
            ))
            .await;
        assert_eq!(
            before, 1,
            "{store}'s backup was stored before its update began"
        );
    }
}
