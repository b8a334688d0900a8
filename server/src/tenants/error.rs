//! Why the tenant service did not do what was asked, for two audiences: the refusals a person
//! may read, and the causes (database, cluster, an inconsistent record) that only the log
//! sees. Converted to the caller's [`AppError`] once, at the port.

use std::future::Future;

use app::error::AppError;

use crate::db::DbError;
use crate::provision::apply::ApplyError;

/// Why a tenant was not moved.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// Its state does not allow the change.
    #[error("The tenant is {state} and cannot be {action} now.")]
    Refused {
        /// The state it is in.
        state: &'static str,
        /// What was asked, as a past participle (`suspended`).
        action: &'static str,
    },
    /// Another change got there first; nothing was changed.
    #[error("The tenant changed meanwhile; try again.")]
    ChangedMeanwhile,
    /// The database failed; asking again may work.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why a tenant operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// The input is not acceptable; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// No such tenant (or not one the caller may see).
    #[error("Not found.")]
    NotFound,
    /// The caller's account is gone.
    #[error("Please log in to continue.")]
    NoAccount,
    /// The request conflicts with the tenant as it is now; the message says how.
    #[error("{0}")]
    Conflict(String),
    /// Its lifecycle refused the change, or the database failed while making it.
    #[error(transparent)]
    Move(#[from] MoveError),
    /// A secret setting was submitted but no secret key is configured.
    #[error("no secret key is configured")]
    NoSecretKey,
    /// The cluster did not answer a read.
    #[error("the cluster cannot be read: {0}")]
    Cluster(#[source] Box<ApplyError>),
    /// The service runs without a cluster client.
    #[error("the tenant service has no cluster client")]
    NoClusterClient,
    /// A stored record contradicts the schema's rules (a plan without its blueprint, a
    /// subdomain that does not parse).
    #[error("inconsistent tenant record: {0}")]
    Inconsistent(String),
    /// The database failed; asking again may work.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<ApplyError> for TenantError {
    fn from(error: ApplyError) -> Self {
        Self::Cluster(Box::new(error))
    }
}

impl TenantError {
    /// An input refusal with this message.
    pub fn invalid(message: impl std::fmt::Display) -> Self {
        Self::Invalid(message.to_string())
    }
}

impl From<MoveError> for AppError {
    fn from(error: MoveError) -> Self {
        match error {
            MoveError::Db(cause) => cause.into(),
            refused => AppError::Conflict(refused.to_string()),
        }
    }
}

impl From<TenantError> for AppError {
    fn from(error: TenantError) -> Self {
        match error {
            TenantError::Invalid(message) => AppError::Invalid(message),
            TenantError::NotFound => AppError::NotFound,
            TenantError::NoAccount => AppError::Unauthenticated,
            TenantError::Conflict(message) => AppError::Conflict(message),
            TenantError::Move(error) => error.into(),
            TenantError::Db(cause) => cause.into(),
            TenantError::NoSecretKey => {
                tracing::error!("a secret setting cannot be saved: no secret key is configured");
                AppError::Unavailable(
                    "Secret settings cannot be saved yet: the operator has not configured a \
                     secret key."
                        .to_owned(),
                )
            }
            TenantError::Cluster(cause) => {
                tracing::warn!(error = %cause, "reading the cluster failed");
                AppError::Unavailable("The cluster cannot be reached right now.".to_owned())
            }
            internal @ (TenantError::NoClusterClient | TenantError::Inconsistent(_)) => {
                tracing::error!(error = %internal, "tenant service failed");
                AppError::Internal
            }
        }
    }
}

/// Runs one use case for a port, its failure turned into what the caller may see.
pub(super) async fn answer<T>(
    work: impl Future<Output = Result<T, TenantError>>,
) -> Result<T, AppError> {
    work.await.map_err(AppError::from)
}
