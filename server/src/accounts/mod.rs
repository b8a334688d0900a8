//! Accounts: the service behind sign-up and log-in, its password hashing and its limits.

pub mod error;
pub mod hashing;
pub mod rate_limit;
pub mod service;

pub use error::AccountError;
pub use service::AccountService;
