//! Every server function, found in the server's own registry, is classified here by who may
//! call it — a new one that is not fails this test — and each protected one is called by
//! someone who may not: a visitor gets 401, a customer 403 (admin functions) or 404 (another
//! owner's store, by subdomain or by id). Afterwards nothing has changed, in the database or
//! on the cluster.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use leptos::server_fn::axum::server_fn_paths;

use crate::on_both_databases;
use crate::owner::{owned_store, PASSWORD};
use crate::support::{client, post, Backend, TestApp};

/// Who may call a server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone; no check to make here.
    Public,
    /// Any signed-in account, about itself.
    User,
    /// The owner of the store named in the call, or an admin.
    Owner,
    /// Admins only.
    Admin,
}

fn classification() -> BTreeMap<&'static str, Access> {
    use Access::*;
    BTreeMap::from([
        ("account", User),
        ("admin/audit", Admin),
        ("admin/system", Admin),
        ("admin/overview", Admin),
        ("admin/pools", Admin),
        ("admin/pools/set", Admin),
        ("admin/backups", Admin),
        ("admin/backups/clone", Admin),
        ("admin/backups/drill", Admin),
        ("admin/catalog", Admin),
        ("admin/plans", Admin),
        ("admin/releases", Admin),
        ("admin/releases/create", Admin),
        ("admin/rollouts", Admin),
        ("admin/rollouts/rollback-store", Admin),
        ("admin/rollouts/show", Admin),
        ("admin/rollouts/start", Admin),
        ("admin/rollouts/steer", Admin),
        ("admin/tokens", Admin),
        ("admin/tokens/create", Admin),
        ("admin/tokens/revoke", Admin),
        ("admin/tenants/canary", Admin),
        ("admin/tenants/pin", Admin),
        ("admin/set_role", Admin),
        ("admin/tenants", Admin),
        ("admin/tenants/create", Admin),
        ("admin/tenants/delete", Admin),
        ("admin/tenants/detail", Admin),
        ("admin/tenants/inspect", Admin),
        ("admin/tenants/reprovision", Admin),
        ("admin/tenants/resume", Admin),
        ("admin/tenants/retry", Admin),
        ("admin/tenants/cancel", Admin),
        ("admin/tenants/self-heal", Admin),
        ("admin/tenants/suspend", Admin),
        ("admin/users", Admin),
        ("cluster", Public),
        ("jobs/progress", Owner),
        ("log_in", Public),
        ("log_out", Public),
        ("sign_up", Public),
        ("signup/create_store", Public),
        ("signup/offer", Public),
        ("signup/pay", Owner),
        ("signup/progress", Owner),
        ("signup/subdomain_available", Public),
        ("stores/backups", Owner),
        ("stores/backups/create", Owner),
        ("stores/backups/restore", Owner),
        ("stores/billing-portal", Owner),
        ("stores/list", User),
        ("stores/overview", Owner),
        ("stores/settings", Owner),
        ("stores/settings/save", Owner),
        ("whoami", Public),
    ])
}

on_both_databases!(no_server_function_answers_someone_who_may_not_call_it);

async fn text(app: &TestApp, sql: &str) -> String {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    let value: String = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    value
}

