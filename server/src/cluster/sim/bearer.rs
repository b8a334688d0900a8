//! The simulated cluster answers only its own clients: every request must carry the bearer
//! token made when it started, as a real API server asks for credentials. It serves Secrets,
//! so another local user who finds the port must not read tenants' secrets through it.

use axum::extract::Request;
use axum::http::header::AUTHORIZATION;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use rand::distributions::{Alphanumeric, DistString};
use serde_json::json;

/// A fresh random token for one cluster.
pub fn new_token() -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, 40)
}

/// `router`, refusing with 401 any request without `Authorization: Bearer <token>`.
pub fn required(router: Router, token: String) -> Router {
    let expected = format!("Bearer {token}");
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let allowed = request
            .headers()
            .get(AUTHORIZATION)
            .is_some_and(|given| given.as_bytes() == expected.as_bytes());
        async move {
            if allowed {
                next.run(request).await
            } else {
                unauthorized()
            }
        }
    }))
}

/// The `Status` a real API server sends for missing or wrong credentials.
fn unauthorized() -> Response {
    let status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401
    });
    (StatusCode::UNAUTHORIZED, Json(status)).into_response()
}
