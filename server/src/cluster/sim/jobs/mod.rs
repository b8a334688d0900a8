//! batch/v1 Jobs, run for real on the host: each container of a new Job's pod is a host
//! process (`process.rs`) with the environment the kubelet would give it (`plan.rs`), its
//! `emptyDir` volumes host directories, and, when the cluster keeps real tenant databases,
//! libpq's variables pointing at the tenant's (`run.rs`). What it reports back is what a
//! real Job controller and kubelet write (`status.rs`, and `store/jobs.rs`).
//!
//! The store hands work over as [`Chore`]s, in order, to one worker task, so nothing runs
//! under the store's lock and a tenant's database is made before a Job created after its
//! `db` StatefulSet starts.

pub mod plan;
mod process;
pub mod rules;
mod run;
pub mod status;

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedReceiver;

use super::databases;
use super::store::Store;
use plan::Plan;

/// Work the store asks of the host.
#[derive(Debug)]
pub enum Chore {
    /// Run a new Job.
    Run(Box<Plan>),
    /// Make the tenant database of a namespace.
    CreateDatabase(String),
    /// Drop the tenant database of a namespace that is gone.
    DropDatabase(String),
}

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

#[cfg(test)]
mod database_tests;
#[cfg(test)]
mod tests;
