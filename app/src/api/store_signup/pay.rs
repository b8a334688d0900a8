//! Paying for a store that waits for its first payment.

use leptos::prelude::*;

use crate::error::AppError;

/// Sends the store's owner to the checkout of a store still waiting for its first payment.
#[server(prefix = "/api", endpoint = "signup/pay")]
pub async fn pay_for_store(subdomain: String) -> Result<(), AppError> {
    use crate::api::guard::{actor, answer, require_user, services};
    use crate::domain::TenantState;

    answer(
        async {
            let user = require_user().await?;
            let services = services()?;
            let store = services.stores.owned_store(&subdomain, &user.id).await?;
            if store.tenant.state != TenantState::PendingPayment {
                return Err(AppError::Conflict(
                    "This store is paid for already.".to_owned(),
                ));
            }
            let checkout = services
                .billing
                .checkout(&actor(&user), &store.tenant.id)
                .await?;
            leptos_axum::redirect(&checkout);
            Ok(())
        }
        .await,
    )
}
