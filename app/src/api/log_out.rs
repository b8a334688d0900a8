//! Signing out.

use leptos::prelude::*;

use crate::error::AppError;

/// Ends the session (deleting it from the store) and sends the browser home.
#[server(prefix = "/api", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::api::audit::record_as;
    use crate::api::guard::{answer, current_user, end_session};
    use crate::domain::audit::action;

    answer(
        async {
            // Read before the session ends: afterwards nobody is signed in.
            let user = current_user().await?;
            end_session().await?;
            if let Some(user) = user {
                record_as(&user, action::ACCOUNT_LOG_OUT, &user.email, "").await;
            }
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}
