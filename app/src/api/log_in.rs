//! Signing in.

use leptos::prelude::*;

use crate::error::AppError;

/// Checks the credentials, starts a fresh session and sends the browser to its account page.
#[server(prefix = "/api", endpoint = "log_in")]
pub async fn log_in(email: String, password: String) -> Result<(), AppError> {
    use crate::api::guard::{answer, client_addr, services, start_session};

    answer(
        async {
            let user = services()?
                .accounts
                .log_in(&email, password, &client_addr())
                .await?;
            start_session(&user).await?;
            leptos_axum::redirect(if user.is_admin() {
                "/admin"
            } else {
                "/account"
            });
            Ok(())
        }
        .await,
    )
}
