//! Opening Checkout and the billing portal: what the client sends Stripe and what it gives
//! back, against a stand-in for the endpoints localstripe lacks.

use app::domain::{TenantId, TenantState};

use super::peers::{self, deliver_signed, event, now_secs, subscription};
use super::{billing_app, pending_tenant, state_of, Probe};
use crate::on_both_databases;
use crate::support::operator;
use crate::support::Backend;

on_both_databases!(checkout_and_portal_send_stripe_what_it_needs);

async fn checkout_and_portal_send_stripe_what_it_needs(backend: Backend) {
    let (stand_in, received) = peers::stand_in().await;
    let Some((app, secret)) = billing_app(backend, &stand_in).await else {
        return;
    };
    let tenant = pending_tenant(&app, "newshop", "new@example.com").await;
    let db = Probe::new(&app).await;
    let tenants = app.tenants().await;
    let billing =
        server::billing::service(&tenants, &app.config.billing, &app.config.public_url).unwrap();
    assert!(billing.enabled());

    let error = billing
        .checkout(&operator(), &TenantId::new(tenant.as_str()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("has no Stripe price"), "{error}");
    assert!(
        received.all().is_empty(),
        "nothing sent for a plan without a price"
    );

    app.execute("UPDATE plans SET price_id = 'price_starter_test' WHERE name = 'starter'")
        .await;
    let url = billing
        .checkout(&operator(), &TenantId::new(tenant.as_str()))
        .await
        .unwrap();
    assert_eq!(url, "https://checkout.stripe.com/c/pay/cs_test_standin");
    let calls = received.all();
    assert_eq!(calls.len(), 1);
    let (path, auth, fields) = &calls[0];
    assert_eq!(path, "/v1/checkout/sessions");
    assert_eq!(auth, "Bearer sk_test_storefleet");
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("mode"), Some("subscription"));
    assert_eq!(field("line_items[0][price]"), Some("price_starter_test"));
    assert_eq!(field("line_items[0][quantity]"), Some("1"));
    assert_eq!(field("client_reference_id"), Some(tenant.as_str()));
    assert_eq!(
        field("subscription_data[metadata][tenant_id]"),
        Some(tenant.as_str())
    );
    assert_eq!(field("customer_email"), Some("new@example.com"));
    assert_eq!(
        field("success_url"),
        Some("http://127.0.0.1:3000/signup/newshop/progress")
    );
    assert_eq!(
        field("cancel_url"),
        Some("http://127.0.0.1:3000/signup?cancelled=newshop")
    );

    // The portal needs the tenant's customer, which Stripe names in its events.
    let error = billing
        .portal(&operator(), &TenantId::new(tenant.as_str()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no subscription"), "{error}");
    let started = event(
        "evt_portal",
        "customer.subscription.created",
        now_secs(),
        subscription("sub_portal", "cus_portal", "incomplete", &tenant),
    );
    assert_eq!(deliver_signed(&app, &secret, &started).await, 200);
    assert_eq!(
        state_of(&db, &tenant).await,
        TenantState::PendingPayment,
        "not paid yet"
    );
    let url = billing
        .portal(&operator(), &TenantId::new(tenant.as_str()))
        .await
        .unwrap();
    assert_eq!(url, "https://billing.stripe.com/p/session/standin");
    let calls = received.all();
    let (path, _, fields) = &calls[1];
    assert_eq!(path, "/v1/billing_portal/sessions");
    assert!(
        fields.contains(&("customer".into(), "cus_portal".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&(
            "return_url".into(),
            "http://127.0.0.1:3000/stores/newshop".into()
        )),
        "{fields:?}"
    );
}
