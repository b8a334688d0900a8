//! The host side of the simulated cluster: the store's [`Chore`]s done in order by one worker
//! task, so nothing runs under the store's lock and a tenant's database is made before a Job
//! created after its database StatefulSet starts. Each container of a Job's pod is a host
//! process (`process.rs`) with its `emptyDir` volumes host directories and, when the cluster
//! keeps real tenant databases, libpq's variables pointing at the tenant's (`run.rs`).

mod process;
mod run;

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedReceiver;

use super::databases;
use super::jobs::Chore;
use super::store::Store;

/// Does the store's chores in order until the store is dropped: database changes are
/// awaited, Jobs run on tasks of their own. `databases`: the PostgreSQL server tenants'
/// databases live on, if any.
pub async fn work(
    mut chores: UnboundedReceiver<Chore>,
    store: Arc<Mutex<Store>>,
    databases: Option<String>,
) {
    while let Some(chore) = chores.recv().await {
        match (chore, &databases) {
            (Chore::Run(plan), _) => {
                tokio::spawn(run::run(*plan, store.clone(), databases.clone()));
            }
            (Chore::CreateDatabase(namespace), Some(admin)) => {
                databases::create_database(admin, &namespace).await;
            }
            (Chore::DropDatabase(namespace), Some(admin)) => {
                databases::drop_database(admin, &namespace).await;
            }
            _ => {}
        }
    }
}
