//! Retrying a tenant's failed job from the admin panel.

use leptos::prelude::*;

use crate::error::AppError;

/// Puts the tenant's failed job back in the queue at the step it failed; admins only.
#[server(prefix = "/api", endpoint = "admin/tenants/retry")]
pub async fn retry_tenant_job(subdomain: String) -> Result<(), AppError> {
    use crate::api::guard::{actor, answer, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            services()?
                .tenants
                .retry(&actor(&admin), &subdomain)
                .await?;
            leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            Ok(())
        }
        .await,
    )
}
