//! Deleting a tenant from the admin panel.

use leptos::prelude::*;

use crate::error::AppError;

/// Starts removing a tenant, confirmed by typing its subdomain; admins only.
#[server(prefix = "/api", endpoint = "admin/tenants/delete")]
pub async fn delete_tenant(subdomain: String, confirm: String) -> Result<(), AppError> {
    use crate::api::audit::record_as;
    use crate::api::guard::{answer, require_admin, services};
    use crate::domain::audit::action;

    answer(
        async {
            let admin = require_admin().await?;
            if confirm.trim() != subdomain {
                return Err(AppError::Invalid(
                    "Type the subdomain exactly to confirm the deletion.".to_owned(),
                ));
            }
            let cause = format!("admin {}", admin.email);
            let job = services()?.tenants.delete(&subdomain, &cause).await?;
            let detail = format!("job={job}");
            record_as(&admin, action::TENANT_DELETE, &subdomain, &detail).await;
            leptos_axum::redirect(&format!("/admin/tenants/{subdomain}"));
            Ok(())
        }
        .await,
    )
}
