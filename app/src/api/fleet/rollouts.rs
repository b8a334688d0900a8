//! Rollouts, for admins: the list, one rollout, starting one and steering it.

// Starting a rollout takes each option as its own form field, so that a plain HTML form can
// post it; the server function macro's code carries the count into the browser build too.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::domain::rollout::{RolloutSummary, RolloutView};
use crate::error::AppError;

/// The newest rollouts first; admins only.
#[server(prefix = "/api", endpoint = "admin/rollouts")]
pub async fn list_rollouts() -> Result<Vec<RolloutSummary>, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.fleet.rollouts().await
        }
        .await,
    )
}

/// One rollout with its waves and stores; admins only.
#[server(prefix = "/api", endpoint = "admin/rollouts/show")]
pub async fn show_rollout(id: String) -> Result<RolloutView, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.fleet.rollout(&id).await
        }
        .await,
    )
}

/// Starts a rollout of the release named `release` over every store of its blueprint (or of
/// `plan`, or only the `stores` listed, separated by spaces or commas, when not empty), then
/// opens its page. Admins only.
#[server(prefix = "/api", endpoint = "admin/rollouts/start")]
pub async fn start_rollout(
    release: String,
    #[server(default)] plan: String,
    #[server(default)] stores: String,
    canary: usize,
    waves: String,
    max_parallel: usize,
    bake_secs: u64,
    budget_percent: u8,
    timeout_secs: u64,
    #[server(default)] rollback_all: Option<String>,
) -> Result<RolloutView, AppError> {
    use crate::api::guard::{actor, answer, require_admin, services};
    use crate::domain::rollout::{NewRollout, RolloutOptions};

    answer(
        async {
            let admin = require_admin().await?;
            let request = NewRollout {
                release: release.trim().to_owned(),
                blueprint: None,
                plan: Some(plan.trim().to_owned()).filter(|p| !p.is_empty()),
                stores: stores
                    .split([' ', ',', '\n'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                options: RolloutOptions {
                    canary,
                    waves: RolloutOptions::parse_waves(&waves)
                        .map_err(|e| AppError::Invalid(e.to_string()))?,
                    max_parallel,
                    bake_secs,
                    budget_percent,
                    timeout_secs,
                    rollback_all: rollback_all.is_some(),
                },
            };
            let started = services()?
                .fleet
                .start_rollout(&actor(&admin), &request)
                .await?;
            leptos_axum::redirect(&format!("/admin/rollouts/{}", started.id));
            Ok(started)
        }
        .await,
    )
}

/// Pauses, resumes, aborts or rolls back (`steer`) the rollout `id`; admins only.
#[server(prefix = "/api", endpoint = "admin/rollouts/steer")]
pub async fn steer_rollout(id: String, steer: String) -> Result<RolloutView, AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};
    use crate::domain::rollout::Steer;

    answer(
        async {
            let admin = require_admin().await?;
            let steer: Steer = steer
                .parse()
                .map_err(|_| AppError::Invalid(format!("unknown action {steer:?}")))?;
            let view = services()?
                .fleet
                .steer_rollout(&actor(&admin), &id, steer)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/admin/rollouts/{id}"));
            }
            Ok(view)
        }
        .await,
    )
}

/// Moves one store (`subdomain`) of the rollout `id` back to its previous release; admins
/// only.
#[server(prefix = "/api", endpoint = "admin/rollouts/rollback-store")]
pub async fn rollback_rollout_store(
    id: String,
    subdomain: String,
) -> Result<RolloutView, AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            let view = services()?
                .fleet
                .rollback_store(&actor(&admin), &id, &subdomain)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect(&format!("/admin/rollouts/{id}"));
            }
            Ok(view)
        }
        .await,
    )
}
