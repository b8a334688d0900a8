//! The Stripe side of the billing tests: localstripe (a real Stripe emulator, started by
//! `scripts/test.sh`), signed events shaped like Stripe's for what it cannot produce, and a
//! stand-in for the Checkout and billing-portal endpoints localstripe lacks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{json, Value};

use crate::support::TestApp;

/// localstripe's URL, or `None` (and a note) when this run has none.
pub fn localstripe_url() -> Option<String> {
    match std::env::var("STOREFLEET_TEST_LOCALSTRIPE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("STOREFLEET_REQUIRE_PEERS").as_deref() == Ok("1") => {
            panic!("STOREFLEET_REQUIRE_PEERS=1 but STOREFLEET_TEST_LOCALSTRIPE_URL is not set")
        }
        _ => {
            eprintln!("skipped: STOREFLEET_TEST_LOCALSTRIPE_URL is not set (scripts/test.sh starts localstripe)");
            None
        }
    }
}

/// Unix seconds now.
pub fn now_secs() -> i64 {
    server::clock::now_ms() / 1000
}

/// A Stripe event as the webhook receives it.
pub fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({"id": id, "object": "event", "type": kind, "created": created, "livemode": false,
           "api_version": "2025-03-31.basil", "data": {"object": object}})
}

/// A subscription object with the tenant in its metadata.
pub fn subscription(id: &str, customer: &str, status: &str, tenant_id: &str) -> Value {
    json!({"id": id, "object": "subscription", "customer": customer, "status": status,
           "metadata": {"tenant_id": tenant_id}})
}

/// An invoice of a subscription, in Stripe's 2025 shape (subscription under `parent`).
pub fn invoice(id: &str, subscription: &str, customer: &str, status: &str) -> Value {
    json!({"id": id, "object": "invoice", "customer": customer, "status": status,
           "parent": {"type": "subscription_details",
                      "subscription_details": {"subscription": subscription, "metadata": {}}}})
}

/// Posts `body` to the server's webhook with this `Stripe-Signature` header (if any).
pub async fn deliver(app: &TestApp, body: &str, signature: Option<String>) -> reqwest::StatusCode {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/stripe/webhook", app.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    request.send().await.expect("webhook request").status()
}

/// Signs `event` with `secret` now, as Stripe does, and delivers it.
pub async fn deliver_signed(app: &TestApp, secret: &str, event: &Value) -> reqwest::StatusCode {
    let body = event.to_string();
    let header = server::billing::signature::header(secret, now_secs(), body.as_bytes());
    deliver(app, &body, Some(header)).await
}

/// A client of localstripe.
pub struct LocalStripe {
    url: String,
    http: reqwest::Client,
}

impl LocalStripe {
    pub fn new(url: String) -> Self {
        Self {
            url,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    /// POSTs a form and returns the JSON answer; panics on an error status.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .basic_auth("sk_test_storefleet", Some(""))
            .form(form)
            .send()
            .await
            .expect("localstripe answers");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "localstripe {path}: {status} {body}");
        body
    }

    /// DELETEs and returns the JSON answer.
    pub async fn delete(&self, path: &str) -> Value {
        let response = self
            .http
            .delete(format!("{}{path}", self.url))
            .basic_auth("sk_test_storefleet", Some(""))
            .send()
            .await
            .expect("localstripe answers");
        assert!(response.status().is_success(), "localstripe DELETE {path}");
        response.json().await.unwrap()
    }

    /// Sends every event to `app`'s webhook, signed with `secret`.
    pub async fn deliver_to(&self, app: &TestApp, secret: &str) {
        let id = format!("storefleet-{}", uuid::Uuid::new_v4().simple());
        let url = format!("{}/api/stripe/webhook", app.base);
        self.post(
            &format!("/_config/webhooks/{id}"),
            &[("url", &url), ("secret", secret)],
        )
        .await;
    }

