//! Pools of standby stores: each plan keeps a number of ready stores that no one owns yet, so
//! that a sign-up claims one and is live in seconds instead of waiting for a cold start. The
//! refill worker makes and replaces standbys; claiming happens where a store's first build is
//! queued (`db::pools::claim_in`).

pub mod decide;
pub mod refill;
pub mod service;

pub use refill::RefillWorker;
pub use service::PoolService;
