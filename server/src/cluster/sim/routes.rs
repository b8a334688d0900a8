//! The HTTP face of the simulated cluster: the Kubernetes REST paths and verbs that
//! `kube::Api` uses, onto the store. Anything else gets the `Status` a real API server sends.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use k8s_openapi::apimachinery::pkg::version::Info;
use serde_json::Value;

use super::access_review;
use super::api_error::{ApiError, Result};
use super::incoming::{parse_body, Verb};
use super::proxy;
use super::resources::{parse_path, Target};
use super::selector::Selector;
use super::store::{Applier, Store, SELECTABLE_FIELDS};
use super::watch;

/// The only patch type served: server-side apply.
const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// A JSON merge patch, served only on the `status` subresource.
const MERGE_PATCH: &str = "application/merge-patch+json";

type Shared = Arc<Mutex<Store>>;

/// Routes for the whole Kubernetes API the simulated cluster serves, over `store`.
pub fn router(store: Shared) -> Router {
    Router::new()
        .route("/version", get(version))
        .fallback(handle)
        .with_state(store)
}

/// `GET /version`, so `Client::apiserver_version` works as a reachability check.
async fn version() -> Json<Info> {
    Json(Info {
        major: "1".to_owned(),
        minor: "34".to_owned(),
        git_version: "v1.34.0-storefleet-simulated".to_owned(),
        platform: "storefleet/simulated".to_owned(),
        ..Info::default()
    })
}

/// One request as it arrived.
struct Request<'a> {
    method: &'a Method,
    query: Vec<(String, String)>,
    content_type: Option<&'a str>,
    body: &'a [u8],
}

impl Request<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

async fn handle(
    State(store): State<Shared>,
    method: Method,
    uri: Uri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = Request {
        method: &method,
        query: url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect(),
        content_type: headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        body: &body,
    };
    if uri.path() == access_review::PATH && method == Method::POST {
        let denied = store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .denied();
        return match access_review::answer(&body, &denied) {
            Ok(review) => (StatusCode::CREATED, Json(review)).into_response(),
            Err(error) => error.into_response(),
        };
    }
    let answer = match (proxy::parse(uri.path()), &method) {
        (Some((namespace, service)), &Method::GET) => {
            let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
            proxy::answer(&mut store, namespace, service, Instant::now())
        }
        (Some(_), _) => Err(ApiError::MethodNotAllowed),
        (None, _) => match parse_path(uri.path()).ok_or(ApiError::NoSuchPath) {
            Ok(target) if is_watch(&target, &request) => {
                return watch_of(store, target, &request).unwrap_or_else(|e| e.into_response());
            }
            Ok(target) => respond(&store, &target, &request),
            Err(error) => Err(error),
        },
    };
    match answer {
        Ok((code, object)) => (code, Json(object)).into_response(),
        Err(error) => error.into_response(),
    }
}

/// A `GET` of a collection asking to watch it.
fn is_watch(target: &Target, request: &Request<'_>) -> bool {
    request.method == Method::GET
        && target.name.is_none()
        && matches!(request.param("watch"), Some("true" | "1"))
}

fn watch_of(store: Shared, target: Target, request: &Request<'_>) -> Result<Response> {
    let (labels, fields) = selectors(request)?;
    let timeout = match request.param("timeoutSeconds") {
        None => None,
        Some(seconds) => Some(Duration::from_secs(seconds.parse().map_err(|_| {
            ApiError::BadRequest(format!("timeoutSeconds: invalid value {seconds:?}"))
        })?)),
    };
    let watched = watch::Watched {
        resource: target.resource,
        namespace: target.namespace,
        labels,
        fields,
        timeout,
    };
    Ok(watch::respond(store, watched))
}

