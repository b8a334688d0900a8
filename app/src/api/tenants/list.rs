//! Listing tenants.

use leptos::prelude::*;

use crate::domain::TenantView;
use crate::error::AppError;

/// Every tenant, newest first; admins only.
#[server(prefix = "/api", endpoint = "admin/tenants")]
pub async fn list_tenants() -> Result<Vec<TenantView>, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.tenants.list().await
        }
        .await,
    )
}
