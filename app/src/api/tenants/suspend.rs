//! An admin action on one tenant: suspend.

use leptos::prelude::*;

use crate::domain::JobId;
use crate::error::AppError;

/// Suspends a tenant: workloads stopped, maintenance page served, data kept; admins only. Returns the job's id.
#[server(prefix = "/api", endpoint = "admin/tenants/suspend")]
pub async fn suspend_tenant(subdomain: String) -> Result<JobId, AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            let job_id = services()?
                .tenants
                .suspend(&actor(&admin), &subdomain)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            }
            Ok(job_id)
        }
        .await,
    )
}
