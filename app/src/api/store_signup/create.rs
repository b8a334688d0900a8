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
    use crate::api::audit::record_as;
    use crate::api::guard::{answer, current_user, services, start_session};
    use crate::domain::audit::action;
    use crate::domain::{Email, NewStore, Password};

    answer(
        async {
            let services = services()?;
            let store = NewStore::parse(&store_name, &subdomain, &plan)
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            let signed_in = current_user().await?;
            // A new account's fields are parsed before anything is looked up or created.
            let new_account = match &signed_in {
                Some(_) => None,
                None => {
                    let email = Email::parse(email.as_deref().unwrap_or_default())
                        .map_err(|e| AppError::Invalid(e.to_string()))?;
                    let password =
                        Password::parse(password.as_deref().unwrap_or_default(), email.as_str())
                            .map_err(|e| AppError::Invalid(e.to_string()))?;
                    Some((email, password))
                }
            };
            services.tenants.check_new_store(&store).await?;
            let owner = match (signed_in, new_account) {
                (Some(user), _) => user,
                (None, Some((email, password))) => {
                    let user = services.accounts.sign_up(email, password).await?;
                    start_session(&user).await?;
                    user
                }
                (None, None) => return Err(AppError::Unauthenticated),
            };
            let pay_first = services.billing.enabled();
            let cause = format!("signup by {}", owner.email);
            let (tenant, _job) = services
                .tenants
                .sign_up_store(&owner.id, &store, pay_first, &cause)
                .await?;
            let detail = format!("plan={} pay_first={pay_first}", tenant.plan);
            record_as(&owner, action::STORE_CREATE, &tenant.subdomain, &detail).await;
            let progress = format!("/signup/{}/progress", tenant.subdomain);
            if !pay_first {
                leptos_axum::redirect(&progress);
                return Ok(());
            }
            match services.billing.checkout(&tenant.id).await {
                Ok(checkout) => leptos_axum::redirect(&checkout),
                // The store exists and waits for its payment; its page offers the checkout
                // again, so the customer is sent there rather than shown a dead end.
                Err(error) => {
                    tracing::warn!(tenant = %tenant.subdomain, error = %error, "checkout failed");
                    leptos_axum::redirect(&progress);
                }
            }
            Ok(())
        }
        .await,
    )
}
