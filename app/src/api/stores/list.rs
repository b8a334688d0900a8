//! The stores the signed-in account owns.

use leptos::prelude::*;

use crate::domain::TenantView;
use crate::error::AppError;

/// The caller's stores, newest first.
#[server(prefix = "/api", endpoint = "stores/list")]
pub async fn my_stores() -> Result<Vec<TenantView>, AppError> {
    use crate::api::guard::{answer, require_user, services};

    answer(
        async {
            let user = require_user().await?;
            services()?.stores.owned(&user.id).await
        }
        .await,
    )
}
