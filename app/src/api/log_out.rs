//! Signing out.

use leptos::prelude::*;

use crate::error::AppError;

/// Ends the session (deleting it from the store) and sends the browser home.
#[server(prefix = "/api", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::api::guard::{answer, end_session};

    answer(
        async {
            end_session().await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}
