//! A local stand-in of Cloudflare's documented v4 DNS records API, on 127.0.0.1: Bearer
//! token checked, records kept in memory, answers in the `success`/`errors`/`result`
//! envelope, and the refusals Cloudflare gives for a duplicate or a CNAME beside other
//! records, so a provider that creates twice fails here as it would there.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// A record as the stand-in keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: String,
    pub record_type: String,
    pub name: String,
    pub content: String,
    pub ttl: u64,
    pub proxied: bool,
}

#[derive(Default)]
struct Inner {
    records: Vec<Stored>,
    next: u64,
    calls: Vec<String>,
}

/// The running stand-in.
#[derive(Clone)]
pub struct CloudflareApi {
    /// Base URL, as `STOREFLEET_CLOUDFLARE_API_URL` takes it.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

#[derive(Clone)]
struct App {
    token: String,
    zone: String,
    inner: Arc<Mutex<Inner>>,
}

impl CloudflareApi {
    /// Serves zone `zone` to callers with `token`.
    pub async fn start(zone: &str, token: &str) -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = App {
            token: token.to_owned(),
            zone: zone.to_owned(),
            inner: inner.clone(),
        };
        let router = Router::new()
            .route(
                "/client/v4/zones/{zone}/dns_records",
                get(list).post(create),
            )
            .route(
                "/client/v4/zones/{zone}/dns_records/{id}",
                get(one).put(update).patch(update).delete(remove),
            )
            .with_state(app);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            url: format!("http://{addr}/client/v4"),
            inner,
        }
    }

    /// Every record kept.
    pub fn records(&self) -> Vec<Stored> {
        self.inner.lock().unwrap().records.clone()
    }

    /// The calls received, as `METHOD path`, in order.
    pub fn calls(&self) -> Vec<String> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// Changes a record behind the provider's back, as someone editing the zone would.
    pub fn set_content(&self, id: &str, content: &str) {
        let mut inner = self.inner.lock().unwrap();
        let record = inner.records.iter_mut().find(|r| r.id == id).unwrap();
        record.content = content.to_owned();
    }
}

fn envelope(status: StatusCode, result: Value) -> Response {
    let body = json!({ "success": true, "errors": [], "messages": [], "result": result });
    (status, Json(body)).into_response()
}

fn refuse(status: StatusCode, code: u32, message: &str) -> Response {
    let body = json!({
        "success": false,
        "errors": [{ "code": code, "message": message }],
        "messages": [],
        "result": null,
    });
    (status, Json(body)).into_response()
}

fn json_of(record: &Stored) -> Value {
    json!({
        "id": record.id,
        "type": record.record_type,
        "name": record.name,
        "content": record.content,
        "ttl": record.ttl,
        "proxied": record.proxied,
        "proxiable": true,
        "locked": false,
        "zone_id": "",
        "zone_name": "",
        "created_on": "2026-11-27T00:00:00Z",
        "modified_on": "2026-11-27T00:00:00Z",
    })
}

impl App {
    /// Records the call and checks the token and the zone; the refusal when they are wrong.
    fn admit(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        zone: &str,
    ) -> Option<Response> {
        self.inner
            .lock()
            .unwrap()
            .calls
            .push(format!("{method} {path}"));
        let wanted = format!("Bearer {}", self.token);
        let authorised = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == wanted);
        if !authorised {
            return Some(refuse(StatusCode::FORBIDDEN, 10000, "Authentication error"));
        }
        if zone != self.zone {
            return Some(refuse(
                StatusCode::BAD_REQUEST,
                7003,
                "Could not route to /zones/dns_records, perhaps your object identifier is invalid?",
            ));
        }
        None
    }
}

#[derive(Deserialize)]
struct Filter {
    name: Option<String>,
    #[serde(rename = "type")]
    record_type: Option<String>,
}

async fn list(
    State(app): State<App>,
    method: Method,
    headers: HeaderMap,
    Path(zone): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    if let Some(refusal) = app.admit(&method, "/dns_records", &headers, &zone) {
        return refusal;
    }
    let inner = app.inner.lock().unwrap();
    let found: Vec<Value> = inner
        .records
        .iter()
        .filter(|r| filter.name.as_ref().is_none_or(|n| *n == r.name))
        .filter(|r| {
            filter
                .record_type
                .as_ref()
                .is_none_or(|t| *t == r.record_type)
        })
        .map(json_of)
        .collect();
    envelope(StatusCode::OK, Value::Array(found))
}

#[derive(Deserialize)]
struct Body {
    #[serde(rename = "type")]
    record_type: Option<String>,
    name: Option<String>,
    content: Option<String>,
    ttl: Option<u64>,
    proxied: Option<bool>,
}

