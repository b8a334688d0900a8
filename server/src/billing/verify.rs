//! Whether Stripe accepts the configured secret key: the doctor's check of billing.

use std::time::Duration;

/// Why the key could not be verified.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Stripe answered that the key is not valid.
    #[error("Stripe refused the secret key (HTTP {0})")]
    Refused(u16),
    /// Stripe answered with another error.
    #[error("Stripe answered HTTP {0}")]
    Failed(u16),
    /// No answer came.
    #[error("no answer from Stripe at {url}: {cause}")]
    Unreachable {
        /// The API's address.
        url: String,
        /// Why.
        cause: String,
    },
}

/// Asks Stripe at `api_base` (ending in `/`) for one customer with `secret_key`: a read that
/// every valid key, test or live, may make and that changes nothing.
pub async fn secret_key(api_base: &str, secret_key: &str) -> Result<(), VerifyError> {
    let url = format!("{api_base}v1/customers?limit=1");
    let unreachable = |cause: String| VerifyError::Unreachable {
        url: api_base.to_owned(),
        cause,
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| unreachable(e.to_string()))?;
    let answer = http
        .get(url)
        .bearer_auth(secret_key)
        .send()
        .await
        .map_err(|e| unreachable(e.without_url().to_string()))?;
    match answer.status().as_u16() {
        200..=299 => Ok(()),
        code @ (401 | 403) => Err(VerifyError::Refused(code)),
        code => Err(VerifyError::Failed(code)),
    }
}
