//! DNS settings: which provider publishes tenants' records, and what it needs.

use std::sync::Arc;

use clap::Args;
use url::Url;

pub use super::secret::Secret;
use super::{Cloudflare, DnsProvider, PowerDns, Wildcard};

/// Which provider publishes tenants' DNS records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DnsKind {
    /// One `*.<base domain>` record managed outside storefleet; nothing per tenant.
    Wildcard,
    /// A record per tenant through Cloudflare's API.
    Cloudflare,
    /// A record per tenant through a PowerDNS server's HTTP API.
    Powerdns,
}

/// DNS settings of the server.
#[derive(Debug, Clone, Args)]
pub struct DnsConfig {
    /// Who publishes tenants' DNS records: `wildcard`, `cloudflare` or `powerdns`.
    #[arg(long = "dns", env = "STOREFLEET_DNS", default_value = "wildcard")]
    pub dns_provider: DnsKind,

    /// Time to live, in seconds, of records published per tenant.
    #[arg(long, env = "STOREFLEET_DNS_TTL", default_value_t = 300)]
    pub dns_ttl: u32,

    /// Cloudflare: an API token allowed to edit the zone's DNS.
    #[arg(long, env = "STOREFLEET_CLOUDFLARE_API_TOKEN", hide_env_values = true)]
    pub cloudflare_api_token: Option<Secret>,

    /// Cloudflare: the id of the zone holding the base domain.
    #[arg(long, env = "STOREFLEET_CLOUDFLARE_ZONE_ID")]
    pub cloudflare_zone_id: Option<String>,

    /// Cloudflare: the API's address.
    #[arg(
        long,
        env = "STOREFLEET_CLOUDFLARE_API_URL",
        default_value = "https://api.cloudflare.com/client/v4"
    )]
    pub cloudflare_api_url: Url,

    /// PowerDNS: the address of its webserver (the HTTP API), e.g. `http://127.0.0.1:8081`.
    #[arg(long, env = "STOREFLEET_POWERDNS_API_URL")]
    pub powerdns_api_url: Option<Url>,

    /// PowerDNS: the API key (`api-key` in its configuration).
    #[arg(long, env = "STOREFLEET_POWERDNS_API_KEY", hide_env_values = true)]
    pub powerdns_api_key: Option<Secret>,

    /// PowerDNS: the zone holding the base domain, e.g. `shops.example.com`.
    #[arg(long, env = "STOREFLEET_POWERDNS_ZONE")]
    pub powerdns_zone: Option<String>,
}

impl Default for DnsConfig {
    fn default() -> Self {
        Self {
            dns_provider: DnsKind::Wildcard,
            dns_ttl: 300,
            cloudflare_api_token: None,
            cloudflare_zone_id: None,
            cloudflare_api_url: "https://api.cloudflare.com/client/v4"
                .parse()
                .expect("a valid URL"),
            powerdns_api_url: None,
            powerdns_api_key: None,
            powerdns_zone: None,
        }
    }
}

