//! Accounts, the catalogue and job progress: what every visitor's pages read.

use async_trait::async_trait;

use super::ClientAddr;
use crate::domain::{
    Actor, Blueprint, Email, JobId, JobProgress, Password, Plan, Role, UserId, UserView,
};
use crate::error::AppError;

/// Accounts: sign-up, log-in and look-ups.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates a customer account and records it. Refuses an email that already has one.
    async fn sign_up(
        &self,
        email: Email,
        password: Password,
        client: &ClientAddr,
    ) -> Result<UserView, AppError>;

    /// Checks a log-in attempt, counting it against the account's and the client's limits,
    /// and records a success. Never says whether the account exists.
    async fn log_in(
        &self,
        email: &str,
        password: String,
        client: &ClientAddr,
    ) -> Result<UserView, AppError>;

    /// Records that the actor signed out (its session is already gone).
    async fn log_out(&self, actor: &Actor);

    /// The account with this id, if it still exists.
    async fn user(&self, id: &UserId) -> Result<Option<UserView>, AppError>;

    /// Every account, oldest first.
    async fn list_users(&self) -> Result<Vec<UserView>, AppError>;

    /// Gives an account another role. Refuses to demote the last admin.
    async fn set_role(
        &self,
        actor: &Actor,
        user_id: &UserId,
        role: Role,
    ) -> Result<UserView, AppError>;
}

/// The catalogue: plans and the blueprints they deploy.
#[async_trait]
pub trait Catalog: Send + Sync {
    /// The plans, in display order.
    async fn plans(&self) -> Result<Vec<Plan>, AppError>;

    /// The blueprints.
    async fn blueprints(&self) -> Result<Vec<Blueprint>, AppError>;
}

/// Jobs as they run, for the pages that watch them.
#[async_trait]
pub trait JobProgressFeed: Send + Sync {
    /// A job, its events after `after`, and the time left.
    async fn progress(&self, job_id: &JobId, after: i64) -> Result<JobProgress, AppError>;

    /// The id of the account owning the tenant a job works on.
    async fn job_owner(&self, job_id: &JobId) -> Result<Option<UserId>, AppError>;
}
