//! The fleet port: releases, tokens and rollouts for the admin pages, each service's error
//! becoming the UI's once, here.

use std::future::Future;

use app::domain::rollout::{NewRollout, RolloutSummary, RolloutView, Steer};
use app::domain::token::{MadeToken, TokenView};
use app::domain::{Actor, NewRelease, ReleaseView};
use app::error::AppError;
use app::ports::Fleet;
use async_trait::async_trait;

use super::RolloutService;
use crate::releases::ReleaseService;
use crate::tokens::TokenService;

/// Releases, tokens and rollouts, behind the one port the admin pages use.
#[derive(Clone)]
pub struct FleetService {
    /// Releases.
    pub releases: ReleaseService,
    /// API tokens.
    pub tokens: TokenService,
    /// Rollouts.
    pub rollouts: RolloutService,
}

async fn answer<T, E: Into<AppError>>(
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, AppError> {
    work.await.map_err(Into::into)
}

#[async_trait]
impl Fleet for FleetService {
    async fn releases(&self) -> Result<Vec<ReleaseView>, AppError> {
        answer(self.releases.list()).await
    }

    async fn create_release(
        &self,
        actor: &Actor,
        release: &NewRelease,
    ) -> Result<ReleaseView, AppError> {
        answer(self.releases.create(actor, release)).await
    }

    async fn tokens(&self) -> Result<Vec<TokenView>, AppError> {
        answer(self.tokens.list()).await
    }

    async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &str,
    ) -> Result<MadeToken, AppError> {
        let made = answer(self.tokens.create(actor, name, scopes)).await?;
        Ok(MadeToken {
            view: made.view,
            secret: made.secret,
        })
    }

    async fn revoke_token(&self, actor: &Actor, name: &str) -> Result<(), AppError> {
        answer(self.tokens.revoke(actor, name)).await
    }

    async fn rollouts(&self) -> Result<Vec<RolloutSummary>, AppError> {
        answer(self.rollouts.list()).await
    }

    async fn rollout(&self, id: &str) -> Result<RolloutView, AppError> {
        answer(self.rollouts.show(id)).await
    }

    async fn start_rollout(
        &self,
        actor: &Actor,
        request: &NewRollout,
    ) -> Result<RolloutView, AppError> {
        answer(self.rollouts.start(actor, request)).await
    }

    async fn steer_rollout(
        &self,
        actor: &Actor,
        id: &str,
        steer: Steer,
    ) -> Result<RolloutView, AppError> {
        let rollouts = &self.rollouts;
        answer(async {
            match steer {
                Steer::Pause => rollouts.pause(actor, id).await,
                Steer::Resume => rollouts.resume(actor, id).await,
                Steer::Abort => rollouts.abort(actor, id).await,
                Steer::Rollback => rollouts.rollback(actor, id).await,
            }
        })
        .await
    }

    async fn rollback_store(
        &self,
        actor: &Actor,
        id: &str,
        subdomain: &str,
    ) -> Result<RolloutView, AppError> {
        answer(self.rollouts.rollback_store(actor, id, subdomain)).await
    }

    async fn pin(
        &self,
        actor: &Actor,
        subdomain: &str,
        reason: Option<&str>,
    ) -> Result<(), AppError> {
        answer(self.rollouts.pin(actor, subdomain, reason)).await
    }

    async fn set_canary(&self, actor: &Actor, subdomain: &str, on: bool) -> Result<(), AppError> {
        answer(self.rollouts.set_canary(actor, subdomain, on)).await
    }
}
