//! Tenants: the admin's operations, owners' stores and settings, sign-up, job progress and
//! what the cluster holds, for the UI and the command line. One service over the database,
//! implementing one port per use case, each in its own file.

pub mod admin;
pub mod copy;
pub mod error;
pub mod inspect;
pub mod key;
pub mod lifecycle;
pub mod progress;
pub mod service;
pub mod settings;
pub mod signup;
pub mod store_signup;

pub use app::domain::TenantDetail;
pub use error::MoveError;
pub use lifecycle::Move;
pub use service::TenantService;
pub use store_signup::SignupService;
