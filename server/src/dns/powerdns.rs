//! The `powerdns` provider: a record set per tenant in one zone of a self-hosted PowerDNS
//! authoritative server, through its HTTP API (`PATCH /api/v1/servers/localhost/zones/{zone}`
//! with `REPLACE`/`DELETE` rrsets, `X-API-Key`).

use async_trait::async_trait;
use reqwest::Client;
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use super::http::{self, quote, Answer};
use super::record::ADDRESS_TYPES;
use super::secret::Secret;
use super::{DnsError, DnsProvider, Record, RecordId, RecordType, Result};

const PROVIDER: &str = "powerdns";
/// The server id every PowerDNS authoritative server answers to.
const SERVER: &str = "localhost";

/// Publishes tenants' records in one PowerDNS zone.
pub struct PowerDns {
    http: Client,
    api: Url,
    key: Secret,
    zone: String,
    ttl: u32,
}

/// The absolute form of a name, with its trailing dot, as PowerDNS wants it.
pub fn absolute(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.').to_ascii_lowercase())
}

/// Whether `name` is the zone or below it.
pub fn in_zone(name: &str, zone: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    name == zone || name.ends_with(&format!(".{zone}"))
}

/// The PATCH body that makes `record` the one address record of its name: the other address
/// types deleted first (a CNAME cannot live beside an A), then the wanted one replaced.
pub fn replace_body(record: &Record, ttl: u32) -> Value {
    let name = absolute(&record.name);
    let content = match record.record_type {
        RecordType::Cname => absolute(&record.content),
        _ => record.content.clone(),
    };
    let mut rrsets: Vec<Value> = ADDRESS_TYPES
        .into_iter()
        .filter(|kind| *kind != record.record_type)
        .map(|kind| json!({ "name": name, "type": kind.as_str(), "changetype": "DELETE" }))
        .collect();
    rrsets.push(json!({
        "name": name,
        "type": record.record_type.as_str(),
        "ttl": ttl,
        "changetype": "REPLACE",
        "records": [{ "content": content, "disabled": false }],
    }));
    json!({ "rrsets": rrsets })
}

/// The PATCH body that removes every address record of `name`.
pub fn delete_body(name: &str) -> Value {
    let name = absolute(name);
    let rrsets: Vec<Value> = ADDRESS_TYPES
        .into_iter()
        .map(|kind| json!({ "name": name, "type": kind.as_str(), "changetype": "DELETE" }))
        .collect();
    json!({ "rrsets": rrsets })
}

/// PowerDNS names an rrset by name and type; that pair is the record's id.
pub fn record_id(record: &Record) -> RecordId {
    RecordId(format!(
        "{}/{}",
        absolute(&record.name),
        record.record_type.as_str()
    ))
}

#[derive(Deserialize)]
struct ApiError {
    error: String,
}

/// Reads an answer: success is any 2xx, a refusal says PowerDNS's `error`.
fn read(action: &str, answer: &Answer) -> Result<()> {
    if answer.ok() {
        return Ok(());
    }
    let message = serde_json::from_str::<ApiError>(&answer.body)
        .map(|e| e.error)
        .unwrap_or_else(|_| quote(&answer.body));
    Err(DnsError::Refused {
        provider: PROVIDER,
        action: action.to_owned(),
        status: answer.status,
        message,
    })
}

impl PowerDns {
    /// A provider for `zone` on the PowerDNS webserver at `api` (e.g. `http://127.0.0.1:8081`).
    pub fn new(api: Url, key: Secret, zone: &str, ttl: u32) -> reqwest::Result<Self> {
        Ok(Self {
            http: http::client()?,
            api,
            key,
            zone: zone.trim_end_matches('.').to_ascii_lowercase(),
            ttl,
        })
    }

    /// `<api>/api/v1/servers/localhost/zones/<zone>.` (the API prefix is added when missing).
    fn url(&self) -> Url {
        let mut url = self.api.clone();
        let has_prefix = url.path().trim_end_matches('/').ends_with("/api/v1");
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            if !has_prefix {
                path.extend(["api", "v1"]);
            }
            path.extend(["servers", SERVER, "zones", &absolute(&self.zone)]);
        }
        url
    }

    async fn patch(&self, action: &str, body: &Value) -> Result<()> {
        let request = self
            .http
            .patch(self.url())
            .header("X-API-Key", self.key.expose())
            .json(body);
        let answer = http::send(PROVIDER, action, request).await?;
        read(action, &answer)
    }
}

