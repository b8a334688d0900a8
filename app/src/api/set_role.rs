//! Promoting and demoting accounts, for admins.

use leptos::prelude::*;

use crate::domain::{Role, UserView};
use crate::error::AppError;

/// Gives an account another role; 401 for a visitor, 403 for anyone but an admin, 409 when
/// it would leave no admin.
#[server(prefix = "/api", endpoint = "admin/set_role")]
pub async fn set_role(user_id: String, role: Role) -> Result<UserView, AppError> {
    use crate::api::guard::{actor, answer, require_admin, services};
    use crate::domain::UserId;

    answer(
        async {
            let admin = require_admin().await?;
            services()?
                .accounts
                .set_role(&actor(&admin), &UserId::new(user_id), role)
                .await
        }
        .await,
    )
}
