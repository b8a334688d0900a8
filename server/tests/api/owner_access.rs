//! Who may reach a store: its owner and admins. Anyone else is answered 404 (owners' pages)
//! or 403 (admin functions) and nothing changes — checked in the database and the cluster.

use app::domain::TenantView;
use app::error::AppError;
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;

use crate::on_both_databases;
use crate::owner::{owned_store, PASSWORD};
use crate::support::{client, error_of, post, Backend, TestApp};

on_both_databases!(owners_reach_only_their_own_stores_and_customers_no_admin_function);

async fn owners_reach_only_their_own_stores_and_customers_no_admin_function(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_olga, tenants) = owned_store(&app, "olga@example.com", "acme").await;
    let mallory = app.signed_up("mallory@example.com", PASSWORD).await;
    let visitor = client();
    let id = tenants.show("acme").await.unwrap().tenant.id;
    let jobs = app.scalar("SELECT COUNT(*) FROM jobs").await;
    let transitions = app.scalar("SELECT COUNT(*) FROM tenant_transitions").await;

    // Owners' functions: someone else's store, by subdomain or by id, and a store that does
    // not exist all look the same.
    for target in ["acme", id.as_str(), "nosuch"] {
        for (function, extra) in [
            ("stores/overview", None),
            ("stores/settings", None),
            (
                "stores/settings/save",
                Some(("values[theme_color]", "#000000")),
            ),
            ("stores/billing-portal", None),
        ] {
            let mut form = vec![("subdomain", target)];
            form.extend(extra);
            let refused = post(&app, &mallory, function, &form).await;
            assert_eq!(refused.status(), 404, "{function} {target}");
            assert_eq!(error_of(refused).await, AppError::NotFound);
            let anonymous = post(&app, &visitor, function, &form).await;
            assert_eq!(anonymous.status(), 401, "{function} {target}");
        }
    }
    let mine: Vec<TenantView> = post(&app, &mallory, "stores/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(mine.is_empty());
    assert_eq!(post(&app, &visitor, "stores/list", &[]).await.status(), 401);

    // Admin functions: a customer (even the owner) is refused.
    for function in [
        "admin/tenants/suspend",
        "admin/tenants/resume",
        "admin/tenants/reprovision",
        "admin/tenants/inspect",
        "admin/tenants/retry",
    ] {
        let form = [("subdomain", "acme")];
        let refused = post(&app, &mallory, function, &form).await;
        assert_eq!(refused.status(), 403, "{function}");
        assert_eq!(
            post(&app, &visitor, function, &form).await.status(),
            401,
            "{function}"
        );
    }
    // Nothing changed: no job, no transition, no settings, the store still runs.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, jobs);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenant_transitions").await,
        transitions
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM setting_changes").await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenants WHERE state = 'ready' AND settings = '{}'")
            .await,
        1
    );
    let api: Api<Deployment> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let web = api.get("web").await.unwrap();
    assert_eq!(web.spec.unwrap().replicas, Some(1));
}
