//! Promoting and demoting accounts, for admins.

use leptos::prelude::*;

use crate::domain::{Role, UserView};
use crate::error::AppError;

/// Gives an account another role; 401 for a visitor, 403 for anyone but an admin, 409 when
/// it would leave no admin.
#[server(prefix = "/api", endpoint = "admin/set_role")]
pub async fn set_role(user_id: String, role: Role) -> Result<UserView, AppError> {
    use crate::api::audit::record_as;
    use crate::api::guard::{answer, require_admin, services};
    use crate::domain::audit::action;

    answer(
        async {
            let admin = require_admin().await?;
            let changed = services()?.accounts.set_role(&user_id, role).await?;
            let detail = format!("role={}", changed.role.as_str());
            record_as(&admin, action::USER_SET_ROLE, &changed.email, &detail).await;
            Ok(changed)
        }
        .await,
    )
}
