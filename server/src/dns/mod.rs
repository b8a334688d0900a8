//! DNS for tenants: the record that makes `<subdomain>.<base domain>` reach a tenant's
//! public address. One provider is chosen by configuration: `wildcard` (one `*.base` record
//! kept outside, nothing per tenant), `cloudflare` or `powerdns` (a record per tenant
//! through their HTTP APIs).

pub mod cloudflare;
pub mod config;
mod http;
pub mod powerdns;
pub mod record;
pub mod secret;
pub mod wildcard;

use async_trait::async_trait;

pub use cloudflare::Cloudflare;
pub use config::DnsConfig;
pub use powerdns::PowerDns;
pub use record::{Record, RecordType};
pub use wildcard::Wildcard;

/// A provider's own id of a published record, kept so it can be removed later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordId(pub String);

/// Where tenants' DNS records are published. Both calls are idempotent: publishing the same
/// record twice leaves one record, withdrawing a record that is gone succeeds.
#[async_trait]
pub trait DnsProvider: Send + Sync {
    /// The provider's name (`wildcard`, `cloudflare`, `powerdns`), stored beside record ids.
    fn name(&self) -> &'static str;

    /// Makes `record` the one address record (A, AAAA or CNAME) of its name. Returns the
    /// provider's id of it, or `None` when this provider keeps nothing per tenant.
    async fn publish(&self, record: &Record) -> Result<Option<RecordId>>;

    /// Removes the address records of `name`, by `id` when it is known.
    async fn withdraw(&self, name: &str, id: Option<&RecordId>) -> Result<()>;

    /// Asks the provider for the zone with the credentials given, and says what it saw: the
    /// doctor's check that records can be published.
    async fn check(&self) -> Result<String>;
}

/// A failed call to a DNS provider: which provider, what it was doing, and what went wrong.
/// Never carries a token or key.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// The provider answered with an error.
    #[error("{provider}: {action} was refused (HTTP {status}): {message}")]
    Refused {
        /// The provider's name.
        provider: &'static str,
        /// What was being done, e.g. `creating the A record of acme.example.com`.
        action: String,
        /// The HTTP status of the answer.
        status: u16,
        /// What the provider said.
        message: String,
    },
    /// No answer came (refused connection, timeout).
    #[error("{provider}: {action} got no answer: {cause}")]
    Unreachable {
        /// The provider's name.
        provider: &'static str,
        /// What was being done.
        action: String,
        /// The transport error and its causes.
        cause: String,
    },
    /// An answer came that cannot be read.
    #[error("{provider}: {action} got an unreadable answer: {message}")]
    Unreadable {
        /// The provider's name.
        provider: &'static str,
        /// What was being done.
        action: String,
        /// Why it cannot be read.
        message: String,
    },
    /// The name is not inside the provider's zone: no retry changes that.
    #[error("{provider}: {name} is not inside the zone {zone}")]
    OutsideZone {
        /// The provider's name.
        provider: &'static str,
        /// The record's name.
        name: String,
        /// The configured zone.
        zone: String,
    },
}

/// Result of DNS calls.
pub type Result<T, E = DnsError> = std::result::Result<T, E>;

impl DnsError {
    /// Whether trying again may help: a refusal with a 4xx status other than 429 (bad
    /// token, bad record, unknown zone) and a name outside the zone are permanent; throttling,
    /// server errors, timeouts and unreadable answers (a proxy's error page) are not.
    pub fn retryable(&self) -> bool {
        match self {
            DnsError::Refused { status, .. } => status_retryable(*status),
            DnsError::Unreachable { .. } | DnsError::Unreadable { .. } => true,
            DnsError::OutsideZone { .. } => false,
        }
    }
}

/// Whether an HTTP status is worth retrying: anything but a 4xx, and 429 (too many requests).
pub fn status_retryable(status: u16) -> bool {
    !(400..500).contains(&status) || status == 429
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_permanent_except_throttling() {
        assert!(!status_retryable(400));
        assert!(!status_retryable(401));
        assert!(!status_retryable(403));
        assert!(!status_retryable(404));
        assert!(!status_retryable(422));
        assert!(status_retryable(429));
        assert!(status_retryable(500));
        assert!(status_retryable(502));
        assert!(status_retryable(503));
    }

    #[test]
    fn errors_say_which_provider_and_what_failed() {
        let refused = DnsError::Refused {
            provider: "cloudflare",
            action: "listing the records of acme.shops.test".into(),
            status: 403,
            message: "Authentication error (10000)".into(),
        };
        assert_eq!(
            refused.to_string(),
            "cloudflare: listing the records of acme.shops.test was refused (HTTP 403): \
             Authentication error (10000)"
        );
        assert!(!refused.retryable());
        let unreachable = DnsError::Unreachable {
            provider: "powerdns",
            action: "replacing the A record of acme.shops.test".into(),
            cause: "connection refused".into(),
        };
        assert!(unreachable.retryable());
        assert!(unreachable.to_string().starts_with("powerdns: replacing"));
        let outside = DnsError::OutsideZone {
            provider: "powerdns",
            name: "acme.other.test".into(),
            zone: "shops.test".into(),
        };
        assert!(!outside.retryable());
    }
}
