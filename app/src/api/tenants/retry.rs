//! Retrying a tenant's failed job from the admin panel.

use leptos::prelude::*;

use crate::error::AppError;

/// Puts the tenant's failed job back in the queue at the step it failed; admins only.
#[server(prefix = "/api", endpoint = "admin/tenants/retry")]
pub async fn retry_tenant_job(subdomain: String) -> Result<(), AppError> {
    use crate::api::audit::record_as;
    use crate::api::guard::{answer, require_admin, services};
    use crate::domain::audit::action;

    answer(
        async {
            let admin = require_admin().await?;
            let cause = format!("admin {}", admin.email);
            let job = services()?.tenants.retry(&subdomain, &cause).await?;
            let detail = format!("job={job}");
            record_as(&admin, action::TENANT_RETRY, &subdomain, &detail).await;
            leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            Ok(())
        }
        .await,
    )
}
