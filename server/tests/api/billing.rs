//! Billing: Stripe's signed webhooks, the payment lifecycle of a tenant, and the calls that
//! open Checkout and the billing portal — against localstripe where it can play Stripe.

mod checkout;
pub(crate) mod peers;

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use app::domain::TenantState;
use server::config::DbConfig;
use server::db::tenants::{self, TenantRecord};

use crate::on_both_databases;
use crate::support::{test_config, Backend, TestApp, TestDb};
use peers::{deliver, deliver_signed, event, invoice, now_secs, subscription, LocalStripe};

const PASSWORD: &str = "correct horse battery";
const DAY_MS: i64 = 86_400_000;

on_both_databases!(
    unsigned_wrongly_signed_and_stale_events_are_refused_and_change_nothing,
    a_payment_in_localstripe_provisions_the_tenant,
    a_failed_payment_runs_grace_suspension_resumption_and_archive,
    an_event_delivered_fifty_times_is_handled_once,
    events_in_reverse_order_end_in_the_state_of_the_newest,
);

/// The server with billing on, calling Stripe's API at `api_url`; returns the webhook secret.
async fn billing_app(backend: Backend, api_url: &str) -> Option<(TestApp, String)> {
    let secret = format!("whsec_{}", uuid::Uuid::new_v4().simple());
    let mut config = test_config();
    config.billing.stripe_secret_key = Some("sk_test_storefleet".into());
    config.billing.stripe_webhook_secret = Some(secret.clone());
    config.billing.stripe_api_url = api_url.parse().unwrap();
    let app = TestApp::spawn_with(backend, config).await?;
    Some((app, secret))
}

/// A signed-up owner and their tenant waiting for its first payment; returns its id.
async fn pending_tenant(app: &TestApp, subdomain: &str, email: &str) -> String {
    app.signed_up(email, PASSWORD).await;
    let pool = app.tenants().await.pool().clone();
    let owner = server::db::users::by_email(&pool, email)
        .await
        .unwrap()
        .expect("the owner signed up");
    let record = TenantRecord {
        id: uuid::Uuid::new_v4().to_string(),
        subdomain: app::domain::Subdomain::parse(subdomain).unwrap(),
        key: server::tenants::key::new_key(),
        standby: false,
        plan: "starter".into(),
        owner_id: Some(owner.id),
        state: TenantState::PendingPayment,
        settings: BTreeMap::new(),
        release: None,
        pinned: None,
        canary: false,
        created_at: server::clock::now_ms(),
        drift: None,
        self_heal: true,
    };
    tenants::create(&pool, &record, "signed up", None, server::clock::now_ms())
        .await
        .unwrap();
    record.id
}

/// The test's database, to look at what the server stored.
struct Probe(sqlx::AnyPool);

impl Probe {
    async fn new(app: &TestApp) -> Self {
        Self(app.tenants().await.pool().clone())
    }
}

async fn state_of(db: &Probe, tenant_id: &str) -> TenantState {
    tenants::by_id(&db.0, tenant_id)
        .await
        .unwrap()
        .unwrap()
        .state
}

async fn count(db: &Probe, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.0).await.unwrap()
}

async fn text(db: &Probe, sql: &str) -> Option<String> {
    sqlx::query_scalar(sql).fetch_optional(&db.0).await.unwrap()
}

/// Waits (a bounded number of polls) until `check` holds.
async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..600 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

async fn jobs_of(db: &Probe, tenant_id: &str, kind: &str) -> i64 {
    count(
        db,
        &format!("SELECT COUNT(*) FROM jobs WHERE tenant_id = '{tenant_id}' AND kind = '{kind}'"),
    )
    .await
}

