//! The admin panel.

pub mod catalog;
pub mod tenant;
pub mod tenant_inspect;
pub mod tenants;
pub mod users;
