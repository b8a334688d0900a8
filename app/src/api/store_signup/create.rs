//! Creating a customer's store from the sign-up form.

use leptos::prelude::*;

use crate::error::AppError;

/// Creates a store owned by the caller, who may sign up on the way (email and password,
/// when not logged in). Every field is checked here again before anything is created. With
/// billing on, the store waits for its first payment and the browser goes to the checkout;
/// otherwise it is built at once and the browser goes to watch it.
#[server(prefix = "/api", endpoint = "signup/create_store")]
pub async fn create_store(
    store_name: String,
    subdomain: String,
    plan: String,
    email: Option<String>,
    password: Option<String>,
) -> Result<(), AppError> {
    use crate::api::guard::{answer, client_addr, current_user, services, start_session};
    use crate::domain::{Email, NewStore, Password};
    use crate::ports::Applicant;

    answer(
        async {
            let store = NewStore::parse(&store_name, &subdomain, &plan)
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            // A new account's fields are parsed before anything is looked up or created.
            let applicant = match current_user().await? {
                Some(user) => Applicant::SignedIn(user),
                None => {
                    let email = Email::parse(email.as_deref().unwrap_or_default())
                        .map_err(|e| AppError::Invalid(e.to_string()))?;
                    let password =
                        Password::parse(password.as_deref().unwrap_or_default(), email.as_str())
                            .map_err(|e| AppError::Invalid(e.to_string()))?;
                    Applicant::New { email, password }
                }
            };
            let created = match services()?
                .signup
                .create_store(applicant, &store, &client_addr())
                .await
            {
                Ok(created) => created,
                Err(refused) => {
                    // The new account exists: its owner is signed in to try again.
                    if let Some(account) = &refused.account_created {
                        start_session(account).await?;
                    }
                    return Err(refused.error);
                }
            };
            if created.account_created {
                start_session(&created.owner).await?;
            }
            leptos_axum::redirect(&created.next);
            Ok(())
        }
        .await,
    )
}
