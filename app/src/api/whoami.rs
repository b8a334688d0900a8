//! Who is signed in, for the navigation bar.

use leptos::prelude::*;

use crate::domain::UserView;
use crate::error::AppError;

/// The signed-in account, or nothing for a visitor. Never fails for being signed out.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<UserView>, AppError> {
    use crate::api::guard::{answer, current_user};

    answer(current_user().await)
}
