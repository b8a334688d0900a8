//! `POST /api/stripe/webhook`: Stripe's signed event deliveries. Outside Leptos; the
//! signature is the only authentication, so the route is exempt from the origin check.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

use super::events;
use super::process::{Outcome, Processor};
use super::signature;
use crate::clock::now_ms;

/// Where Stripe delivers events.
pub const PATH: &str = "/api/stripe/webhook";

/// What the webhook needs: the signing secret and the processor.
#[derive(Clone)]
pub struct Webhook {
    secret: Arc<str>,
    tolerance_secs: i64,
    processor: Processor,
}

impl Webhook {
    /// A webhook verifying with `secret` within `tolerance_secs`.
    pub fn new(secret: &str, tolerance_secs: u64, processor: Processor) -> Self {
        Self {
            secret: secret.into(),
            tolerance_secs: i64::try_from(tolerance_secs).unwrap_or(i64::MAX),
            processor,
        }
    }
}

/// The webhook's route; answers 404 when billing is off.
pub fn routes<S: Clone + Send + Sync + 'static>(webhook: Option<Webhook>) -> Router<S> {
    Router::new()
        .route(PATH, post(receive))
        .with_state(webhook.map(Arc::new))
}

async fn receive(
    State(webhook): State<Option<Arc<Webhook>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(webhook) = webhook else {
        return (StatusCode::NOT_FOUND, "Billing is off.").into_response();
    };
    let now = now_ms();
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    if let Err(error) = signature::verify(
        &webhook.secret,
        header,
        &body,
        now / 1000,
        webhook.tolerance_secs,
    ) {
        tracing::warn!(error = %error, "stripe webhook refused");
        crate::metrics::webhook_event("unknown", "refused");
        return (StatusCode::BAD_REQUEST, "Invalid signature.").into_response();
    }
    let event = match events::parse(&body) {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(error = %error, "stripe webhook unreadable");
            crate::metrics::webhook_event("unknown", "unreadable");
            return (StatusCode::BAD_REQUEST, "Unreadable event.").into_response();
        }
    };
    let handled = webhook.processor.handle(&event, now).await;
    let outcome = match &handled {
        Ok(Outcome::Duplicate) => "duplicate",
        Ok(Outcome::Handled { .. }) => "handled",
        Err(_) => "failed",
    };
    crate::metrics::webhook_event(&event.kind, outcome);
    match handled {
        Ok(Outcome::Duplicate) => {
            tracing::debug!(event = %event.id, "stripe event already handled");
            (StatusCode::OK, "Already handled.").into_response()
        }
        Ok(Outcome::Handled { .. }) => (StatusCode::OK, "Handled.").into_response(),
        Err(error) => {
            tracing::error!(event = %event.id, error = %error, "stripe event not handled");
            (StatusCode::INTERNAL_SERVER_ERROR, "Try again later.").into_response()
        }
    }
}
