//! Saving a store's settings, which starts its update job.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::error::AppError;

/// Saves changed settings (form fields `values[<key>]`) and starts the update; returns the
/// job's id. The owner or an admin only (anyone else: 404). Every value is checked again
/// here; a bad one changes nothing.
#[server(prefix = "/api", endpoint = "stores/settings/save")]
pub async fn save_settings(
    subdomain: String,
    #[server(default)] values: BTreeMap<String, String>,
) -> Result<String, AppError> {
    use crate::api::audit::record_as;
    use crate::api::guard::{answer, is_plain_form_post, require_tenant_access, services};
    use crate::domain::audit::action;

    answer(
        async {
            let user = require_tenant_access(&subdomain).await?;
            let job_id = services()?
                .tenants
                .update_settings(&subdomain, &user.email, &values)
                .await?;
            // Keys only: values may be secrets.
            let keys: Vec<&str> = values.keys().map(String::as_str).collect();
            let detail = format!("job={job_id} keys={}", keys.join(","));
            record_as(&user, action::SETTINGS_CHANGE, &subdomain, &detail).await;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/stores/{subdomain}"));
            }
            Ok(job_id)
        }
        .await,
    )
}
