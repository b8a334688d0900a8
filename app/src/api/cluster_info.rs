//! What kind of cluster the server drives.

use leptos::prelude::*;

use crate::error::AppError;

/// Whether the server drives the simulated cluster (nothing runs on Kubernetes).
#[server(prefix = "/api", endpoint = "cluster")]
pub async fn simulated_cluster() -> Result<bool, AppError> {
    use crate::api::guard::{answer, services};

    answer(services().map(|s| s.simulated_cluster))
}
