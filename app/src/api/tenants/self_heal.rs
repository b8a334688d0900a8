//! An admin action on one tenant: turn its self-heal on or off.

use leptos::prelude::*;

use crate::error::AppError;

/// Turns the reconciler's repairs of a tenant on (`on=true`) or off: with self-heal off, its
/// drift is reported and left as it is. Admins only.
#[server(prefix = "/api", endpoint = "admin/tenants/self-heal")]
pub async fn set_self_heal(subdomain: String, on: bool) -> Result<(), AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            services()?
                .tenants
                .set_self_heal(&actor(&admin), &subdomain, on)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            }
            Ok(())
        }
        .await,
    )
}
