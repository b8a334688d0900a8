//! Pieces of UI used by several pages.

pub mod backups;
pub mod confirm;
pub mod current_user;
pub mod form_error;
pub mod layout;
pub mod load_error;
pub mod nav;
pub mod pager;
pub mod progress;
pub mod settings_form;
pub mod subdomain_field;
pub mod when;
