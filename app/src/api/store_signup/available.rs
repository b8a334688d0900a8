//! The live subdomain check of the sign-up form.

use leptos::prelude::*;

use crate::domain::Availability;
use crate::error::AppError;

/// Whether a subdomain, as typed, can be chosen for a new store: its rules, then whether
/// another store has it. Anyone may ask: taken subdomains are public (they are in DNS).
#[server(prefix = "/api", endpoint = "signup/subdomain_available")]
pub async fn subdomain_available(subdomain: String) -> Result<Availability, AppError> {
    use crate::api::guard::{answer, services};

    answer(async { services()?.signup.subdomain_available(&subdomain).await }.await)
}
