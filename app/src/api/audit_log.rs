//! Reading the audit log, for admins.

use leptos::prelude::*;

use crate::domain::AuditPage;
use crate::error::AppError;

/// One page of the audit log matching the URL's parameters (see
/// [`AuditQuery::parse`](crate::domain::AuditQuery::parse)), newest first; admins only.
#[server(prefix = "/api", endpoint = "admin/audit")]
pub async fn search_audit(
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    page: Option<String>,
) -> Result<AuditPage, AppError> {
    use crate::api::guard::{answer, require_admin, services};
    use crate::domain::AuditQuery;

    answer(
        async {
            require_admin().await?;
            let query = AuditQuery::parse(|key| match key {
                "actor" => actor.clone(),
                "action" => action.clone(),
                "target" => target.clone(),
                "page" => page.clone(),
                _ => None,
            })
            .map_err(|e| AppError::Invalid(e.to_string()))?;
            services()?.audit.search(&query).await
        }
        .await,
    )
}
