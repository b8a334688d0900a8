//! The HTTP edge the providers share: one client with timeouts, and reading answers.

use std::time::Duration;

use reqwest::RequestBuilder;

use super::{DnsError, Result};

/// Upper bound on one whole call, answer included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound on connecting.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest piece of a provider's answer quoted in an error.
const QUOTE: usize = 300;

/// A client whose every call has a timeout and follows no redirect (a token is never sent
/// anywhere but the configured API).
pub(super) fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("storefleet/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// What a provider answered.
pub(super) struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends the request and reads the whole answer.
pub(super) async fn send(
    provider: &'static str,
    action: &str,
    request: RequestBuilder,
) -> Result<Answer> {
    let no_answer = |error: reqwest::Error| DnsError::Unreachable {
        provider,
        action: action.to_owned(),
        cause: causes(&error.without_url()),
    };
    let response = request.send().await.map_err(no_answer)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(no_answer)?;
    Ok(Answer { status, body })
}

/// The error and its sources, joined, each said once.
fn causes(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// The start of a body, for an error message.
pub(super) fn quote(body: &str) -> String {
    let body = body.trim();
    match body.char_indices().nth(QUOTE) {
        Some((end, _)) => format!("{}…", &body[..end]),
        None if body.is_empty() => "(empty answer)".to_owned(),
        None => body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_answers_are_cut_and_empty_ones_named() {
        assert_eq!(quote("  Not Found\n"), "Not Found");
        assert_eq!(quote(""), "(empty answer)");
        let long = "x".repeat(QUOTE + 50);
        assert_eq!(quote(&long).chars().count(), QUOTE + 1);
    }
}
