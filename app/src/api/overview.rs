//! The fleet at a glance, for admins.

use leptos::prelude::*;

use crate::domain::overview::FleetOverview;
use crate::error::AppError;

/// Stores by state and plan, what needs attention and the last 30 days; admins only.
#[server(prefix = "/api", endpoint = "admin/overview")]
pub async fn get_overview() -> Result<FleetOverview, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.overview.overview().await
        }
        .await,
    )
}