#[async_trait]
impl DnsProvider for PowerDns {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn publish(&self, record: &Record) -> Result<Option<RecordId>> {
        if !in_zone(&record.name, &self.zone) {
            return Err(DnsError::OutsideZone {
                provider: PROVIDER,
                name: record.name.clone(),
                zone: self.zone.clone(),
            });
        }
        let action = format!(
            "replacing the {} record of {}",
            record.record_type.as_str(),
            record.name
        );
        self.patch(&action, &replace_body(record, self.ttl)).await?;
        Ok(Some(record_id(record)))
    }

    async fn check(&self) -> Result<String> {
        let action = format!("reading the zone {}", self.zone);
        let request = self
            .http
            .get(self.url())
            .header("X-API-Key", self.key.expose());
        let answer = http::send(PROVIDER, &action, request).await?;
        read(&action, &answer)?;
        let zone: Value = serde_json::from_str(&answer.body).unwrap_or_default();
        let records = zone["rrsets"].as_array().map_or(0, Vec::len);
        Ok(format!(
            "powerdns: zone {} readable and writable with the API key ({records} record sets)",
            self.zone
        ))
    }

    async fn withdraw(&self, name: &str, _id: Option<&RecordId>) -> Result<()> {
        // Every address type goes, whatever the id says: a record written before the id was
        // stored (a crash in between) is removed too. Nothing outside the zone can be there.
        if !in_zone(name, &self.zone) {
            return Ok(());
        }
        let action = format!("deleting the records of {name}");
        self.patch(&action, &delete_body(name)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_inside_the_zone_or_not() {
        assert!(in_zone("acme.shops.test", "shops.test"));
        assert!(in_zone("Acme.Shops.Test.", "shops.test."));
        assert!(in_zone("shops.test", "shops.test"));
        assert!(!in_zone("acme.othershops.test", "shops.test"));
        assert!(!in_zone("acme.example.com", "shops.test"));
    }

    #[test]
    fn an_address_replaces_the_other_address_types() {
        let record = Record::for_address("acme.shops.test", "203.0.113.7").unwrap();
        assert_eq!(
            replace_body(&record, 60),
            json!({ "rrsets": [
                { "name": "acme.shops.test.", "type": "AAAA", "changetype": "DELETE" },
                { "name": "acme.shops.test.", "type": "CNAME", "changetype": "DELETE" },
                { "name": "acme.shops.test.", "type": "A", "ttl": 60, "changetype": "REPLACE",
                  "records": [{ "content": "203.0.113.7", "disabled": false }] },
            ]})
        );
        assert_eq!(record_id(&record).0, "acme.shops.test./A");
    }

    #[test]
    fn a_cname_points_at_an_absolute_name() {
        let record = Record::for_address("acme.shops.test", "lb.example.test").unwrap();
        let body = replace_body(&record, 300);
        assert_eq!(
            body["rrsets"][2]["records"][0]["content"],
            "lb.example.test."
        );
        assert_eq!(body["rrsets"][2]["type"], "CNAME");
    }

    #[test]
    fn withdrawing_deletes_every_address_type() {
        let body = delete_body("acme.shops.test");
        let types: Vec<&str> = body["rrsets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["A", "AAAA", "CNAME"]);
        assert!(body["rrsets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["changetype"] == "DELETE" && r["name"] == "acme.shops.test."));
    }

    #[test]
    fn refusals_carry_what_powerdns_said() {
        let answer = Answer {
            status: 422,
            body: r#"{"error": "RRset x.other.test. IN A: Name is out of zone"}"#.into(),
        };
        let error = read("replacing the A record of x.other.test", &answer).unwrap_err();
        assert_eq!(
            error.to_string(),
            "powerdns: replacing the A record of x.other.test was refused (HTTP 422): \
             RRset x.other.test. IN A: Name is out of zone"
        );
        assert!(!error.retryable());
        let unauthorised = Answer {
            status: 401,
            body: "Unauthorized".into(),
        };
        assert!(read("x", &unauthorised)
            .unwrap_err()
            .to_string()
            .ends_with("(HTTP 401): Unauthorized"));
        assert!(read(
            "x",
            &Answer {
                status: 204,
                body: String::new()
            }
        )
        .is_ok());
    }

    #[test]
    fn the_zone_url_has_the_api_prefix_once() {
        let provider = |api: &str| {
            PowerDns::new(
                api.parse().unwrap(),
                Secret::from("k".to_owned()),
                "shops.test",
                60,
            )
            .unwrap()
        };
        let wanted = "http://127.0.0.1:8081/api/v1/servers/localhost/zones/shops.test.";
        assert_eq!(provider("http://127.0.0.1:8081").url().as_str(), wanted);
        assert_eq!(provider("http://127.0.0.1:8081/").url().as_str(), wanted);
        assert_eq!(
            provider("http://127.0.0.1:8081/api/v1").url().as_str(),
            wanted
        );
    }
}
