//! Deleting a tenant from the admin panel.

use leptos::prelude::*;

use crate::error::AppError;

/// Starts removing a tenant, confirmed by typing its subdomain; admins only.
#[server(prefix = "/api", endpoint = "admin/tenants/delete")]
pub async fn delete_tenant(subdomain: String, confirm: String) -> Result<(), AppError> {
    use crate::api::guard::{actor, answer, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            if confirm.trim() != subdomain {
                return Err(AppError::Invalid(
                    "Type the subdomain exactly to confirm the deletion.".to_owned(),
                ));
            }
            services()?
                .tenants
                .delete(&actor(&admin), &subdomain)
                .await?;
            leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            Ok(())
        }
        .await,
    )
}
