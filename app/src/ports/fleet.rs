//! What admins do to the fleet as a whole: releases, the API tokens CI announces them with,
//! rollouts of a release over the stores, and which stores are pinned or canaries.

use async_trait::async_trait;

use crate::domain::rollout::{NewRollout, RolloutSummary, RolloutView, Steer};
use crate::domain::token::{MadeToken, TokenView};
use crate::domain::{Actor, NewRelease, ReleaseView};
use crate::error::AppError;

/// Releases, tokens and rollouts.
#[async_trait]
pub trait Fleet: Send + Sync {
    /// The newest releases first.
    async fn releases(&self) -> Result<Vec<ReleaseView>, AppError>;

    /// Makes a release.
    async fn create_release(
        &self,
        actor: &Actor,
        release: &NewRelease,
    ) -> Result<ReleaseView, AppError>;

    /// Every API token, never its secret.
    async fn tokens(&self) -> Result<Vec<TokenView>, AppError>;

    /// Makes a token with these scopes (names separated by spaces or commas).
    async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &str,
    ) -> Result<MadeToken, AppError>;

    /// Revokes a token.
    async fn revoke_token(&self, actor: &Actor, name: &str) -> Result<(), AppError>;

    /// The newest rollouts first.
    async fn rollouts(&self) -> Result<Vec<RolloutSummary>, AppError>;

    /// One rollout with its waves and stores.
    async fn rollout(&self, id: &str) -> Result<RolloutView, AppError>;

    /// Plans and starts a rollout.
    async fn start_rollout(
        &self,
        actor: &Actor,
        request: &NewRollout,
    ) -> Result<RolloutView, AppError>;

    /// Pauses, resumes, aborts or rolls back a rollout.
    async fn steer_rollout(
        &self,
        actor: &Actor,
        id: &str,
        steer: Steer,
    ) -> Result<RolloutView, AppError>;

    /// Moves one store of a rollout back to its previous release.
    async fn rollback_store(
        &self,
        actor: &Actor,
        id: &str,
        subdomain: &str,
    ) -> Result<RolloutView, AppError>;

    /// Pins a store to its release with a reason, or unpins it (`None`).
    async fn pin(
        &self,
        actor: &Actor,
        subdomain: &str,
        reason: Option<&str>,
    ) -> Result<(), AppError>;

    /// Makes a store a canary, or no longer one.
    async fn set_canary(&self, actor: &Actor, subdomain: &str, on: bool) -> Result<(), AppError>;
}
