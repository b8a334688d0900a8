//! The admin panel.

pub mod users;