fn respond(store: &Shared, target: &Target, request: &Request<'_>) -> Result<(StatusCode, Value)> {
    let resource = target.resource;
    let namespace = target.namespace.as_deref();
    let lock = || store.lock().unwrap_or_else(PoisonError::into_inner);
    // `/apis/apps/v1/deployments` lists every namespace; it takes no writes.
    let all_namespaces = resource.namespaced && namespace.is_none();
    if let (true, Some(name)) = (target.status, target.name.as_deref()) {
        return respond_status(store, target, name, request);
    }
    match (request.method, target.name.as_deref()) {
        (&Method::GET, None) => {
            let (labels, fields) = selectors(request)?;
            let list = lock().list(resource, namespace, &labels, &fields, Instant::now());
            Ok((StatusCode::OK, list))
        }
        (&Method::GET, Some(name)) => {
            let object = lock().get(resource, namespace, name, Instant::now())?;
            Ok((StatusCode::OK, object))
        }
        (&Method::POST, None) if !all_namespaces => {
            let body = parse_body(request.body, Verb::Create)?;
            let object = lock().create(resource, namespace, body, Instant::now())?;
            Ok((StatusCode::CREATED, object))
        }
        (&Method::PATCH, Some(name)) => {
            check_apply(request, resource, name)?;
            let body = parse_body(request.body, Verb::Apply)?;
            let by = Applier {
                manager: request.param("fieldManager").unwrap_or_default(),
                force: request.param("force") == Some("true"),
            };
            let (object, created) =
                lock().apply_as(resource, namespace, name, body, by, Instant::now())?;
            let code = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((code, object))
        }
        (&Method::DELETE, Some(name)) => {
            let answer = lock().delete(resource, namespace, name, Instant::now())?;
            Ok((StatusCode::OK, answer))
        }
        _ => Err(ApiError::MethodNotAllowed),
    }
}

/// The `status` subresource: read it, replace it (`PUT`), or patch it (server-side apply or
/// a JSON merge patch), as the controller that owns an object's status does.
fn respond_status(
    store: &Shared,
    target: &Target,
    name: &str,
    request: &Request<'_>,
) -> Result<(StatusCode, Value)> {
    let (resource, namespace) = (target.resource, target.namespace.as_deref());
    let lock = || store.lock().unwrap_or_else(PoisonError::into_inner);
    let merge = match *request.method {
        Method::GET => {
            let object = lock().get(resource, namespace, name, Instant::now())?;
            return Ok((StatusCode::OK, object));
        }
        Method::PUT => false,
        Method::PATCH => {
            let media_type = request
                .content_type
                .and_then(|value| value.split(';').next())
                .map(str::trim);
            if !matches!(media_type, Some(APPLY_PATCH | MERGE_PATCH)) {
                return Err(ApiError::UnsupportedMediaType);
            }
            true
        }
        _ => return Err(ApiError::MethodNotAllowed),
    };
    let mut body = parse_body(request.body, Verb::Apply)?;
    let status = body.get_mut("status").map(Value::take).unwrap_or_default();
    let object = lock().write_status(resource, namespace, name, status, merge, Instant::now())?;
    Ok((StatusCode::OK, object))
}

fn selectors(request: &Request<'_>) -> Result<(Selector, Selector)> {
    let parse = |name| {
        Selector::parse(request.param(name).unwrap_or_default())
            .map_err(|e| ApiError::BadRequest(format!("{name}: {e}")))
    };
    let (labels, fields) = (parse("labelSelector")?, parse("fieldSelector")?);
    if let Some(field) = fields.keys().find(|key| !SELECTABLE_FIELDS.contains(key)) {
        return Err(ApiError::BadRequest(format!(
            "field label not supported: {field}"
        )));
    }
    Ok((labels, fields))
}

/// A patch must be a server-side apply naming its field manager, as the API server requires.
fn check_apply(
    request: &Request<'_>,
    resource: &super::resources::Resource,
    name: &str,
) -> Result<()> {
    let media_type = request
        .content_type
        .and_then(|value| value.split(';').next())
        .map(str::trim);
    if media_type != Some(APPLY_PATCH) {
        return Err(ApiError::UnsupportedMediaType);
    }
    if request.param("fieldManager").is_none_or(str::is_empty) {
        return Err(ApiError::invalid(
            resource,
            name,
            "fieldManager: Required value: is required for apply patch",
        ));
    }
    match request.param("force") {
        None | Some("true" | "false") => Ok(()),
        Some(other) => Err(ApiError::BadRequest(format!(
            "force: invalid value {other:?}: must be true or false"
        ))),
    }
}
