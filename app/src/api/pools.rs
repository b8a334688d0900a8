//! Pools of standby stores, for admins: each plan's pool and setting its size.

use leptos::prelude::*;

use crate::domain::pool::{PoolView, Pools};
use crate::error::AppError;

/// Every plan's pool and how fast recent stores became ready; admins only.
#[server(prefix = "/api", endpoint = "admin/pools")]
pub async fn list_pools() -> Result<Pools, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.pools.pools().await
        }
        .await,
    )
}

/// Sets how many ready standby stores a plan keeps, as typed; admins only.
#[server(prefix = "/api", endpoint = "admin/pools/set")]
pub async fn set_pool_size(plan: String, size: String) -> Result<PoolView, AppError> {
    use crate::api::guard::{actor, answer, require_admin, services};
    use crate::domain::pool::parse_size;

    answer(
        async {
            let admin = require_admin().await?;
            let size = parse_size(&size).map_err(|e| AppError::Invalid(e.to_string()))?;
            services()?
                .pools
                .set_size(&actor(&admin), &plan, size)
                .await
        }
        .await,
    )
}
