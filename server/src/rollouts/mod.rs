//! Rollouts: a release reaches the stores of its blueprint in waves, each store's update
//! followed by a health gate, halted and moved back when a wave fails past its budget.
//! [`RolloutService`] starts and steers them for admins, operators and CI; the [`Driver`]
//! moves them on, one server at a time, whatever restarts in between.

pub mod driver;
pub mod error;
pub mod port;
pub mod service;
pub mod view;

pub use driver::{DriveOptions, Driver};
pub use error::RolloutError;
pub use port::FleetService;
pub use service::RolloutService;
