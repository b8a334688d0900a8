//! Creating an account.

use leptos::prelude::*;

use crate::error::AppError;

/// Creates a customer account, signs it in and sends the browser to its account page.
#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(email: String, password: String) -> Result<(), AppError> {
    use crate::api::guard::{answer, client_addr, services, start_session};
    use crate::domain::{Email, Password};

    answer(
        async {
            let email = Email::parse(&email).map_err(|e| AppError::Invalid(e.to_string()))?;
            let password = Password::parse(&password, email.as_str())
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            let user = services()?
                .accounts
                .sign_up(email, password, &client_addr())
                .await?;
            start_session(&user).await?;
            leptos_axum::redirect("/account");
            Ok(())
        }
        .await,
    )
}
