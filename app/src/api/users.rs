//! Accounts, for admins.

use leptos::prelude::*;

use crate::domain::UserView;
use crate::error::AppError;

/// Every account; 401 for a visitor, 403 for anyone but an admin.
#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.accounts.list_users().await
        }
        .await,
    )
}
