//! The Stripe billing portal of a store's subscription.

use leptos::prelude::*;

use crate::error::AppError;

/// Sends the store's owner to the billing portal. The owner or an admin only (anyone else:
/// 404); when billing is off, a clear error.
#[server(prefix = "/api", endpoint = "stores/billing-portal")]
pub async fn billing_portal(subdomain: String) -> Result<String, AppError> {
    use crate::api::guard::{actor, answer, require_tenant_access, services};

    answer(
        async {
            let user = require_tenant_access(&subdomain).await?;
            let services = services()?;
            let tenant = services.tenants.detail(&subdomain).await?.tenant;
            let url = services.billing.portal(&actor(&user), &tenant.id).await?;
            leptos_axum::redirect(&url);
            Ok(url)
        }
        .await,
    )
}