/// Cloudflare's own rules: a known type, a name and content, no identical record, and a
/// CNAME alone at its name.
fn check(records: &[Stored], candidate: &Stored) -> Option<Response> {
    if !["A", "AAAA", "CNAME", "TXT"].contains(&candidate.record_type.as_str())
        || candidate.name.is_empty()
        || candidate.content.is_empty()
    {
        return Some(refuse(
            StatusCode::BAD_REQUEST,
            9000,
            "DNS name is invalid.",
        ));
    }
    let others = records
        .iter()
        .filter(|r| r.id != candidate.id && r.name == candidate.name);
    for other in others {
        if other.record_type == candidate.record_type && other.content == candidate.content {
            return Some(refuse(
                StatusCode::BAD_REQUEST,
                81058,
                "An identical record already exists.",
            ));
        }
        if other.record_type == "CNAME" || candidate.record_type == "CNAME" {
            return Some(refuse(
                StatusCode::BAD_REQUEST,
                81053,
                "An A, AAAA, or CNAME record with that host already exists.",
            ));
        }
    }
    None
}

async fn create(
    State(app): State<App>,
    method: Method,
    headers: HeaderMap,
    Path(zone): Path<String>,
    Json(body): Json<Body>,
) -> Response {
    if let Some(refusal) = app.admit(&method, "/dns_records", &headers, &zone) {
        return refusal;
    }
    let mut inner = app.inner.lock().unwrap();
    inner.next += 1;
    let record = Stored {
        id: format!("rec{:04}", inner.next),
        record_type: body.record_type.unwrap_or_default(),
        name: body.name.unwrap_or_default(),
        content: body.content.unwrap_or_default(),
        ttl: body.ttl.unwrap_or(1),
        proxied: body.proxied.unwrap_or(false),
    };
    if let Some(refusal) = check(&inner.records, &record) {
        return refusal;
    }
    inner.records.push(record.clone());
    envelope(StatusCode::OK, json_of(&record))
}

async fn one(
    State(app): State<App>,
    method: Method,
    headers: HeaderMap,
    Path((zone, id)): Path<(String, String)>,
) -> Response {
    if let Some(refusal) = app.admit(&method, &format!("/dns_records/{id}"), &headers, &zone) {
        return refusal;
    }
    let inner = app.inner.lock().unwrap();
    match inner.records.iter().find(|r| r.id == id) {
        Some(record) => envelope(StatusCode::OK, json_of(record)),
        None => refuse(StatusCode::NOT_FOUND, 81044, "Record does not exist."),
    }
}

/// `PUT` replaces every field, `PATCH` only those given.
async fn update(
    State(app): State<App>,
    method: Method,
    headers: HeaderMap,
    Path((zone, id)): Path<(String, String)>,
    Json(body): Json<Body>,
) -> Response {
    if let Some(refusal) = app.admit(&method, &format!("/dns_records/{id}"), &headers, &zone) {
        return refusal;
    }
    let mut inner = app.inner.lock().unwrap();
    let Some(index) = inner.records.iter().position(|r| r.id == id) else {
        return refuse(StatusCode::NOT_FOUND, 81044, "Record does not exist.");
    };
    let old = inner.records[index].clone();
    let patch = method == Method::PATCH;
    let pick = |new: Option<String>, old: String| match new {
        Some(value) => value,
        None if patch => old,
        None => String::new(),
    };
    let record = Stored {
        id: old.id.clone(),
        record_type: pick(body.record_type, old.record_type),
        name: pick(body.name, old.name),
        content: pick(body.content, old.content),
        ttl: body.ttl.unwrap_or(if patch { old.ttl } else { 1 }),
        proxied: body.proxied.unwrap_or(patch && old.proxied),
    };
    if let Some(refusal) = check(&inner.records, &record) {
        return refusal;
    }
    inner.records[index] = record.clone();
    envelope(StatusCode::OK, json_of(&record))
}

async fn remove(
    State(app): State<App>,
    method: Method,
    headers: HeaderMap,
    Path((zone, id)): Path<(String, String)>,
) -> Response {
    if let Some(refusal) = app.admit(&method, &format!("/dns_records/{id}"), &headers, &zone) {
        return refusal;
    }
    let mut inner = app.inner.lock().unwrap();
    let before = inner.records.len();
    inner.records.retain(|r| r.id != id);
    if inner.records.len() == before {
        return refuse(StatusCode::NOT_FOUND, 81044, "Record does not exist.");
    }
    envelope(StatusCode::OK, json!({ "id": id }))
}
