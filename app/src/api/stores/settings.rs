//! A store's settings form and the history of its changes.

use leptos::prelude::*;

use crate::domain::SettingsForm;
use crate::error::AppError;

/// The settings form of a store; its owner or an admin only (anyone else: 404).
#[server(prefix = "/api", endpoint = "stores/settings")]
pub async fn store_settings(subdomain: String) -> Result<SettingsForm, AppError> {
    use crate::api::guard::{answer, require_tenant_access, services};

    answer(
        async {
            require_tenant_access(&subdomain).await?;
            services()?.stores.settings_form(&subdomain).await
        }
        .await,
    )
}