    /// A customer paying with a card that works, a monthly plan, and a subscription to it for
    /// `tenant_id`: localstripe charges it and sends the events Stripe would. Returns
    /// `(customer id, subscription id)`.
    pub async fn subscribe(&self, email: &str, tenant_id: &str) -> (String, String) {
        let token = self
            .post(
                "/v1/tokens",
                &[
                    ("card[number]", "4242424242424242"),
                    ("card[exp_month]", "12"),
                    ("card[exp_year]", "2034"),
                    ("card[cvc]", "123"),
                ],
            )
            .await;
        let customer = self
            .post(
                "/v1/customers",
                &[("email", email), ("source", token["id"].as_str().unwrap())],
            )
            .await;
        let plan_id = format!("price_{}", uuid::Uuid::new_v4().simple());
        self.post(
            "/v1/plans",
            &[
                ("id", plan_id.as_str()),
                ("amount", "1900"),
                ("currency", "eur"),
                ("interval", "month"),
                ("product[name]", "Starter"),
            ],
        )
        .await;
        let customer_id = customer["id"].as_str().unwrap().to_owned();
        let subscription = self
            .post(
                "/v1/subscriptions",
                &[
                    ("customer", customer_id.as_str()),
                    ("items[0][plan]", plan_id.as_str()),
                    ("metadata[tenant_id]", tenant_id),
                ],
            )
            .await;
        assert_eq!(subscription["status"], "active", "{subscription}");
        (customer_id, subscription["id"].as_str().unwrap().to_owned())
    }

    /// The ids of the events localstripe made about this subscription or its invoices.
    pub async fn event_ids_about(&self, subscription_id: &str) -> Vec<String> {
        let list: Value = self
            .http
            .get(format!("{}/v1/events?limit=100", self.url))
            .basic_auth("sk_test_storefleet", Some(""))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                let object = &e["data"]["object"];
                object["id"] == subscription_id || object["subscription"] == subscription_id
            })
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// One request to the stand-in: its path, `Authorization` header and form fields.
pub type Call = (String, String, Vec<(String, String)>);

/// What the stand-in received.
#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<Vec<Call>>>);

impl Received {
    /// `(path, Authorization header, fields)` of every request, in order.
    pub fn all(&self) -> Vec<Call> {
        self.0.lock().unwrap().clone()
    }
}

fn auth(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn checkout_session(
    State(received): State<Received>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Json<Value> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body = json!({
        "id": "cs_test_standin", "object": "checkout.session", "created": 1_800_000_000,
        "expires_at": 1_800_086_400, "livemode": false, "mode": field("mode"),
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "custom_fields": [], "custom_text": {"after_submit": null, "shipping_address": null,
            "submit": null, "terms_of_service_acceptance": null},
        "payment_method_types": ["card"], "payment_status": "unpaid", "shipping_options": [],
        "status": "open", "client_reference_id": field("client_reference_id"),
        "customer_email": field("customer_email"), "success_url": field("success_url"),
        "cancel_url": field("cancel_url"), "metadata": {},
        "url": "https://checkout.stripe.com/c/pay/cs_test_standin",
    });
    received
        .0
        .lock()
        .unwrap()
        .push(("/v1/checkout/sessions".into(), auth(&headers), fields));
    Json(body)
}

async fn portal_session(
    State(received): State<Received>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Json<Value> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body = json!({
        "id": "bps_standin", "object": "billing_portal.session", "configuration": "bpc_standin",
        "created": 1_800_000_000, "customer": field("customer"), "livemode": false,
        "return_url": field("return_url"), "url": "https://billing.stripe.com/p/session/standin",
    });
    received
        .0
        .lock()
        .unwrap()
        .push(("/v1/billing_portal/sessions".into(), auth(&headers), fields));
    Json(body)
}

/// Starts the stand-in on 127.0.0.1; returns its base URL and what it receives.
pub async fn stand_in() -> (String, Received) {
    let received = Received::default();
    let router = Router::new()
        .route("/v1/checkout/sessions", post(checkout_session))
        .route("/v1/billing_portal/sessions", post(portal_session))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/"), received)
}
