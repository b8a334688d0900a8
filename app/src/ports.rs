//! The services the UI needs from the server, declared here and implemented by the `server`
//! crate, which hands them to Leptos as context.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{Email, Password, Role, UserView};
use crate::error::AppError;

/// Where a request came from, as the server's edge determined it (peer address, or the
/// forwarded address when a trusted proxy is configured). Inserted into request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

/// Accounts: sign-up, log-in and look-ups.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates a customer account. Refuses an email that already has one.
    async fn sign_up(&self, email: Email, password: Password) -> Result<UserView, AppError>;

    /// Checks a log-in attempt, counting it against the account's and the client's limits.
    /// Never says whether the account exists.
    async fn log_in(
        &self,
        email: &str,
        password: String,
        client: &ClientAddr,
    ) -> Result<UserView, AppError>;

    /// The account with this id, if it still exists.
    async fn user(&self, id: &str) -> Result<Option<UserView>, AppError>;

    /// Every account, oldest first.
    async fn list_users(&self) -> Result<Vec<UserView>, AppError>;

    /// Gives an account another role. Refuses to demote the last admin.
    async fn set_role(&self, user_id: &str, role: Role) -> Result<UserView, AppError>;
}

/// Everything the server provides to server functions, one context value.
#[derive(Clone)]
pub struct Services {
    /// Account service.
    pub accounts: Arc<dyn Accounts>,
}
