//! The signed-in account, as every page's frame provides it.

use leptos::prelude::*;

use crate::domain::UserView;
use crate::error::AppError;

/// The signed-in account (or none), reloaded on every navigation and after logging out.
pub type CurrentUser = Resource<Result<Option<UserView>, AppError>>;
