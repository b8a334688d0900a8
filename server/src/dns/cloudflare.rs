//! The `cloudflare` provider: a record per tenant in one zone, through Cloudflare's v4 API
//! (`/zones/{zone}/dns_records`, Bearer token, answers in a `success`/`errors`/`result`
//! envelope).

use async_trait::async_trait;
use reqwest::{Client, Method};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use super::http::{self, quote, Answer};
use super::secret::Secret;
use super::{DnsError, DnsProvider, Record, RecordId, RecordType, Result};

const PROVIDER: &str = "cloudflare";

/// Publishes tenants' records in one Cloudflare zone.
pub struct Cloudflare {
    http: Client,
    api: Url,
    zone_id: String,
    token: Secret,
    ttl: u32,
}

/// A DNS record as Cloudflare lists it (the fields this server reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudflareRecord {
    /// Cloudflare's id of the record.
    pub id: String,
    /// `A`, `AAAA`, `CNAME`, `TXT`, …
    #[serde(rename = "type")]
    pub record_type: String,
    /// The full name, e.g. `acme.shops.example.com`.
    pub name: String,
    /// The address or target.
    pub content: String,
    /// Time to live in seconds (1 is "automatic").
    #[serde(default)]
    pub ttl: u32,
}

/// The body of a create (`POST`) or update (`PUT`) of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordBody<'a> {
    /// `A`, `AAAA` or `CNAME`.
    #[serde(rename = "type")]
    pub record_type: &'a str,
    /// The full name.
    pub name: &'a str,
    /// The address or target.
    pub content: &'a str,
    /// Time to live in seconds.
    pub ttl: u32,
    /// Never proxied: the record points straight at the cluster.
    pub proxied: bool,
}

impl<'a> RecordBody<'a> {
    /// The body that writes `record`.
    pub fn of(record: &'a Record, ttl: u32) -> Self {
        Self {
            record_type: record.record_type.as_str(),
            name: &record.name,
            content: &record.content,
            ttl,
            proxied: false,
        }
    }
}

/// What publishing must write, after the records of the name were listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// A record of the wanted type and content is there: nothing to write.
    Keep(String),
    /// A record of the wanted type is there with other content or TTL: update it.
    Update(String),
    /// None of the wanted type: create one.
    Create,
}

/// The changes publishing makes: records to remove first (other address types, duplicates),
/// then the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Ids of records to delete.
    pub remove: Vec<String>,
    /// The record to keep, update or create.
    pub write: Write,
}

/// Decides how to make `wanted` the one address record of its name, from what is there.
/// Records of other types than A, AAAA and CNAME (TXT, MX) are left alone.
pub fn plan(existing: &[CloudflareRecord], wanted: &Record, ttl: u32) -> Plan {
    let mut remove = Vec::new();
    let mut write = Write::Create;
    for record in existing {
        if !record.name.eq_ignore_ascii_case(&wanted.name) {
            continue;
        }
        match record.record_type.parse::<RecordType>().ok() {
            Some(kind) if kind == wanted.record_type && write == Write::Create => {
                let same = record
                    .content
                    .trim_end_matches('.')
                    .eq_ignore_ascii_case(&wanted.content)
                    && record.ttl == ttl;
                write = if same {
                    Write::Keep(record.id.clone())
                } else {
                    Write::Update(record.id.clone())
                };
            }
            Some(_) => remove.push(record.id.clone()),
            None => {}
        }
    }
    Plan { remove, write }
}

