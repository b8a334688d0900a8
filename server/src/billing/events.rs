//! Reading a Stripe event: what it says about a subscription. Pure code over the JSON
//! Stripe (or localstripe) sends; only the fields billing needs are read.

use serde::Deserialize;
use serde_json::Value;

pub use app::domain::subscription::Observed;

/// Why an event body cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// Not JSON, or not an event.
    #[error("not a Stripe event: {0}")]
    Unreadable(#[from] serde_json::Error),
}

/// Result of reading an event.
pub type Result<T, E = EventError> = std::result::Result<T, E>;

/// One event, reduced to what billing acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeEvent {
    /// Stripe's event id (`evt_…`), unique.
    pub id: String,
    /// Its type, e.g. `invoice.paid`.
    pub kind: String,
    /// When Stripe created it, in milliseconds.
    pub created_ms: i64,
    /// What it says about a subscription; `None` for events billing does not handle.
    pub change: Option<Change>,
}

/// What an event says about one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The subscription (`sub_…`).
    pub subscription_id: String,
    /// Its customer (`cus_…`), when the event names it.
    pub customer_id: Option<String>,
    /// The tenant it pays for, from the subscription's metadata (or the Checkout Session's
    /// client reference).
    pub tenant_id: Option<String>,
    /// The state it reports, if it reports one.
    pub observed: Option<Observed>,
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: Value,
}

/// An id that Stripe sends either as a string or as the expanded object.
fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Object(object) => object.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn tenant_in(metadata: Option<&Value>) -> Option<String> {
    text(metadata.and_then(|m| m.get("tenant_id")))
}

/// Reads an event body (already verified as Stripe's).
pub fn parse(body: &[u8]) -> Result<StripeEvent> {
    let envelope: Envelope = serde_json::from_slice(body)?;
    let object = &envelope.data.object;
    let change = match envelope.kind.as_str() {
        "checkout.session.completed" => {
            id_of(object.get("subscription")).map(|subscription_id| Change {
                subscription_id,
                customer_id: id_of(object.get("customer")),
                tenant_id: text(object.get("client_reference_id"))
                    .or_else(|| tenant_in(object.get("metadata"))),
                // A trial needs no payment and starts the subscription all the same.
                observed: matches!(
                    object.get("payment_status").and_then(Value::as_str),
                    Some("paid" | "no_payment_required")
                )
                .then_some(Observed::Active),
            })
        }
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => id_of(
            object
                .get("id")
                .filter(|_| object.get("object").and_then(Value::as_str) == Some("subscription")),
        )
        .map(|subscription_id| Change {
            subscription_id,
            customer_id: id_of(object.get("customer")),
            tenant_id: tenant_in(object.get("metadata")),
            observed: if envelope.kind == "customer.subscription.deleted" {
                Some(Observed::Canceled)
            } else {
                text(object.get("status")).map(|s| Observed::from_status(&s))
            },
        }),
        "invoice.paid" | "invoice.payment_succeeded" | "invoice.payment_failed" => {
            // Since 2025 Stripe names the subscription under `parent`; older versions (and
            // localstripe) also at the top level.
            let details = object
                .get("parent")
                .and_then(|p| p.get("subscription_details"));
            id_of(object.get("subscription"))
                .or_else(|| id_of(details.and_then(|d| d.get("subscription"))))
                .map(|subscription_id| Change {
                    subscription_id,
                    customer_id: id_of(object.get("customer")),
                    tenant_id: tenant_in(details.and_then(|d| d.get("metadata"))).or_else(|| {
                        tenant_in(object.get("subscription").and_then(|s| s.get("metadata")))
                    }),
                    observed: Some(if envelope.kind == "invoice.payment_failed" {
                        Observed::PastDue
                    } else {
                        Observed::Active
                    }),
                })
        }
        _ => None,
    };
    Ok(StripeEvent {
        id: envelope.id,
        kind: envelope.kind,
        created_ms: envelope.created.saturating_mul(1000),
        change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, object: Value) -> StripeEvent {
        let body = json!({"id": "evt_1", "object": "event", "type": kind, "created": 1_800_000_000,
                          "data": {"object": object}});
        parse(body.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn reads_a_subscription_with_its_tenant() {
        let e = event(
            "customer.subscription.updated",
            json!({"id": "sub_1", "object": "subscription", "customer": "cus_1",
                   "status": "past_due", "metadata": {"tenant_id": "t-1"}}),
        );
        assert_eq!(e.created_ms, 1_800_000_000_000);
        assert_eq!(
            e.change,
            Some(Change {
                subscription_id: "sub_1".into(),
                customer_id: Some("cus_1".into()),
                tenant_id: Some("t-1".into()),
                observed: Some(Observed::PastDue),
            })
        );
    }

    #[test]
    fn a_deleted_subscription_is_canceled_whatever_its_status_says() {
        let e = event(
            "customer.subscription.deleted",
            json!({"id": "sub_1", "object": "subscription", "status": "active", "metadata": {}}),
        );
        let change = e.change.unwrap();
        assert_eq!(change.observed, Some(Observed::Canceled));
        assert_eq!(change.tenant_id, None);
    }

    #[test]
    fn reads_invoices_old_and_new_shapes() {
        let old = event(
            "invoice.payment_failed",
            json!({"id": "in_1", "object": "invoice", "subscription": "sub_1", "customer": "cus_1"}),
        );
        let change = old.change.unwrap();
        assert_eq!(change.subscription_id, "sub_1");
        assert_eq!(change.observed, Some(Observed::PastDue));
        let new = event(
            "invoice.paid",
            json!({"id": "in_1", "object": "invoice", "customer": {"id": "cus_1"},
                   "parent": {"subscription_details": {"subscription": "sub_2",
                              "metadata": {"tenant_id": "t-2"}}}}),
        );
        let change = new.change.unwrap();
        assert_eq!(change.subscription_id, "sub_2");
        assert_eq!(change.customer_id.as_deref(), Some("cus_1"));
        assert_eq!(change.tenant_id.as_deref(), Some("t-2"));
        assert_eq!(change.observed, Some(Observed::Active));
    }

    #[test]
    fn reads_a_completed_checkout() {
        let e = event(
            "checkout.session.completed",
            json!({"id": "cs_1", "object": "checkout.session", "client_reference_id": "t-3",
                   "customer": "cus_3", "subscription": "sub_3", "payment_status": "paid"}),
        );
        let change = e.change.unwrap();
        assert_eq!(change.tenant_id.as_deref(), Some("t-3"));
        assert_eq!(change.observed, Some(Observed::Active));
        let unpaid = event(
            "checkout.session.completed",
            json!({"id": "cs_2", "client_reference_id": "t-3", "subscription": "sub_3",
                   "payment_status": "unpaid"}),
        );
        assert_eq!(unpaid.change.unwrap().observed, None);
    }

    #[test]
    fn other_events_change_nothing_and_garbage_is_refused() {
        assert_eq!(
            event("customer.created", json!({"id": "cus_1"})).change,
            None
        );
        assert_eq!(
            event("invoice.paid", json!({"id": "in_1", "subscription": null})).change,
            None
        );
        assert!(parse(b"not json").is_err());
        assert!(parse(br#"{"id": "evt_1"}"#).is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in ["active", "past_due", "canceled", "pending"] {
            assert_eq!(s.parse().unwrap_or(Observed::Pending).as_str(), s);
        }
        assert_eq!(Observed::from_status("trialing"), Observed::Active);
        assert_eq!(Observed::from_status("unpaid"), Observed::PastDue);
        assert_eq!(Observed::from_status("incomplete"), Observed::Pending);
    }
}
