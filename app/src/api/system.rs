//! The control plane's own health, for admins.

use leptos::prelude::*;

use crate::domain::system::SystemCheck;
use crate::error::AppError;

/// The settings and every dependency, checked now, as `storefleet doctor` does; admins only.
#[server(prefix = "/api", endpoint = "admin/system")]
pub async fn system_checks() -> Result<Vec<SystemCheck>, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.system.checks().await
        }
        .await,
    )
}