async fn unsigned_wrongly_signed_and_stale_events_are_refused_and_change_nothing(backend: Backend) {
    let Some((app, secret)) = billing_app(backend, "http://127.0.0.1:9/").await else {
        return;
    };
    let tenant = pending_tenant(&app, "signed", "ada@example.com").await;
    let db = Probe::new(&app).await;
    let paid = event(
        "evt_signed",
        "customer.subscription.created",
        now_secs(),
        subscription("sub_signed", "cus_signed", "active", &tenant),
    );
    let body = paid.to_string();
    let sign =
        |secret: &str, at: i64| server::billing::signature::header(secret, at, body.as_bytes());

    assert_eq!(deliver(&app, &body, None).await, 400, "unsigned");
    let wrong = sign("whsec_not_the_one", now_secs());
    assert_eq!(deliver(&app, &body, Some(wrong)).await, 400, "wrong secret");
    let stale = sign(&secret, now_secs() - 301);
    assert_eq!(
        deliver(&app, &body, Some(stale)).await,
        400,
        "old timestamp"
    );
    let tampered = sign(&secret, now_secs()).replace("v1=", "v1=00");
    assert_eq!(
        deliver(&app, &body, Some(tampered)).await,
        400,
        "not hex of a MAC"
    );
    let garbage = "{\"not\": \"an event\"}";
    let signed_garbage =
        server::billing::signature::header(&secret, now_secs(), garbage.as_bytes());
    assert_eq!(
        deliver(&app, garbage, Some(signed_garbage)).await,
        400,
        "unparsable"
    );

    assert_eq!(count(&db, "SELECT COUNT(*) FROM stripe_events").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM subscriptions").await, 0);
    assert_eq!(state_of(&db, &tenant).await, TenantState::PendingPayment);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM jobs").await, 0);

    // The same event, signed as Stripe signs it, is taken.
    assert_eq!(deliver_signed(&app, &secret, &paid).await, 200);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM stripe_events").await, 1);
    assert_eq!(state_of(&db, &tenant).await, TenantState::Provisioning);
}

async fn a_payment_in_localstripe_provisions_the_tenant(backend: Backend) {
    let Some(url) = peers::localstripe_url() else {
        return;
    };
    let Some((app, secret)) = billing_app(backend, &url).await else {
        return;
    };
    let stripe = LocalStripe::new(url);
    stripe.deliver_to(&app, &secret).await;
    let tenant = pending_tenant(&app, "paidshop", "grace@example.com").await;
    let db = Probe::new(&app).await;

    let (customer, subscription_id) = stripe.subscribe("grace@example.com", &tenant).await;

    wait_until("the paid tenant is ready", || async {
        state_of(&db, &tenant).await == TenantState::Ready
    })
    .await;
    let cause = text(
        &db,
        &format!(
            "SELECT cause FROM tenant_transitions WHERE tenant_id = '{tenant}' \
             AND to_state = 'provisioning'"
        ),
    )
    .await
    .unwrap();
    assert!(cause.starts_with("billing:"), "{cause}");
    assert_eq!(jobs_of(&db, &tenant, "provision").await, 1);
    let audited = count(
        &db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'tenant.provision' \
         AND actor_kind = 'webhook' AND actor_email = 'stripe' AND target = 'paidshop'",
    )
    .await;
    assert_eq!(audited, 1, "the first payment's provisioning is audited");
    let stored = text(
        &db,
        &format!(
            "SELECT customer_id FROM subscriptions WHERE subscription_id = '{subscription_id}'"
        ),
    )
    .await;
    assert_eq!(stored.as_deref(), Some(customer.as_str()));
}

async fn a_failed_payment_runs_grace_suspension_resumption_and_archive(backend: Backend) {
    let Some(url) = peers::localstripe_url() else {
        return;
    };
    let Some((app, secret)) = billing_app(backend, &url).await else {
        return;
    };
    let stripe = LocalStripe::new(url);
    stripe.deliver_to(&app, &secret).await;
    let tenant = pending_tenant(&app, "lapsing", "lin@example.com").await;
    let db = Probe::new(&app).await;
    let (customer, sub) = stripe.subscribe("lin@example.com", &tenant).await;
    wait_until("the paid tenant is ready", || async {
        state_of(&db, &tenant).await == TenantState::Ready
    })
    .await;
    // Every event localstripe sent about the subscription has arrived (they come late and in
    // any order); what follows is newer.
    for id in stripe.event_ids_about(&sub).await {
        wait_until(&format!("{id} arrives"), || async {
            count(
                &db,
                &format!("SELECT COUNT(*) FROM stripe_events WHERE id = '{id}'"),
            )
            .await
                == 1
        })
        .await;
    }

    // localstripe cannot fail a renewal; the event Stripe sends then, signed with the secret.
    let failed = event(
        "evt_renewal_failed",
        "invoice.payment_failed",
        now_secs(),
        invoice("in_renewal", &sub, &customer, "open"),
    );
    let tenants = app.tenants().await;
    let processor =
        server::billing::processor(&tenants, &app.config.billing, &app.config.public_url);
    // Handled with one of the database's connections free, as when the others wait for the
    // write lock its transaction holds: it must not need a second one.
    let pool = tenants.pool();
    let mut busy = Vec::new();
    for _ in 1..pool.options().get_max_connections() {
        busy.push(pool.acquire().await.unwrap());
    }
    let parsed = server::billing::events::parse(failed.to_string().as_bytes()).unwrap();
    let handled = processor.handle(&parsed, server::clock::now_ms()).await;
    drop(busy);
    assert!(handled.is_ok(), "{handled:?}");
    assert_eq!(
        state_of(&db, &tenant).await,
        TenantState::Ready,
        "grace: still serving"
    );
    let mail = text(
        &db,
        "SELECT recipient FROM outbox WHERE kind = 'payment_failed' \
         AND key = 'evt_renewal_failed:payment_failed'",
    )
    .await;
    assert_eq!(mail.as_deref(), Some("lin@example.com"));
    let since = count(
        &db,
        &format!("SELECT past_due_since FROM subscriptions WHERE subscription_id = '{sub}'"),
    )
    .await;
    assert!(since > 0);

    let now = server::clock::now_ms();
    let early = server::billing::sweep::sweep(&processor, now + 6 * DAY_MS)
        .await
        .unwrap();
    assert!(early.actions.is_empty(), "{early:?}");
    assert_eq!(state_of(&db, &tenant).await, TenantState::Ready);

    let late = server::billing::sweep::sweep(&processor, now + 8 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(late.actions.len(), 1, "{late:?}");
    assert_eq!(state_of(&db, &tenant).await, TenantState::Suspended);
    assert_eq!(jobs_of(&db, &tenant, "suspend").await, 1);
    let again = server::billing::sweep::sweep(&processor, now + 9 * DAY_MS)
        .await
        .unwrap();
    assert!(
        again.actions.is_empty(),
        "a second sweep does nothing more: {again:?}"
    );

    let paid = event(
        "evt_renewal_paid",
        "invoice.paid",
        now_secs(),
        invoice("in_renewal", &sub, &customer, "paid"),
    );
    assert_eq!(deliver_signed(&app, &secret, &paid).await, 200);
    assert_eq!(
        jobs_of(&db, &tenant, "resume").await,
        1,
        "paid again: resumed"
    );
    assert_eq!(
        count(&db, &format!("SELECT COUNT(*) FROM subscriptions WHERE subscription_id = '{sub}' AND past_due_since IS NULL")).await,
        1
    );
    wait_until("the resumption ends", || async {
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE tenant_id = '{tenant}' AND kind = 'resume' \
                 AND finished_at IS NOT NULL"
            ),
        )
        .await
            == 1
    })
    .await;

    // The customer cancels: localstripe ends the subscription and sends the event.
    stripe.delete(&format!("/v1/subscriptions/{sub}")).await;
    wait_until("the cancellation arrives", || async {
        text(
            &db,
            &format!("SELECT status FROM subscriptions WHERE subscription_id = '{sub}'"),
        )
        .await
        .as_deref()
            == Some("canceled")
    })
    .await;
    wait_until("the tenant is suspended", || async {
        state_of(&db, &tenant).await == TenantState::Suspended
    })
    .await;

    let now = server::clock::now_ms();
    let kept = server::billing::sweep::sweep(&processor, now + 29 * DAY_MS)
        .await
        .unwrap();
    assert!(kept.actions.is_empty(), "{kept:?}");
    let gone = server::billing::sweep::sweep(&processor, now + 31 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(gone.actions.len(), 1, "{gone:?}");
    assert_eq!(state_of(&db, &tenant).await, TenantState::Archived);
    assert_eq!(jobs_of(&db, &tenant, "archive").await, 1);
    // The audit log names who acted: the sweep suspended and archived, Stripe's webhook
    // resumed and suspended on cancellation.
    let audited = |actor: &str, action: &str| {
        format!(
            "SELECT COUNT(*) FROM audit_log a JOIN tenants t ON t.subdomain = a.target \
             WHERE t.id = '{tenant}' AND a.actor_kind = '{actor}' AND a.action = '{action}'"
        )
    };
    for (actor, action, times) in [
        ("system", "tenant.suspend", 1),
        ("webhook", "tenant.resume", 1),
        ("webhook", "tenant.suspend", 1),
        ("system", "tenant.archive", 1),
    ] {
        assert_eq!(
            count(&db, &audited(actor, action)).await,
            times,
            "{actor} {action}"
        );
    }
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'archived' AND recipient = 'lin@example.com'"
        )
        .await,
        1
    );
}

