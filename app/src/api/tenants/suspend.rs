//! An admin action on one tenant: suspend.

use leptos::prelude::*;

use crate::error::AppError;

/// Suspends a tenant: workloads stopped, maintenance page served, data kept; admins only. Returns the job's id.
#[server(prefix = "/api", endpoint = "admin/tenants/suspend")]
pub async fn suspend_tenant(subdomain: String) -> Result<String, AppError> {
    use crate::api::audit::record_as;
    use crate::api::guard::{answer, is_plain_form_post, require_admin, services};
    use crate::domain::audit::action;

    answer(
        async {
            let admin = require_admin().await?;
            let cause = format!("admin {}", admin.email);
            let job_id = services()?.tenants.suspend(&subdomain, &cause).await?;
            let detail = format!("job={job_id}");
            record_as(&admin, action::TENANT_SUSPEND, &subdomain, &detail).await;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            }
            Ok(job_id)
        }
        .await,
    )
}
