//! Signing out.

use leptos::prelude::*;

use crate::error::AppError;

/// Ends the session (deleting it from the store) and sends the browser home.
#[server(prefix = "/api", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::api::guard::{actor, answer, current_user, end_session, services};

    answer(
        async {
            // Read before the session ends: afterwards nobody is signed in.
            let user = current_user().await?;
            end_session().await?;
            if let Some(user) = user {
                services()?.accounts.log_out(&actor(&user)).await;
            }
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}
