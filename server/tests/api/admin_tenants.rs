//! The admin tenants table: search, filters, sort order and pages, answered by the server
//! from one parameterised query, over the server function and the server-rendered page.

use std::collections::BTreeSet;

use app::domain::TenantPage;
use app::error::AppError;

use crate::on_both_databases;
use crate::support::{admin, client, error_of, Backend, TestApp};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    an_admin_searches_filters_sorts_and_pages_the_tenants,
    sql_wildcards_and_quotes_in_the_search_are_literal,
    bad_parameters_fall_back_or_are_refused_clearly,
    the_server_rendered_table_follows_the_url,
    only_admins_search_the_tenants,
);

/// Owners, five named tenants and 120 more: 125 tenants, three pages.
async fn seed(app: &TestApp) {
    app.execute(
        "INSERT INTO users (id, email, password_hash, role, created_at) VALUES \
         ('u-alice', 'alice@example.com', '!', 'customer', 1), \
         ('u-bob', 'Bob@Corp.example', '!', 'customer', 1), \
         ('u-ob', 'o''brien_50%@example.com', '!', 'customer', 1)",
    )
    .await;
    let named = [
        ("acme", "starter", "'u-alice'", "ready", 1000),
        ("acme-two", "pro", "'u-bob'", "suspended", 2000),
        ("beta", "pro", "'u-alice'", "failed", 3000),
        ("gamma", "starter", "NULL", "provisioning", 4000),
        ("delta", "starter", "'u-ob'", "ready", 5000),
    ];
    let mut rows: Vec<String> = named
        .iter()
        .map(|(subdomain, plan, owner, state, at)| {
            format!("('t-{subdomain}', '{subdomain}', '{plan}', {owner}, '{state}', '{{}}', {at}, {at})")
        })
        .collect();
    rows.extend((1..=120).map(|n| {
        let at = 10_000 + n;
        format!("('t-bulk-{n:03}', 'bulk-{n:03}', 'starter', NULL, 'ready', '{{}}', {at}, {at})")
    }));
    app.execute(&format!(
        "INSERT INTO tenants (id, subdomain, plan, owner_id, state, settings, \
         created_at, updated_at) VALUES {}",
        rows.join(", ")
    ))
    .await;
}

