//! One module per page.

pub mod account;
pub mod admin;
pub mod home;
pub mod log_in;
pub mod not_found;
pub mod sign_up;
pub mod stores;
