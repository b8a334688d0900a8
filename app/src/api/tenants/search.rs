//! Searching the tenants.

use leptos::prelude::*;

use crate::domain::TenantPage;
use crate::error::AppError;

/// One page of the tenants matching the URL's parameters (see
/// [`TenantQuery::parse`](crate::domain::TenantQuery::parse)); admins only.
#[server(prefix = "/api", endpoint = "admin/tenants")]
pub async fn search_tenants(
    q: Option<String>,
    state: Option<String>,
    plan: Option<String>,
    sort: Option<String>,
    page: Option<String>,
) -> Result<TenantPage, AppError> {
    use crate::api::guard::{answer, require_admin, services};
    use crate::domain::TenantQuery;

    answer(
        async {
            require_admin().await?;
            let query = TenantQuery::parse(|key| match key {
                "q" => q.clone(),
                "state" => state.clone(),
                "plan" => plan.clone(),
                "sort" => sort.clone(),
                "page" => page.clone(),
                _ => None,
            })
            .map_err(|e| AppError::Invalid(e.to_string()))?;
            services()?.tenants.search(&query).await
        }
        .await,
    )
}
