//! The signed-in customer's own account.

use leptos::prelude::*;

use crate::domain::UserView;
use crate::error::AppError;

/// The caller's account; 401 for a visitor.
#[server(prefix = "/api", endpoint = "account")]
pub async fn account() -> Result<UserView, AppError> {
    use crate::api::guard::{answer, require_user};

    answer(require_user().await)
}
