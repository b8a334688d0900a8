//! Why a change of a tenant's lifecycle was not made, for two audiences: the refusals a
//! person may read, and the database's failure, which only the log sees.

use app::error::AppError;

use crate::db::DbError;

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

impl From<MoveError> for AppError {
    fn from(error: MoveError) -> Self {
        match error {
            MoveError::Db(cause) => {
                tracing::error!(error = %cause, "moving a tenant failed");
                AppError::Internal
            }
            refused => AppError::Conflict(refused.to_string()),
        }
    }
}
