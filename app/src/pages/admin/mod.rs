//! The admin panel.

pub mod audit;
pub mod backups;
pub mod catalog;
pub mod overview;
pub mod releases;
pub mod rollout;
pub mod rollouts;
pub mod system;
pub mod tenant;
pub mod tenant_inspect;
pub mod tenant_search;
pub mod tenants;
pub mod users;
