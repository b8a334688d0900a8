//! Creating a tenant from the admin panel.

use leptos::prelude::*;

use crate::domain::TenantView;
use crate::error::AppError;

/// Creates a tenant and queues its provisioning, then opens its page to watch it; admins
/// only. An empty owner email creates a tenant without an owner.
#[server(prefix = "/api", endpoint = "admin/tenants/create")]
pub async fn create_tenant(
    subdomain: String,
    plan: String,
    owner_email: String,
) -> Result<TenantView, AppError> {
    use crate::api::guard::{actor, answer, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            let owner = Some(owner_email.trim()).filter(|e| !e.is_empty());
            let (tenant, _job) = services()?
                .tenants
                .create(&actor(&admin), &subdomain, &plan, owner)
                .await?;
            leptos_axum::redirect(&format!("/admin/tenants/{}", tenant.subdomain));
            Ok(tenant)
        }
        .await,
    )
}