/// DNS settings the server refuses to start with.
#[derive(Debug, thiserror::Error)]
pub enum DnsConfigError {
    /// The chosen provider lacks settings.
    #[error("STOREFLEET_DNS={provider} needs {}", missing.join(", "))]
    Missing {
        /// The chosen provider.
        provider: &'static str,
        /// The variables that are unset or empty.
        missing: Vec<&'static str>,
    },
    /// The base domain is not inside the PowerDNS zone, so no tenant's record could be.
    #[error("STOREFLEET_BASE_DOMAIN {base_domain} is not inside STOREFLEET_POWERDNS_ZONE {zone}")]
    OutsideZone {
        /// The configured base domain.
        base_domain: String,
        /// The configured zone.
        zone: String,
    },
    /// An API address that cannot take a path.
    #[error("{variable} {url} is not an http(s) address")]
    BadUrl {
        /// The variable.
        variable: &'static str,
        /// Its value.
        url: String,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("building the HTTP client for DNS: {0}")]
    Client(#[from] reqwest::Error),
}

fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn http_url(variable: &'static str, url: &Url) -> Result<Url, DnsConfigError> {
    if matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base() {
        Ok(url.clone())
    } else {
        Err(DnsConfigError::BadUrl {
            variable,
            url: url.to_string(),
        })
    }
}

impl DnsConfig {
    /// The configured provider, or why the settings are not enough. Tenants' hosts are
    /// `<subdomain>.<base_domain>`.
    pub fn provider(&self, base_domain: &str) -> Result<Arc<dyn DnsProvider>, DnsConfigError> {
        match self.dns_provider {
            DnsKind::Wildcard => Ok(Arc::new(Wildcard)),
            DnsKind::Cloudflare => {
                let token = given(self.cloudflare_api_token.as_ref().map(Secret::expose));
                let zone = given(self.cloudflare_zone_id.as_deref());
                let (Some(token), Some(zone)) = (token, zone) else {
                    let mut missing = Vec::new();
                    if token.is_none() {
                        missing.push("STOREFLEET_CLOUDFLARE_API_TOKEN");
                    }
                    if zone.is_none() {
                        missing.push("STOREFLEET_CLOUDFLARE_ZONE_ID");
                    }
                    return Err(DnsConfigError::Missing {
                        provider: "cloudflare",
                        missing,
                    });
                };
                let api = http_url("STOREFLEET_CLOUDFLARE_API_URL", &self.cloudflare_api_url)?;
                let token = Secret::from(token.to_owned());
                Ok(Arc::new(Cloudflare::new(api, zone, token, self.dns_ttl)?))
            }
            DnsKind::Powerdns => {
                let api = self.powerdns_api_url.as_ref();
                let key = given(self.powerdns_api_key.as_ref().map(Secret::expose));
                let zone = given(self.powerdns_zone.as_deref());
                let (Some(api), Some(key), Some(zone)) = (api, key, zone) else {
                    let mut missing = Vec::new();
                    if api.is_none() {
                        missing.push("STOREFLEET_POWERDNS_API_URL");
                    }
                    if key.is_none() {
                        missing.push("STOREFLEET_POWERDNS_API_KEY");
                    }
                    if zone.is_none() {
                        missing.push("STOREFLEET_POWERDNS_ZONE");
                    }
                    return Err(DnsConfigError::Missing {
                        provider: "powerdns",
                        missing,
                    });
                };
                if !super::powerdns::in_zone(base_domain, zone) {
                    return Err(DnsConfigError::OutsideZone {
                        base_domain: base_domain.to_owned(),
                        zone: zone.to_owned(),
                    });
                }
                let api = http_url("STOREFLEET_POWERDNS_API_URL", api)?;
                let key = Secret::from(key.to_owned());
                Ok(Arc::new(PowerDns::new(api, key, zone, self.dns_ttl)?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_needs_nothing() {
        let provider = DnsConfig::default().provider("shops.test").unwrap();
        assert_eq!(provider.name(), "wildcard");
    }

    #[test]
    fn a_provider_without_its_settings_is_refused_by_name() {
        let config = DnsConfig {
            dns_provider: DnsKind::Cloudflare,
            cloudflare_zone_id: Some("z1".into()),
            cloudflare_api_token: Some(Secret::from(" ".to_owned())),
            ..DnsConfig::default()
        };
        let error = config.provider("shops.test").err().unwrap();
        assert_eq!(
            error.to_string(),
            "STOREFLEET_DNS=cloudflare needs STOREFLEET_CLOUDFLARE_API_TOKEN"
        );
        let config = DnsConfig {
            dns_provider: DnsKind::Powerdns,
            ..DnsConfig::default()
        };
        assert_eq!(
            config.provider("shops.test").err().unwrap().to_string(),
            "STOREFLEET_DNS=powerdns needs STOREFLEET_POWERDNS_API_URL, \
             STOREFLEET_POWERDNS_API_KEY, STOREFLEET_POWERDNS_ZONE"
        );
    }

    #[test]
    fn the_base_domain_must_be_inside_the_powerdns_zone() {
        let config = DnsConfig {
            dns_provider: DnsKind::Powerdns,
            powerdns_api_url: Some("http://127.0.0.1:8081".parse().unwrap()),
            powerdns_api_key: Some(Secret::from("key".to_owned())),
            powerdns_zone: Some("example.org".into()),
            ..DnsConfig::default()
        };
        let error = config.provider("shops.test").err().unwrap();
        assert!(
            matches!(error, DnsConfigError::OutsideZone { .. }),
            "{error}"
        );
        assert_eq!(
            config.provider("shops.example.org").unwrap().name(),
            "powerdns"
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = DnsConfig {
            cloudflare_api_token: Some(Secret::from("cf-token-123".to_owned())),
            powerdns_api_key: Some(Secret::from("pdns-key-456".to_owned())),
            ..DnsConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("cf-token-123") && !shown.contains("pdns-key-456"));
    }
}