async fn an_event_delivered_fifty_times_is_handled_once(backend: Backend) {
    let Some((app, secret)) = billing_app(backend, "http://127.0.0.1:9/").await else {
        return;
    };
    let tenant = pending_tenant(&app, "twice", "tw@example.com").await;
    let db = Probe::new(&app).await;
    let paid = event(
        "evt_once",
        "customer.subscription.created",
        now_secs(),
        subscription("sub_once", "cus_once", "active", &tenant),
    );
    let deliveries = (0..50).map(|_| deliver_signed(&app, &secret, &paid));
    let statuses = futures_util::future::join_all(deliveries).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    assert_eq!(count(&db, "SELECT COUNT(*) FROM stripe_events").await, 1);
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM tenant_transitions WHERE tenant_id = '{tenant}' \
                 AND to_state = 'provisioning'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM jobs WHERE tenant_id = '{tenant}'")
        )
        .await,
        1
    );
}

async fn events_in_reverse_order_end_in_the_state_of_the_newest(backend: Backend) {
    let Some((app, secret)) = billing_app(backend, "http://127.0.0.1:9/").await else {
        return;
    };
    let tenant = pending_tenant(&app, "backwards", "bw@example.com").await;
    let db = Probe::new(&app).await;
    let t0 = now_secs() - 60;
    let sub = || subscription("sub_rev", "cus_rev", "active", &tenant);
    let history = [
        event("evt_r1", "customer.subscription.created", t0, sub()),
        event(
            "evt_r2",
            "invoice.payment_failed",
            t0 + 10,
            invoice("in_r", "sub_rev", "cus_rev", "open"),
        ),
        event(
            "evt_r3",
            "invoice.paid",
            t0 + 20,
            invoice("in_r", "sub_rev", "cus_rev", "paid"),
        ),
        event(
            "evt_r4",
            "customer.subscription.deleted",
            t0 + 30,
            subscription("sub_rev", "cus_rev", "canceled", &tenant),
        ),
    ];
    for event in history.iter().rev() {
        assert_eq!(deliver_signed(&app, &secret, event).await, 200);
    }

    assert_eq!(count(&db, "SELECT COUNT(*) FROM stripe_events").await, 4);
    let status = text(
        &db,
        "SELECT status FROM subscriptions WHERE subscription_id = 'sub_rev'",
    )
    .await;
    assert_eq!(status.as_deref(), Some("canceled"));
    assert_eq!(
        count(
            &db,
            "SELECT status_at FROM subscriptions WHERE subscription_id = 'sub_rev'"
        )
        .await,
        (t0 + 30) * 1000
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM subscriptions WHERE past_due_since IS NULL"
        )
        .await,
        1,
        "the older failure did not start a grace period"
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM outbox WHERE kind <> 'welcome'").await,
        0
    );
    // A canceled subscription never provisions, whatever older events said.
    assert_eq!(state_of(&db, &tenant).await, TenantState::PendingPayment);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM jobs").await, 0);
}

#[tokio::test]
async fn one_stripe_key_without_the_other_refuses_to_start() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let mut config = test_config();
    config.billing.stripe_secret_key = Some("sk_test_secret_value".into());
    let error = server::serve::start(
        &DbConfig {
            database_url: db.url.clone(),
        },
        &config,
    )
    .await
    .err()
    .expect("refused");
    let shown = format!("{error:#}");
    assert!(
        shown.contains("STOREFLEET_STRIPE_WEBHOOK_SECRET"),
        "{shown}"
    );
    assert!(!shown.contains("sk_test_secret_value"), "{shown}");
}
