//! Pieces of UI used by several pages.

pub mod form_error;
pub mod layout;
pub mod nav;
pub mod progress;