async fn search_raw(
    app: &TestApp,
    as_client: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    as_client
        .post(format!("{}/api/admin/tenants", app.base))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn search(app: &TestApp, as_client: &reqwest::Client, form: &[(&str, &str)]) -> TenantPage {
    let response = search_raw(app, as_client, form).await;
    assert_eq!(response.status(), 200, "{form:?}");
    response.json().await.unwrap()
}

fn subdomains(page: &TenantPage) -> Vec<&str> {
    page.rows.iter().map(|t| t.subdomain.as_str()).collect()
}

async fn an_admin_searches_filters_sorts_and_pages_the_tenants(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    seed(&app).await;

    // By subdomain and by owner email: substrings, any case; newest first by default.
    let found = search(&app, &admin, &[("q", "ACME")]).await;
    assert_eq!(subdomains(&found), ["acme-two", "acme"]);
    assert_eq!((found.total, found.page, found.pages), (2, 1, 1));
    let found = search(&app, &admin, &[("q", "bob@corp")]).await;
    assert_eq!(subdomains(&found), ["acme-two"]);
    assert_eq!(
        found.rows[0].owner_email.as_deref(),
        Some("Bob@Corp.example")
    );
    let found = search(&app, &admin, &[("q", "ALICE@")]).await;
    assert_eq!(subdomains(&found), ["beta", "acme"]);

    // Each filter, and both together.
    let found = search(&app, &admin, &[("state", "failed")]).await;
    assert_eq!(subdomains(&found), ["beta"]);
    let found = search(&app, &admin, &[("plan", "pro")]).await;
    assert_eq!(subdomains(&found), ["beta", "acme-two"]);
    let found = search(&app, &admin, &[("state", "ready"), ("plan", "starter")]).await;
    assert_eq!(found.total, 122);
    let found = search(
        &app,
        &admin,
        &[("q", "a"), ("state", "ready"), ("plan", "pro")],
    )
    .await;
    assert_eq!(found.total, 0);
    assert_eq!((found.page, found.pages), (1, 1));

    // Every sort order, both ways.
    let first = |page: &TenantPage| page.rows[0].subdomain.clone();
    let found = search(&app, &admin, &[("q", "acme"), ("sort", "subdomain")]).await;
    assert_eq!(subdomains(&found), ["acme", "acme-two"]);
    let found = search(&app, &admin, &[("q", "acme"), ("sort", "-subdomain")]).await;
    assert_eq!(subdomains(&found), ["acme-two", "acme"]);
    assert_eq!(
        first(&search(&app, &admin, &[("sort", "created")]).await),
        "acme"
    );
    assert_eq!(
        first(&search(&app, &admin, &[("sort", "-created")]).await),
        "bulk-120"
    );
    assert_eq!(
        first(&search(&app, &admin, &[("sort", "state")]).await),
        "beta"
    );
    assert_eq!(
        first(&search(&app, &admin, &[("sort", "-state")]).await),
        "acme-two"
    );
    let by_plan = search(&app, &admin, &[("sort", "plan")]).await;
    assert_eq!(subdomains(&by_plan)[..3], ["acme-two", "beta", "acme"]);
    let by_plan = search(&app, &admin, &[("sort", "-plan")]).await;
    assert_eq!(first(&by_plan), "gamma");

    // Pages of 50, the last one partial, no tenant on two pages.
    let mut seen = BTreeSet::new();
    for (number, rows) in [("1", 50), ("2", 50), ("3", 25)] {
        let page = search(&app, &admin, &[("page", number), ("sort", "subdomain")]).await;
        assert_eq!((page.total, page.pages), (125, 3));
        assert_eq!(page.page.to_string(), number);
        assert_eq!(page.rows.len(), rows, "page {number}");
        seen.extend(page.rows.into_iter().map(|t| t.subdomain));
    }
    assert_eq!(seen.len(), 125);
}

async fn sql_wildcards_and_quotes_in_the_search_are_literal(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    seed(&app).await;
    // Only one owner's email holds a `%`, a `_` or a `'`; as wildcards they would match all.
    for text in [
        "%",
        "_",
        "'",
        "o'brien_50%",
        "n_5",
        "'; DROP TABLE tenants; --",
    ] {
        let found = search(&app, &admin, &[("q", text)]).await;
        let expected: &[&str] = if text.starts_with("';") {
            &[]
        } else {
            &["delta"]
        };
        assert_eq!(subdomains(&found), expected, "{text:?}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM tenants").await, 125);
    let found = search(&app, &admin, &[("q", "\\")]).await;
    assert_eq!(found.total, 0);
}

async fn bad_parameters_fall_back_or_are_refused_clearly(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    seed(&app).await;
    let beyond = search(&app, &admin, &[("page", "99")]).await;
    assert_eq!((beyond.page, beyond.pages, beyond.rows.len()), (3, 3, 25));
    for garbage in ["0", "-1", "abc", "", "99999999999999999999"] {
        let page = search(&app, &admin, &[("page", garbage)]).await;
        assert_eq!(page.page, 1, "page={garbage:?}");
        assert_eq!(page.rows.len(), 50);
    }
    let unsorted = search(&app, &admin, &[("sort", "password_hash; --")]).await;
    assert_eq!(unsorted.rows[0].subdomain, "bulk-120");

    let refused = search_raw(&app, &admin, &[("state", "happy")]).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        error_of(refused).await,
        AppError::Invalid("There is no tenant state named \"happy\".".into())
    );
    let refused = search_raw(&app, &admin, &[("plan", "pro' OR '1'='1")]).await;
    assert_eq!(refused.status(), 422);
    let long = "x".repeat(101);
    let refused = search_raw(&app, &admin, &[("q", &long)]).await;
    assert_eq!(refused.status(), 422);
}

async fn the_server_rendered_table_follows_the_url(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin(&app).await;
    seed(&app).await;
    let page = |path: &'static str| {
        let admin = admin.clone();
        let url = format!("{}{path}", app.base);
        async move {
            let response = admin.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            // Without the markers hydration uses between pieces of text.
            response.text().await.unwrap().replace("<!>", "")
        }
    };
    let html = page("/admin/tenants?q=acme&sort=subdomain").await;
    assert!(html.contains("2 tenants · page 1 of 1"), "{html}");
    assert!(html.contains(">acme-two</a>"));
    assert!(!html.contains(">beta</a>"));
    // The search form keeps what was asked, and the sort links keep the search.
    assert!(html.contains("value=\"acme\""));
    assert!(
        html.contains("href=\"/admin/tenants?q=acme&amp;sort=-subdomain\""),
        "{html}"
    );

    let html = page("/admin/tenants?page=2&state=ready").await;
    assert!(html.contains("122 tenants · page 2 of 3"), "{html}");
    assert!(
        html.contains("href=\"/admin/tenants?state=ready&amp;page=3\""),
        "{html}"
    );
    assert!(html.contains("<option value=\"ready\" selected"), "{html}");

    let html = page("/admin/tenants?page=zzz&sort=nope").await;
    assert!(html.contains("125 tenants · page 1 of 3"), "{html}");
    let html = page("/admin/tenants?state=happy").await;
    assert!(html.contains("There is no tenant state named"), "{html}");
}

async fn only_admins_search_the_tenants(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    seed(&app).await;
    let customer = app.signed_up("eve@example.com", PASSWORD).await;
    let refused = search_raw(&app, &customer, &[("q", "acme")]).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(error_of(refused).await, AppError::Forbidden);
    let refused = search_raw(&app, &client(), &[("q", "acme")]).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(error_of(refused).await, AppError::Unauthenticated);
    // The page shows no tenant to them either.
    let html = customer
        .get(format!("{}/admin/tenants?q=acme", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(">acme</a>"));
    assert!(html.contains("You are not allowed to do that."));
}
