//! An admin action on one tenant: resume.

use leptos::prelude::*;

use crate::domain::JobId;
use crate::error::AppError;

/// Brings a suspended tenant back; admins only. Returns the job's id.
#[server(prefix = "/api", endpoint = "admin/tenants/resume")]
pub async fn resume_tenant(subdomain: String) -> Result<JobId, AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            let job_id = services()?
                .tenants
                .resume(&actor(&admin), &subdomain)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            }
            Ok(job_id)
        }
        .await,
    )
}
