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
    use crate::api::audit::record_as;
    use crate::api::guard::{answer, require_admin, services};
    use crate::domain::audit::action;

    answer(
        async {
            let admin = require_admin().await?;
            let owner = Some(owner_email.trim()).filter(|e| !e.is_empty());
            let cause = format!("admin {}", admin.email);
            let (tenant, _job) = services()?
                .tenants
                .create(&subdomain, &plan, owner, &cause)
                .await?;
            let detail = format!(
                "plan={} owner={}",
                tenant.plan,
                tenant.owner_email.as_deref().unwrap_or("none")
            );
            record_as(&admin, action::TENANT_CREATE, &tenant.subdomain, &detail).await;
            leptos_axum::redirect(&format!("/admin/tenants/{}", tenant.subdomain));
            Ok(tenant)
        }
        .await,
    )
}