async fn no_server_function_answers_someone_who_may_not_call_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let registered: Vec<String> = server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let known = classification();
    for path in &registered {
        assert!(
            known.contains_key(path.as_str()),
            "server function {path} is not classified by who may call it"
        );
    }
    for path in known.keys() {
        assert!(registered.iter().any(|p| p == path), "{path} is gone");
    }

    let (_olga, tenants) = owned_store(&app, "olga@example.com", "acme").await;
    let mallory = app.signed_up("mallory@example.com", PASSWORD).await;
    let visitor = client();
    let tenant_id = tenants.show("acme").await.unwrap().tenant.id;
    let job_id = text(&app, "SELECT id FROM jobs").await;
    let olga_id = text(
        &app,
        "SELECT id FROM users WHERE email = 'olga@example.com'",
    )
    .await;
    let counts = [
        "SELECT COUNT(*) FROM jobs",
        "SELECT COUNT(*) FROM tenants",
        "SELECT COUNT(*) FROM tenant_transitions",
        "SELECT COUNT(*) FROM setting_changes",
        "SELECT COUNT(*) FROM users WHERE role = 'admin'",
        "SELECT COUNT(*) FROM users",
        "SELECT COUNT(*) FROM tenants WHERE self_heal = 1",
        "SELECT COUNT(*) FROM tenants WHERE pinned IS NOT NULL OR canary = 1",
        "SELECT COUNT(*) FROM releases",
        "SELECT COUNT(*) FROM api_tokens",
        "SELECT COUNT(*) FROM rollouts",
        "SELECT COUNT(*) FROM backups",
        "SELECT COUNT(*) FROM restores",
        "SELECT COUNT(*) FROM drills",
    ];
    let mut before = Vec::new();
    for sql in counts {
        before.push(app.scalar(sql).await);
    }

    for (path, access) in &known {
        // Public functions (log-in, log-out, sign-up…) are tested where they are defined.
        if *access == Access::Public {
            continue;
        }
        for target in ["acme", tenant_id.as_str()] {
            let form = [
                ("subdomain", target),
                ("job_id", job_id.as_str()),
                ("after", "0"),
                ("confirm", target),
                ("user_id", olga_id.as_str()),
                ("role", "admin"),
                ("plan", "starter"),
                ("size", "1"),
                ("owner_email", ""),
                ("store_name", "Mine now"),
                ("values[theme_color]", "#000000"),
                ("on", "false"),
                ("id", job_id.as_str()),
                ("name", "ci"),
                ("releases", "on"),
                ("blueprint", "store"),
                ("images", "api=9.9.9"),
                ("notes", ""),
                ("release", "9.9.9"),
                ("reason", "mine"),
                ("steer", "rollback"),
                ("canary", "1"),
                ("waves", "100"),
                ("max_parallel", "1"),
                ("bake_secs", "0"),
                ("budget_percent", "2"),
                ("timeout_secs", "60"),
                ("backup_id", job_id.as_str()),
                ("into", "copy-of-acme"),
            ];
            let by_visitor = post(&app, &visitor, path, &form).await.status();
            let by_customer = post(&app, &mallory, path, &form).await.status();
            match access {
                Access::Public => unreachable!(),
                Access::User => assert_eq!(by_visitor, 401, "{path} by a visitor"),
                Access::Owner => {
                    assert_eq!(by_visitor, 401, "{path} by a visitor");
                    assert_eq!(
                        by_customer, 404,
                        "{path} on another owner's store ({target})"
                    );
                }
                Access::Admin => {
                    assert_eq!(by_visitor, 401, "{path} by a visitor");
                    assert_eq!(by_customer, 403, "{path} by a customer");
                }
            }
        }
    }

    // Routes outside the server functions: the live progress stream and the pages.
    let stream = mallory
        .get(format!("{}/api/jobs/{job_id}/events", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 404, "another owner's job events");
    let anonymous = visitor
        .get(format!("{}/api/jobs/{job_id}/events", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "job events by a visitor");
    let namespace = app.namespace("acme").await;
    for page in [
        "/stores/acme",
        "/signup/acme/progress",
        "/admin/tenants/acme",
        "/admin/tenants",
        "/admin",
        "/admin/accounts",
    ] {
        let body = mallory
            .get(format!("{}{page}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!body.contains("olga@example.com"), "{page} shows the owner");
        assert!(!body.contains(&namespace), "{page} shows the namespace");
        assert!(
            !body.contains("acme.shops.test"),
            "{page} shows the address"
        );
    }

    for (sql, was) in counts.iter().zip(before) {
        assert_eq!(app.scalar(sql).await, was, "{sql}");
    }
    let api: Api<Deployment> = Api::namespaced(app.cluster(), &namespace);
    assert_eq!(
        api.get("web").await.unwrap().spec.unwrap().replicas,
        Some(1)
    );
}
