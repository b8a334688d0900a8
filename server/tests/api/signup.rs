//! A customer's journey over HTTP as the browser makes it: the live subdomain check, creating
//! a store at sign-up, watching it being built, and nobody else seeing it.

use std::time::Duration;

use app::api::store_signup::{SignupOfferData, StoreProgressData};
use app::domain::{Availability, NewStore, TenantState};
use app::error::AppError;
use app::ports::TenantAdmin;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use server::db::tenants::TenantRecord;

use crate::on_both_databases;
use crate::support::operator;
use crate::support::{client, error_of, Backend, TestApp};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    anyone_learns_whether_a_subdomain_is_free,
    a_new_customer_signs_up_and_watches_the_store_become_ready,
    a_taken_subdomain_or_bad_input_is_refused_and_creates_nothing,
    concurrent_sign_ups_for_one_subdomain_create_one_store,
    forms_without_javascript_show_errors_and_go_on_to_the_progress_page,
    a_store_waiting_for_payment_is_built_once_paid,
    nobody_but_the_owner_sees_a_store_being_built,
);

async fn post(
    as_client: &reqwest::Client,
    app: &TestApp,
    function: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    as_client
        .post(format!("{}/api/{function}", app.base))
        .form(form)
        .send()
        .await
        .unwrap()
}

fn store_form<'a>(store_name: &'a str, subdomain: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("store_name", store_name),
        ("subdomain", subdomain),
        ("plan", "pro"),
    ]
}

async fn record(app: &TestApp, subdomain: &str) -> Option<TenantRecord> {
    let db = server::db::Db::connect(&app.db.url).await.unwrap();
    let record = server::db::tenants::by_subdomain(&db.pool, subdomain)
        .await
        .unwrap();
    db.pool.close().await;
    record
}

async fn progress(
    as_client: &reqwest::Client,
    app: &TestApp,
    subdomain: &str,
) -> StoreProgressData {
    let response = post(
        as_client,
        app,
        "signup/progress",
        &[("subdomain", subdomain)],
    )
    .await;
    assert_eq!(response.status(), 200, "progress of {subdomain}");
    response.json().await.unwrap()
}

