//! Saving a store's settings, which starts its update job.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::domain::JobId;
use crate::error::AppError;

/// Saves changed settings (form fields `values[<key>]`) and starts the update; returns the
/// job's id. The owner or an admin only (anyone else: 404). Every value is checked again
/// here; a bad one changes nothing.
#[server(prefix = "/api", endpoint = "stores/settings/save")]
pub async fn save_settings(
    subdomain: String,
    #[server(default)] values: BTreeMap<String, String>,
) -> Result<JobId, AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_tenant_access, services};

    answer(
        async {
            let user = require_tenant_access(&subdomain).await?;
            let job_id = services()?
                .stores
                .update_settings(&actor(&user), &subdomain, &values)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/stores/{subdomain}"));
            }
            Ok(job_id)
        }
        .await,
    )
}
