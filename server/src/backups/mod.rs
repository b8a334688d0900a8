//! Backups of each store's database: asked for by owners, admins and operators, by each plan's
//! schedule, before rollout updates and restores; taken by a worker as Jobs in the store's
//! namespace that upload to a link minted for one object, recorded once storage holds them,
//! and let go by the plan's retention.

pub mod error;
pub mod port;
pub mod retention;
pub mod service;
pub mod view;
pub mod worker;

pub use error::BackupError;
pub use port::BackupPort;
pub use service::BackupService;
pub use worker::{BackupOptions, BackupWorker};

pub use app::domain::backup::object_key;

/// The name of the dump Job of a backup's try `attempt` (from 1): a new name per try, so a
/// failed try's Job never stands in the way of the next.
pub fn job_name(backup_id: &str, attempt: i64) -> String {
    format!("backup-{}-{attempt}", backup_id.replace('-', ""))
}
