//! An admin action on one tenant: cancel its unfinished job.

use leptos::prelude::*;

use crate::domain::JobId;
use crate::error::AppError;

/// Cancels a tenant's unfinished job; it stops at its next step boundary. Admins only.
/// Returns the cancelled job's id.
#[server(prefix = "/api", endpoint = "admin/tenants/cancel")]
pub async fn cancel_tenant_job(subdomain: String) -> Result<JobId, AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            let job_id = services()?
                .tenants
                .cancel(&actor(&admin), &subdomain)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            }
            Ok(job_id)
        }
        .await,
    )
}
