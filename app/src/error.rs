//! The one error type server functions return: what the user may see, and its HTTP status.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// An error as the browser sees it. Causes (database errors and the like) stay in the server
/// log; only these messages cross the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input is not acceptable; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// The caller is not signed in.
    #[error("Please log in to continue.")]
    Unauthenticated,
    /// The caller is signed in but may not do this.
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// What was asked for does not exist (or the caller may not know that it does).
    #[error("Not found.")]
    NotFound,
    /// The request conflicts with what exists, such as an email already registered.
    #[error("{0}")]
    Conflict(String),
    /// Email and password do not match an account. Deliberately says no more than that.
    #[error("Email or password is incorrect.")]
    BadCredentials,
    /// Too many attempts; the message says when to try again, and `retry_after_secs` says it
    /// to programs (the `Retry-After` header).
    #[error("{message}")]
    RateLimited {
        /// What the person reads.
        message: String,
        /// Seconds until an attempt is considered again.
        retry_after_secs: u64,
    },
    /// The request body is larger than the server accepts.
    #[error("The request is too large.")]
    TooLarge,
    /// Something failed on the server; the details are in its log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// A service the server depends on (the cluster) cannot be reached; the message says which.
    #[error("{0}")]
    Unavailable(String),
    /// The request or response could not be carried (network, encoding).
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status an API client receives for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 422,
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::RateLimited { .. } => 429,
            AppError::TooLarge => 413,
            AppError::Internal => 500,
            AppError::Unavailable(_) => 503,
            AppError::Transport(_) => 400,
        }
    }

    /// Seconds a client should wait before asking again, for errors that say so.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_http_meaning() {
        assert_eq!(AppError::Unauthenticated.status(), 401);
        assert_eq!(AppError::Forbidden.status(), 403);
        let limited = AppError::RateLimited {
            message: "later".into(),
            retry_after_secs: 60,
        };
        assert_eq!(limited.status(), 429);
        assert_eq!(limited.retry_after_secs(), Some(60));
        assert_eq!(AppError::TooLarge.status(), 413);
        assert_eq!(AppError::Transport("bad".into()).status(), 400);
        assert_eq!(AppError::Invalid("bad".into()).status(), 422);
    }

    #[test]
    fn internal_errors_say_nothing_of_their_cause() {
        assert!(!AppError::Internal
            .to_string()
            .to_lowercase()
            .contains("sql"));
    }
}
