//! Durable work: jobs made of steps, run by workers that hold a lease in the database, so
//! several server replicas never run one job at once and a crash loses nothing.

pub mod estimate;
mod heartbeat;
pub mod hub;
pub mod policy;
pub mod signals;
pub mod step;
pub mod worker;

pub use app::domain::JobKind;
pub use signals::JobSignals;
pub use worker::{JobHandler, StepOutcome, Worker, WorkerOptions};
