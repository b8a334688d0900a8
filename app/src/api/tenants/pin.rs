//! Admin actions on one tenant's place in rollouts: pin it to its release (with a reason) or
//! unpin it, and make it a canary or not.

use leptos::prelude::*;

use crate::error::AppError;

/// Pins the tenant to the release it runs, with `reason`, or unpins it when `reason` is
/// empty; rollouts leave a pinned tenant out and say why. Admins only.
#[server(prefix = "/api", endpoint = "admin/tenants/pin")]
pub async fn pin_tenant(
    subdomain: String,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            let reason = Some(reason.trim()).filter(|r| !r.is_empty());
            services()?
                .fleet
                .pin(&actor(&admin), &subdomain, reason)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            }
            Ok(())
        }
        .await,
    )
}

/// Makes the tenant a canary (`on=true`), updated first in every rollout, or not. Admins
/// only.
#[server(prefix = "/api", endpoint = "admin/tenants/canary")]
pub async fn set_canary(subdomain: String, on: bool) -> Result<(), AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            services()?
                .fleet
                .set_canary(&actor(&admin), &subdomain, on)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            }
            Ok(())
        }
        .await,
    )
}