/// Cloudflare's answer envelope.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<ApiMessage>,
    #[serde(default)]
    result: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct ApiMessage {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

/// Reads an answer: its `result` when it succeeded, else the error it says.
fn read<T: DeserializeOwned>(action: &str, answer: &Answer) -> Result<T> {
    let refused = |message: String| DnsError::Refused {
        provider: PROVIDER,
        action: action.to_owned(),
        status: answer.status,
        message,
    };
    let unreadable = |message: String| DnsError::Unreadable {
        provider: PROVIDER,
        action: action.to_owned(),
        message,
    };
    let envelope = match serde_json::from_str::<Envelope>(&answer.body) {
        Ok(envelope) => envelope,
        Err(_) if answer.ok() => return Err(unreadable(quote(&answer.body))),
        Err(_) => return Err(refused(quote(&answer.body))),
    };
    if !(answer.ok() && envelope.success) {
        let said: Vec<String> = envelope
            .errors
            .iter()
            .map(|e| format!("{} ({})", e.message, e.code))
            .collect();
        return Err(refused(if said.is_empty() {
            quote(&answer.body)
        } else {
            said.join("; ")
        }));
    }
    serde_json::from_value(envelope.result).map_err(|e| unreadable(e.to_string()))
}

impl Cloudflare {
    /// A provider for the zone `zone_id` at `api` (e.g. `https://api.cloudflare.com/client/v4`).
    pub fn new(api: Url, zone_id: &str, token: Secret, ttl: u32) -> reqwest::Result<Self> {
        Ok(Self {
            http: http::client()?,
            api,
            zone_id: zone_id.to_owned(),
            token,
            ttl,
        })
    }

    /// `<api>/zones/<zone>/dns_records[/<id>]`, each part escaped.
    fn url(&self, id: Option<&str>) -> Url {
        let mut url = self.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty()
                .extend(["zones", self.zone_id.as_str(), "dns_records"]);
            if let Some(id) = id {
                path.push(id);
            }
        }
        url
    }

    async fn call(
        &self,
        method: Method,
        url: Url,
        action: &str,
        body: Option<&RecordBody<'_>>,
    ) -> Result<Answer> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(self.token.expose());
        if let Some(body) = body {
            request = request.json(body);
        }
        http::send(PROVIDER, action, request).await
    }

    async fn list(&self, name: &str) -> Result<Vec<CloudflareRecord>> {
        let action = format!("listing the records of {name}");
        let mut url = self.url(None);
        url.query_pairs_mut()
            .append_pair("name", name)
            .append_pair("per_page", "100");
        let answer = self.call(Method::GET, url, &action, None).await?;
        read(&action, &answer)
    }

    /// Deletes a record by id; one already gone counts as deleted.
    async fn delete(&self, name: &str, id: &str) -> Result<()> {
        let action = format!("deleting record {id} of {name}");
        let answer = self
            .call(Method::DELETE, self.url(Some(id)), &action, None)
            .await?;
        if answer.status == 404 {
            return Ok(());
        }
        read::<serde_json::Value>(&action, &answer).map(|_| ())
    }
}

#[async_trait]
impl DnsProvider for Cloudflare {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn check(&self) -> Result<String> {
        let action = format!("listing the records of zone {}", self.zone_id);
        let mut url = self.url(None);
        url.query_pairs_mut().append_pair("per_page", "1");
        let answer = self.call(Method::GET, url, &action, None).await?;
        read::<Vec<CloudflareRecord>>(&action, &answer)?;
        Ok(format!(
            "cloudflare: the token reads the records of zone {}",
            self.zone_id
        ))
    }

    async fn publish(&self, record: &Record) -> Result<Option<RecordId>> {
        let existing = self.list(&record.name).await?;
        let plan = plan(&existing, record, self.ttl);
        for id in &plan.remove {
            self.delete(&record.name, id).await?;
        }
        let body = RecordBody::of(record, self.ttl);
        let kind = record.record_type.as_str();
        let written: CloudflareRecord = match plan.write {
            Write::Keep(id) => return Ok(Some(RecordId(id))),
            Write::Update(id) => {
                let action = format!("updating the {kind} record of {}", record.name);
                let answer = self
                    .call(Method::PUT, self.url(Some(&id)), &action, Some(&body))
                    .await?;
                read(&action, &answer)?
            }
            Write::Create => {
                let action = format!("creating the {kind} record of {}", record.name);
                let answer = self
                    .call(Method::POST, self.url(None), &action, Some(&body))
                    .await?;
                read(&action, &answer)?
            }
        };
        Ok(Some(RecordId(written.id)))
    }

    async fn withdraw(&self, name: &str, id: Option<&RecordId>) -> Result<()> {
        if let Some(id) = id {
            return self.delete(name, &id.0).await;
        }
        for record in self.list(name).await? {
            let address = record.record_type.parse::<RecordType>().ok().is_some();
            if address && record.name.eq_ignore_ascii_case(name) {
                self.delete(name, &record.id).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
