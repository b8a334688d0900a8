//! Why opening a checkout or the billing portal failed: refusals a person may read, and the
//! causes (Stripe, the database) only the log sees. Converted to the caller's [`AppError`]
//! once, at the port.

use std::future::Future;

use app::domain::Subdomain;
use app::error::AppError;

use crate::db::DbError;

/// Why a billing operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// Billing is switched off.
    #[error("Billing is off: plans are free.")]
    Off,
    /// No such store.
    #[error("Not found.")]
    NotFound,
    /// The store is not waiting for a payment.
    #[error("The store {subdomain} is {state} and has nothing to pay now.")]
    NothingToPay {
        /// The store's subdomain.
        subdomain: Subdomain,
        /// The state it is in.
        state: &'static str,
    },
    /// The store's plan has no price at Stripe.
    #[error("The plan \"{0}\" has no Stripe price yet; an admin must set its price id.")]
    NoPrice(String),
    /// The store has no Stripe customer yet.
    #[error("The store {0} has no subscription to manage yet.")]
    NoSubscription(Subdomain),
    /// Stripe failed or did not answer.
    #[error("{what} failed at Stripe: {source}")]
    Stripe {
        /// The request, in words.
        what: &'static str,
        /// Stripe's error (it names the request, never the key).
        source: stripe::StripeError,
    },
    /// A stored record or Stripe's answer contradicts what the service relies on.
    #[error("inconsistent billing data: {0}")]
    Inconsistent(String),
    /// The database failed; asking again may work.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<BillingError> for AppError {
    fn from(error: BillingError) -> Self {
        match error {
            BillingError::NotFound => AppError::NotFound,
            refused @ (BillingError::Off
            | BillingError::NothingToPay { .. }
            | BillingError::NoPrice(_)
            | BillingError::NoSubscription(_)) => AppError::Conflict(refused.to_string()),
            BillingError::Stripe { .. } => {
                tracing::error!(error = %error, "a billing request failed");
                AppError::Transport(
                    "the payment provider did not answer; please try again".to_owned(),
                )
            }
            BillingError::Inconsistent(_) => {
                tracing::error!(error = %error, "billing failed");
                AppError::Internal
            }
            BillingError::Db(cause) => cause.into(),
        }
    }
}

/// Runs one use case for a port, its failure turned into what the caller may see.
pub(super) async fn answer<T>(
    work: impl Future<Output = Result<T, BillingError>>,
) -> Result<T, AppError> {
    work.await.map_err(AppError::from)
}
