//! Plans and blueprints, for admins.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{Blueprint, Plan};
use crate::error::AppError;

/// The catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Plans, in display order.
    pub plans: Vec<Plan>,
    /// Blueprints, by name.
    pub blueprints: Vec<Blueprint>,
}

/// The plans alone, in display order, for the forms that pick one; admins only.
#[server(prefix = "/api", endpoint = "admin/plans")]
pub async fn get_plans() -> Result<Vec<Plan>, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.catalog.plans().await
        }
        .await,
    )
}

/// Plans and blueprints; admins only.
#[server(prefix = "/api", endpoint = "admin/catalog")]
pub async fn get_catalog() -> Result<Catalog, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            let catalog = services()?.catalog.clone();
            Ok(Catalog {
                plans: catalog.plans().await?,
                blueprints: catalog.blueprints().await?,
            })
        }
        .await,
    )
}
