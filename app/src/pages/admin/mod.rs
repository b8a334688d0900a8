//! The admin panel.

pub mod catalog;
pub mod tenant;
pub mod tenants;
pub mod users;
