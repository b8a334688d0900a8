//! Why a rollout was not started or steered as asked.

use app::domain::rollout::{OptionsProblem, RolloutState};
use app::error::AppError;

use crate::db::DbError;

/// Why a rollout was not started or steered.
#[derive(Debug, thiserror::Error)]
pub enum RolloutError {
    /// The options cannot work; nothing was started.
    #[error(transparent)]
    Options(#[from] OptionsProblem),
    /// No release of that name.
    #[error("there is no release {0:?}")]
    NoRelease(String),
    /// Several blueprints have a release of that name.
    #[error("blueprints {blueprints} each have a release {name}: name the blueprint")]
    Ambiguous {
        /// The release name.
        name: String,
        /// The blueprints that have one.
        blueprints: String,
    },
    /// A store named is not one of the release's blueprint.
    #[error("{0:?} is not a store of blueprint {1}")]
    UnknownStore(String, String),
    /// No store by that subdomain.
    #[error("there is no store {0:?}")]
    NoStore(String),
    /// A pin's reason is empty or too long.
    #[error("a pin needs a reason of 1 to 200 characters")]
    PinReason,
    /// A plan named is not one of the release's blueprint.
    #[error("plan {0:?} is not a plan of blueprint {1}")]
    UnknownPlan(String, String),
    /// Another rollout of the blueprint is under way.
    #[error("rollout {0} of this blueprint is under way: pause or abort it first")]
    Busy(String),
    /// No rollout (or store of it) by that id.
    #[error("there is no such rollout")]
    NotFound,
    /// The rollout's state does not allow it.
    #[error("the rollout is {state} and cannot be {action}")]
    Refused {
        /// Where it stands.
        state: &'static str,
        /// What was asked, as a past participle.
        action: &'static str,
    },
    /// The store is not one this rollout moved.
    #[error("{0} is not a store this rollout updated")]
    NotMoved(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl RolloutError {
    pub(super) fn refused(state: RolloutState, action: &'static str) -> Self {
        RolloutError::Refused {
            state: state.as_str(),
            action,
        }
    }
}

impl From<RolloutError> for AppError {
    fn from(error: RolloutError) -> Self {
        match error {
            RolloutError::Options(_)
            | RolloutError::NoRelease(_)
            | RolloutError::Ambiguous { .. }
            | RolloutError::UnknownStore(..)
            | RolloutError::UnknownPlan(..)
            | RolloutError::PinReason => AppError::Invalid(error.to_string()),
            RolloutError::Busy(_) | RolloutError::Refused { .. } | RolloutError::NotMoved(_) => {
                AppError::Conflict(error.to_string())
            }
            RolloutError::NotFound | RolloutError::NoStore(_) => AppError::NotFound,
            RolloutError::Db(error) => error.into(),
        }
    }
}
