//! Why the account service did not do what was asked: refusals a person may read, and the
//! causes (database, password hashing) only the log sees. Converted to the caller's
//! [`AppError`] once, at the port.

use std::future::Future;

use app::error::AppError;

use super::hashing::HashError;
use super::rate_limit;
use crate::db::DbError;

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// An account with this email exists already.
    #[error("an account with the email {0} already exists")]
    Exists(String),
    /// No account with this id.
    #[error("no such account")]
    NotFound,
    /// The change would leave no admin.
    #[error("this is the last admin")]
    LastAdmin,
    /// Too many failed log-ins from this account or client.
    #[error("too many failed log-ins; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until an attempt is checked again.
        retry_after_secs: u64,
    },
    /// Email and password do not match an account.
    #[error("email or password is incorrect")]
    BadCredentials,
    /// Hashing or verifying a password failed.
    #[error(transparent)]
    Hashing(#[from] HashError),
    /// The service is shutting down (its hashing permits are closed).
    #[error("the account service is shutting down")]
    Closed,
    /// The database failed; asking again may work.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<AccountError> for AppError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Exists(_) => AppError::Conflict(
                "An account with this email already exists. Log in instead.".to_owned(),
            ),
            AccountError::NotFound => AppError::NotFound,
            AccountError::LastAdmin => {
                AppError::Conflict("This is the last admin: promote someone else first.".to_owned())
            }
            AccountError::RateLimited { retry_after_secs } => AppError::RateLimited {
                message: rate_limit::message(retry_after_secs),
                retry_after_secs,
            },
            AccountError::BadCredentials => AppError::BadCredentials,
            AccountError::Db(cause) => cause.into(),
            internal @ (AccountError::Hashing(_) | AccountError::Closed) => {
                tracing::error!(error = %internal, "account service failed");
                AppError::Internal
            }
        }
    }
}

/// Runs one use case for a port, its failure turned into what the caller may see.
pub(super) async fn answer<T>(
    work: impl Future<Output = Result<T, AccountError>>,
) -> Result<T, AppError> {
    work.await.map_err(AppError::from)
}
