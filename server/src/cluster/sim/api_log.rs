//! A record of what the engine asks of the simulated cluster, named as a real API server's
//! authorizer names it (verb, API group, resource), so a test can hold `deploy/kubernetes/base/rbac.yaml` to
//! exactly what the code calls. Off unless [`API_LOG_ENV`] names a file.
//!
//! Only the engine's own requests are recorded: they carry [`ENGINE_USER_AGENT`], while the
//! clients tests use to look at the cluster do not, just as a real cluster authorizes each
//! identity on its own.

use std::io::Write;
use std::path::PathBuf;

use axum::extract::Request;
use axum::http::header::USER_AGENT;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;

pub use crate::cluster::client::ENGINE_USER_AGENT;

/// The environment variable naming the file requests are appended to, one JSON object a line.
pub const API_LOG_ENV: &str = "STOREFLEET_SIM_API_LOG";

pub use crate::cluster::authz::{authorized_as, ApiRequest};

/// `router`, recording the engine's requests to the file [`API_LOG_ENV`] names, if any.
pub fn recorded(router: Router) -> Router {
    match std::env::var_os(API_LOG_ENV).filter(|path| !path.is_empty()) {
        Some(path) => {
            let path = PathBuf::from(path);
            router.layer(middleware::from_fn(move |request, next| {
                record(path.clone(), request, next)
            }))
        }
        None => router,
    }
}

async fn record(path: PathBuf, request: Request, next: Next) -> Response {
    let engine = request
        .headers()
        .get(USER_AGENT)
        .is_some_and(|agent| agent.as_bytes() == ENGINE_USER_AGENT.as_bytes());
    let seen = engine
        .then(|| {
            authorized_as(
                request.method(),
                request.uri().path(),
                request.uri().query(),
            )
        })
        .flatten();
    let response = next.run(request).await;
    if let Some(seen) = seen {
        // A server-side apply that creates the object is also authorized as `create`.
        let created = seen.verb == "patch" && response.status() == StatusCode::CREATED;
        let also = created.then(|| ApiRequest {
            verb: "create".to_owned(),
            ..seen.clone()
        });
        let mut lines = String::new();
        for request in std::iter::once(&seen).chain(also.as_ref()) {
            if let Ok(line) = serde_json::to_string(request) {
                lines.push_str(&line);
                lines.push('\n');
            }
        }
        // One write per request on an append-only file: lines from several processes never
        // interleave.
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(lines.as_bytes()));
        if let Err(error) = written {
            tracing::error!(path = %path.display(), %error, "recording an API request failed");
        }
    }
    response
}
