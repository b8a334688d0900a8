//! What an admin inspects of one tenant: its rendered manifests and its cluster objects.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{ClusterObjectView, SettingsForm};
use crate::error::AppError;

/// The tenant's manifests, cluster objects and settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantInspection {
    /// The rendered objects as YAML, secrets redacted.
    pub manifests: String,
    /// The objects on the cluster, or why they could not be read.
    pub objects: Result<Vec<ClusterObjectView>, String>,
    /// The settings (secrets never shown) and their history.
    pub settings: SettingsForm,
}

/// A tenant's manifests, cluster objects and settings; admins only.
#[server(prefix = "/api", endpoint = "admin/tenants/inspect")]
pub async fn inspect_tenant(subdomain: String) -> Result<TenantInspection, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            let services = services()?;
            let tenants = &services.inspection;
            Ok(TenantInspection {
                manifests: tenants.manifests(&subdomain).await?,
                objects: tenants
                    .cluster_objects(&subdomain)
                    .await
                    .map_err(|e| e.to_string()),
                settings: services.stores.settings_form(&subdomain).await?,
            })
        }
        .await,
    )
}
