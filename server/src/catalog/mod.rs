//! The catalogue: blueprints and plans.

pub mod defaults;
