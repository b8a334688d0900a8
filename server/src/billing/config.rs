//! Billing settings: Stripe's keys and API address, and how long a tenant may go unpaid.

use std::fmt;

use clap::Args;
use url::Url;

use super::lifecycle::Periods;

const DAY_MS: i64 = 86_400_000;

/// Settings of billing. Both Stripe keys turn it on; neither leaves it off.
#[derive(Clone, Args)]
pub struct BillingConfig {
    /// Stripe secret API key (`sk_…`). With the webhook secret, turns billing on.
    #[arg(long, env = "STOREFLEET_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<String>,

    /// Signing secret of the Stripe webhook endpoint (`whsec_…`).
    #[arg(long, env = "STOREFLEET_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,

    /// Base URL of Stripe's API (another one for a Stripe emulator).
    #[arg(
        long,
        env = "STOREFLEET_STRIPE_API_URL",
        default_value = "https://api.stripe.com/"
    )]
    pub stripe_api_url: Url,

    /// Days a store keeps serving after a failed payment before it is suspended.
    #[arg(long, env = "STOREFLEET_BILLING_GRACE_DAYS", default_value_t = 7)]
    pub grace_days: u32,

    /// Days a store stays suspended after its subscription ends before it is archived.
    #[arg(long, env = "STOREFLEET_BILLING_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u32,

    /// Seconds a webhook's signature timestamp may differ from the server's clock.
    #[arg(
        long,
        env = "STOREFLEET_STRIPE_WEBHOOK_TOLERANCE_SECS",
        default_value_t = 300
    )]
    pub webhook_tolerance_secs: u64,

    /// Seconds between two checks for grace periods and retentions that ran out.
    #[arg(long, env = "STOREFLEET_BILLING_SWEEP_SECS", default_value_t = 600)]
    pub sweep_secs: u64,
}

impl fmt::Debug for BillingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |key: &Option<String>| if key.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("BillingConfig")
            .field("stripe_secret_key", &set(&self.stripe_secret_key))
            .field("stripe_webhook_secret", &set(&self.stripe_webhook_secret))
            .field("stripe_api_url", &self.stripe_api_url.as_str())
            .field("grace_days", &self.grace_days)
            .field("retention_days", &self.retention_days)
            .field("webhook_tolerance_secs", &self.webhook_tolerance_secs)
            .field("sweep_secs", &self.sweep_secs)
            .finish()
    }
}

/// Why the billing settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillingConfigError {
    /// One Stripe key is set and the other is not.
    #[error(
        "billing needs both STOREFLEET_STRIPE_SECRET_KEY and STOREFLEET_STRIPE_WEBHOOK_SECRET \
         (or neither, to leave billing off); only {0} is set"
    )]
    HalfConfigured(&'static str),
}

/// Stripe's keys, when billing is on. Never printed.
#[derive(Clone)]
pub struct StripeKeys {
    /// The secret API key.
    pub secret_key: String,
    /// The webhook signing secret.
    pub webhook_secret: String,
}

impl fmt::Debug for StripeKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StripeKeys(<redacted>)")
    }
}

impl BillingConfig {
    /// Billing off, with the default periods (for tests and tools).
    pub fn off() -> Self {
        Self {
            stripe_secret_key: None,
            stripe_webhook_secret: None,
            stripe_api_url: Url::parse("https://api.stripe.com/").expect("a valid URL"),
            grace_days: 7,
            retention_days: 30,
            webhook_tolerance_secs: 300,
            sweep_secs: 600,
        }
    }

    /// The keys when billing is on, `None` when it is off; refuses one key without the other.
    pub fn keys(&self) -> Result<Option<StripeKeys>, BillingConfigError> {
        let given = |key: &Option<String>| key.clone().filter(|k| !k.trim().is_empty());
        match (
            given(&self.stripe_secret_key),
            given(&self.stripe_webhook_secret),
        ) {
            (Some(secret_key), Some(webhook_secret)) => Ok(Some(StripeKeys {
                secret_key,
                webhook_secret,
            })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(BillingConfigError::HalfConfigured(
                "STOREFLEET_STRIPE_SECRET_KEY",
            )),
            (None, Some(_)) => Err(BillingConfigError::HalfConfigured(
                "STOREFLEET_STRIPE_WEBHOOK_SECRET",
            )),
        }
    }

    /// The grace and retention periods.
    pub fn periods(&self) -> Periods {
        Periods {
            grace_ms: i64::from(self.grace_days) * DAY_MS,
            retention_ms: i64::from(self.retention_days) * DAY_MS,
        }
    }

    /// The API base as the Stripe client wants it: ending in `/`.
    pub fn api_base(&self) -> String {
        let base = self.stripe_api_url.as_str();
        if base.ends_with('/') {
            base.to_owned()
        } else {
            format!("{base}/")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(secret: Option<&str>, webhook: Option<&str>) -> BillingConfig {
        BillingConfig {
            stripe_secret_key: secret.map(str::to_owned),
            stripe_webhook_secret: webhook.map(str::to_owned),
            ..BillingConfig::off()
        }
    }

    #[test]
    fn both_keys_turn_billing_on_and_none_leaves_it_off() {
        assert!(with(Some("sk_1"), Some("whsec_1"))
            .keys()
            .unwrap()
            .is_some());
        assert!(with(None, None).keys().unwrap().is_none());
        assert!(with(Some(""), Some(" ")).keys().unwrap().is_none());
    }

    #[test]
    fn one_key_alone_is_refused_with_a_clear_message() {
        let error = with(Some("sk_secret"), None).keys().unwrap_err();
        assert!(error
            .to_string()
            .contains("only STOREFLEET_STRIPE_SECRET_KEY is set"));
        assert!(!error.to_string().contains("sk_secret"));
        assert!(with(None, Some("whsec_1")).keys().is_err());
    }

    #[test]
    fn debug_never_shows_the_keys() {
        let config = with(Some("sk_live_hunter2"), Some("whsec_hunter3"));
        let shown = format!("{config:?} {:?}", config.keys().unwrap());
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(shown.contains("<set>"));
    }

    #[test]
    fn periods_and_api_base() {
        let mut config = BillingConfig::off();
        assert_eq!(config.periods().grace_ms, 7 * DAY_MS);
        assert_eq!(config.periods().retention_ms, 30 * DAY_MS);
        assert_eq!(config.api_base(), "https://api.stripe.com/");
        config.stripe_api_url = Url::parse("http://127.0.0.1:8420/stripe").unwrap();
        assert_eq!(config.api_base(), "http://127.0.0.1:8420/stripe/");
    }
}
