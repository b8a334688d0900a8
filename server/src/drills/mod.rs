//! Restore drills: proof that each store's latest backup restores. A drill streams the backup's
//! object from storage into `pg_restore` (checking its SHA-256 against the catalogue's as it
//! streams), restores it into a scratch database on a PostgreSQL server of the control plane's
//! own (never in a tenant's namespace), records each table's exact row count, and drops the
//! scratch database again, whatever happened. Planned so every store with a stored backup is
//! drilled once per period, and asked for on demand.

pub mod config;
pub mod error;
pub mod plan;
mod restore;
pub mod scratch;
pub mod service;
mod view;
pub mod worker;

pub use config::DrillConfig;
pub use error::DrillError;
pub use service::DrillService;
pub use worker::{DrillOptions, DrillWorker};
