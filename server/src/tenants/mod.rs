//! Tenants: creating, listing, showing and deleting them, for the UI and the command line.

pub mod inspect;
pub mod lifecycle;
pub mod port;
pub mod search;
pub mod service;
pub mod settings;
pub mod signup;

pub use app::domain::TenantDetail;
pub use service::TenantService;