/// Polls the owner's view until the store is ready and its job has ended.
pub(crate) async fn wait_until_ready(
    as_client: &reqwest::Client,
    app: &TestApp,
    subdomain: &str,
) -> StoreProgressData {
    for _ in 0..400 {
        let data = progress(as_client, app, subdomain).await;
        let ended = data.progress.as_ref().is_some_and(|p| p.job.is_finished());
        if data.tenant.state == TenantState::Ready && ended {
            return data;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{subdomain} never became ready");
}

async fn availability(as_client: &reqwest::Client, app: &TestApp, subdomain: &str) -> Availability {
    let response = post(
        as_client,
        app,
        "signup/subdomain_available",
        &[("subdomain", subdomain)],
    )
    .await;
    assert_eq!(response.status(), 200, "{subdomain}");
    response.json().await.unwrap()
}

async fn anyone_learns_whether_a_subdomain_is_free(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.tenants()
        .await
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    let customer = app.signed_up("ada@example.com", PASSWORD).await;
    for caller in [&client(), &customer] {
        assert_eq!(
            availability(caller, &app, " Fresh-Shop ").await,
            Availability::Available {
                subdomain: "fresh-shop".into(),
                host: "fresh-shop.shops.test".into(),
            }
        );
        let taken = availability(caller, &app, "ACME").await;
        assert_eq!(
            taken,
            Availability::Taken {
                subdomain: "acme".into()
            }
        );
        assert_eq!(
            taken.message(),
            "\"acme\" is already taken. Choose another subdomain."
        );
        assert_eq!(
            availability(caller, &app, "admin").await.message(),
            "\"admin\" is reserved. Choose another subdomain."
        );
        assert_eq!(
            availability(caller, &app, "my_shop").await.message(),
            "Use only lowercase letters a–z, digits and hyphens."
        );
    }

    let offer: SignupOfferData = post(&client(), &app, "signup/offer", &[])
        .await
        .json()
        .await
        .unwrap();
    let plans: Vec<&str> = offer.plans.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(plans, ["starter", "pro"]);
    assert_eq!(offer.base_domain, "shops.test");
    assert!(!offer.billing, "billing is off without Stripe keys");
}

async fn a_new_customer_signs_up_and_watches_the_store_become_ready(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let browser = client();
    let mut form = store_form("Ada's Shop", "Ada-Shop");
    form.extend([("email", "ada@example.com"), ("password", PASSWORD)]);
    let created = post(&browser, &app, "signup/create_store", &form).await;
    assert_eq!(created.status(), 200);
    assert_eq!(created.headers()["location"], "/signup/ada-shop/progress");

    let owner_id: String = {
        let me: app::domain::UserView = post(&browser, &app, "account", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me.email, "ada@example.com", "the new account is signed in");
        me.id.to_string()
    };
    let stored = record(&app, "ada-shop").await.expect("the store is stored");
    assert_eq!(stored.owner_id.as_deref(), Some(owner_id.as_str()));
    assert_eq!(stored.plan, "pro");
    assert_eq!(stored.settings["store_name"], "Ada's Shop");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenant_transitions WHERE from_state IS NULL AND to_state = 'provisioning'")
            .await,
        1,
        "created straight into provisioning, billing being off"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'provision'")
            .await,
        1
    );

    let ready = wait_until_ready(&browser, &app, "ada-shop").await;
    assert_eq!(ready.tenant.url, "https://ada-shop.shops.test");
    assert_eq!(ready.tenant.owner_email.as_deref(), Some("ada@example.com"));
    assert_eq!(ready.progress.unwrap().job.state.as_str(), "succeeded");

    // The cluster got the store's name.
    let maps: Api<ConfigMap> = Api::namespaced(app.cluster(), &app.namespace("ada-shop").await);
    let web = maps.get("web").await.unwrap().data.unwrap();
    assert_eq!(web["STORE_NAME"], "Ada's Shop");

    // The page shows where the store lives and links to the owner's page.
    let page = browser
        .get(format!("{}/signup/ada-shop/progress", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains(r#"href="https://ada-shop.shops.test""#),
        "{page}"
    );
    assert!(page.contains(r#"href="/stores/ada-shop""#), "{page}");

    // A signed-in customer needs no account fields for a second store.
    let second = post(
        &browser,
        &app,
        "signup/create_store",
        &store_form("Ada Two", "ada-two"),
    )
    .await;
    assert_eq!(second.status(), 200);
    let two = record(&app, "ada-two").await.unwrap();
    assert_eq!(two.owner_id.as_deref(), Some(owner_id.as_str()));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
}

async fn a_taken_subdomain_or_bad_input_is_refused_and_creates_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.tenants()
        .await
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    let customer = app.signed_up("eve@example.com", PASSWORD).await;

    let taken = post(
        &customer,
        &app,
        "signup/create_store",
        &store_form("Eve", "Acme"),
    )
    .await;
    assert_eq!(taken.status(), 409);
    assert_eq!(
        error_of(taken).await,
        AppError::Conflict("\"acme\" is already taken. Choose another subdomain.".into())
    );

    // A visitor: the account is not created either.
    let mut form = store_form("Grace", "acme");
    form.extend([("email", "grace@example.com"), ("password", PASSWORD)]);
    let taken = post(&client(), &app, "signup/create_store", &form).await;
    assert_eq!(taken.status(), 409);

    for (fields, message) in [
        (store_form("", "fresh"), "Give your store a name."),
        (
            store_form("Eve", "www"),
            "\"www\" is reserved. Choose another subdomain.",
        ),
        (
            vec![
                ("store_name", "Eve"),
                ("subdomain", "fresh"),
                ("plan", "gold"),
            ],
            "There is no plan named \"gold\".",
        ),
    ] {
        let refused = post(&customer, &app, "signup/create_store", &fields).await;
        assert_eq!(refused.status(), 422, "{message}");
        assert_eq!(error_of(refused).await, AppError::Invalid(message.into()));
    }
    let mut weak = store_form("Grace", "fresh");
    weak.extend([("email", "grace@example.com"), ("password", "short")]);
    assert_eq!(
        post(&client(), &app, "signup/create_store", &weak)
            .await
            .status(),
        422
    );
    let anonymous = post(
        &client(),
        &app,
        "signup/create_store",
        &store_form("Grace", "fresh"),
    )
    .await;
    assert_eq!(anonymous.status(), 422, "a visitor must give an email");

    assert_eq!(app.scalar("SELECT COUNT(*) FROM tenants").await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 1);
}

async fn concurrent_sign_ups_for_one_subdomain_create_one_store(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let mut customers = Vec::new();
    for who in ["a", "b", "c"] {
        customers.push(app.signed_up(&format!("{who}@example.com"), PASSWORD).await);
    }
    let form = store_form("Race", "race");
    let answers = futures_util::future::join_all(
        customers
            .iter()
            .map(|customer| post(customer, &app, "signup/create_store", &form)),
    )
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409]);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM tenants").await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, 1);
}

async fn forms_without_javascript_show_errors_and_go_on_to_the_progress_page(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.tenants()
        .await
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    let mut form = store_form("Ada", "acme");
    form.extend([("email", "ada@example.com"), ("password", PASSWORD)]);
    let refused = app
        .post_form("signup/create_store", "/signup?plan=pro", &form)
        .await;
    assert_eq!(refused.status(), 302);
    let back = refused.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with(&format!("{}/signup?", app.base)), "{back}");
    let page = app
        .client
        .get(&back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"role="alert" class="form-error">"acme" is already taken."#),
        "{page}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, 0);

    let mut form = store_form("Ada", "ada");
    form.extend([("email", "ada@example.com"), ("password", PASSWORD)]);
    let created = app
        .post_form("signup/create_store", "/signup?plan=pro", &form)
        .await;
    assert_eq!(created.status(), 302);
    assert_eq!(created.headers()["location"], "/signup/ada/progress");
    let page = app.get("/signup/ada/progress").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"data-testid="job-progress""#), "{page}");
}

async fn a_store_waiting_for_payment_is_built_once_paid(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let customer = app.signed_up("ada@example.com", PASSWORD).await;
    let owner: app::domain::UserView = post(&customer, &app, "account", &[])
        .await
        .json()
        .await
        .unwrap();
    let tenants = app.tenants().await;
    let store = NewStore::parse("Ada's Shop", "ada", "starter").unwrap();
    let (tenant, job) = tenants
        .sign_up_store(&app::domain::Actor::user(&owner, "127.0.0.1"), &store, true)
        .await
        .unwrap();
    assert_eq!(tenant.state, TenantState::PendingPayment);
    assert_eq!(job, None);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, 0);

    let waiting = progress(&customer, &app, "ada").await;
    assert_eq!(waiting.tenant.state, TenantState::PendingPayment);
    assert_eq!(waiting.progress, None);
    let page = customer
        .get(format!("{}/signup/ada/progress", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Waiting for the payment confirmation"),
        "{page}"
    );

    let record = record(&app, "ada").await.unwrap();
    tenants
        .move_tenant(
            &record,
            server::tenants::Move::FirstPayment,
            "payment received",
            &[],
        )
        .await
        .unwrap();
    let ready = wait_until_ready(&customer, &app, "ada").await;
    assert_eq!(ready.tenant.url, "https://ada.shops.test");
}

async fn nobody_but_the_owner_sees_a_store_being_built(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let owner = app.signed_up("ada@example.com", PASSWORD).await;
    let created = post(
        &owner,
        &app,
        "signup/create_store",
        &store_form("Ada", "ada"),
    )
    .await;
    assert_eq!(created.status(), 200);
    let job_id = progress(&owner, &app, "ada").await.progress.unwrap().job.id;

    let eve = app.signed_up("eve@example.com", PASSWORD).await;
    let refused = post(&eve, &app, "signup/progress", &[("subdomain", "ada")]).await;
    assert_eq!(refused.status(), 404);
    assert_eq!(error_of(refused).await, AppError::NotFound);
    let page = eve
        .get(format!("{}/signup/ada/progress", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(!page.text().await.unwrap().contains("ada.shops.test"));
    let events = eve
        .get(format!("{}/api/jobs/{job_id}/events", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 404);
    let pay = post(&eve, &app, "signup/pay", &[("subdomain", "ada")]).await;
    assert_eq!(pay.status(), 404);

    let visitor = client();
    let refused = post(&visitor, &app, "signup/progress", &[("subdomain", "ada")]).await;
    assert_eq!(refused.status(), 401);
    let page = visitor
        .get(format!("{}/signup/ada/progress", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("to watch your store being built"), "{page}");

    let stored = record(&app, "ada").await.unwrap();
    let eve_owns = app
        .scalar("SELECT COUNT(*) FROM tenants t JOIN users u ON u.id = t.owner_id WHERE u.email = 'eve@example.com'")
        .await;
    assert_eq!(eve_owns, 0);
    assert!(stored.owner_id.is_some());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, 1);
}
