//! The catalogue: blueprints and plans, and whether a plan's quota holds its blueprint.

pub mod defaults;
pub mod fit;
pub mod service;

pub use service::CatalogService;
