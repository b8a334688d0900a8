//! What a visitor may sign up for.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::Plan;
use crate::error::AppError;

/// The plans on offer and where stores live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupOfferData {
    /// Plans, in display order (without their Stripe price ids).
    pub plans: Vec<Plan>,
    /// Stores are reached at `<subdomain>.<base_domain>`.
    pub base_domain: String,
    /// Whether customers pay before their store is built.
    pub billing: bool,
}

/// The plans and the base domain; anyone may ask.
#[server(prefix = "/api", endpoint = "signup/offer")]
pub async fn signup_offer() -> Result<SignupOfferData, AppError> {
    use crate::api::guard::{answer, services};

    answer(
        async {
            let services = services()?;
            let plans = services
                .catalog
                .plans()
                .await?
                .into_iter()
                .map(|plan| Plan {
                    price_id: None,
                    ..plan
                })
                .collect();
            Ok(SignupOfferData {
                plans,
                base_domain: services.signup.base_domain(),
                billing: services.billing.enabled(),
            })
        }
        .await,
    )
}
