//! Store owners: their dashboard, settings and the update a change starts, over HTTP as the
//! UI calls them, checked in the database and on the simulated cluster.

use app::api::stores::StoreOverviewData;
use app::domain::{SettingsForm, TenantState};
use app::ports::{TenantAdmin, TenantInspection};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Secret};
use kube::Api;
use server::tenants::TenantService;

use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::operator;
use crate::support::{post, Backend, TestApp};

pub const PASSWORD: &str = "correct horse battery";
const SECRET_VALUE: &str = "sk_fake_0123456789abcdef";

on_both_databases!(
    an_owner_changes_settings_and_the_store_rolls_with_them,
    a_bad_value_is_refused_and_changes_nothing,
    text_that_looks_like_code_is_kept_literally_and_cannot_break_out,
);

/// Signs up `email`, and provisions `subdomain` owned by it to ready.
pub async fn owned_store(
    app: &TestApp,
    email: &str,
    subdomain: &str,
) -> (reqwest::Client, TenantService) {
    let owner = app.signed_up(email, PASSWORD).await;
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), subdomain, "starter", Some(email))
        .await
        .unwrap();
    wait_for_state(&tenants, subdomain, TenantState::Ready).await;
    (owner, tenants)
}

fn checksum(deployment: &Deployment) -> String {
    deployment
        .spec
        .as_ref()
        .unwrap()
        .template
        .metadata
        .as_ref()
        .unwrap()
        .annotations
        .as_ref()
        .unwrap()[server::provision::labels::CONFIG_CHECKSUM]
        .clone()
}

async fn an_owner_changes_settings_and_the_store_rolls_with_them(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (owner, tenants) = owned_store(&app, "olga@example.com", "acme").await;
    let cluster = app.cluster();
    let namespace = app.namespace("acme").await;
    // The owner was told the moment the store was ready, once.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'store_ready' \
             AND recipient = 'olga@example.com' AND body_text LIKE '%/stores/acme%'"
        )
        .await,
        1
    );
    let deployments: Api<Deployment> = Api::namespaced(cluster.clone(), &namespace);
    let before = checksum(&deployments.get("web").await.unwrap());

    let form: SettingsForm = post(&app, &owner, "stores/settings", &[("subdomain", "acme")])
        .await
        .json()
        .await
        .unwrap();
    let colour = form
        .fields
        .iter()
        .find(|f| f.spec.key == "theme_color")
        .unwrap();
    assert_eq!(colour.value.as_deref(), Some("#2456d6"));

    let saved = post(
        &app,
        &owner,
        "stores/settings/save",
        &[
            ("subdomain", "acme"),
            ("values[theme_color]", "#FF0000"),
            ("values[payment_api_key]", SECRET_VALUE),
        ],
    )
    .await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    wait_for_state(&tenants, "acme", TenantState::Ready).await;

    // The cluster has the new values, and the pods were rolled by the checksum.
    let maps: Api<ConfigMap> = Api::namespaced(cluster.clone(), &namespace);
    let web = maps.get("web").await.unwrap().data.unwrap();
    assert_eq!(web["THEME_COLOR"], "#ff0000");
    assert!(web["settings.json"].contains("#ff0000"));
    let secrets: Api<Secret> = Api::namespaced(cluster.clone(), &namespace);
    let secret = secrets
        .get(server::provision::manifests::config::SECRET)
        .await
        .unwrap()
        .data
        .unwrap();
    assert_eq!(secret["PAYMENT_API_KEY"].0, SECRET_VALUE.as_bytes());
    assert_ne!(checksum(&deployments.get("web").await.unwrap()), before);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenant_transitions WHERE to_state = 'updating'")
            .await,
        1
    );

    // The audit log names the actor, the store and the keys, never the secret.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'settings.change' \
             AND actor_email = 'olga@example.com' AND target = 'acme' \
             AND detail LIKE '%theme_color%' AND client_addr <> ''"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%{SECRET_VALUE}%'"
        ))
        .await,
        0
    );

    // The form shows the new colour, never the secret; the history says who changed what.
    let page = post(&app, &owner, "stores/settings", &[("subdomain", "acme")])
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(SECRET_VALUE), "the secret came back: {page}");
    let form: SettingsForm = serde_json::from_str(&page).unwrap();
    let colour = form
        .fields
        .iter()
        .find(|f| f.spec.key == "theme_color")
        .unwrap();
    assert_eq!(colour.value.as_deref(), Some("#ff0000"));
    let key = form
        .fields
        .iter()
        .find(|f| f.spec.key == "payment_api_key")
        .unwrap();
    assert_eq!((key.value.clone(), key.is_set), (None, true));
    assert_eq!(form.history.len(), 1);
    let entry = &form.history[0];
    assert_eq!(entry.actor_email, "olga@example.com");
    let changed: Vec<_> = entry
        .changes
        .iter()
        .map(|c| (c.key.as_str(), c.from.as_deref(), c.to.as_deref()))
        .collect();
    assert!(changed.contains(&("theme_color", Some("#2456d6"), Some("#ff0000"))));
    assert!(changed.contains(&("payment_api_key", None, None)));

    // The dashboard reads health and warnings from the cluster.
    let events: Api<Event> = Api::namespaced(cluster.clone(), &namespace);
    let warning = Event {
        metadata: kube::api::ObjectMeta {
            name: Some("web-backoff".into()),
            ..Default::default()
        },
        involved_object: Default::default(),
        type_: Some("Warning".into()),
        reason: Some("BackOff".into()),
        message: Some("Back-off restarting failed container".into()),
        ..Default::default()
    };
    events
        .create(&kube::api::PostParams::default(), &warning)
        .await
        .unwrap();
    let overview: StoreOverviewData =
        post(&app, &owner, "stores/overview", &[("subdomain", "acme")])
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(overview.detail.tenant.state, TenantState::Ready);
    let health = overview.health.unwrap();
    assert!(health
        .workloads
        .iter()
        .any(|w| w.name == "web" && w.ready == 1));
    // One pod per component, each started by its controller and admitted by the quota.
    assert_eq!(
        (health.pods_ready, health.pods_total, health.restarts),
        (3, 3, 0)
    );
    assert!(
        health
            .warnings
            .contains(&"BackOff: Back-off restarting failed container".to_owned()),
        "{:?}",
        health.warnings
    );
    assert!(!overview.billing);
}

async fn a_bad_value_is_refused_and_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (owner, _tenants) = owned_store(&app, "olga@example.com", "acme").await;
    let jobs = app.scalar("SELECT COUNT(*) FROM jobs").await;
    let long = "x".repeat(81);
    let refused: [(&str, &str); 7] = [
        ("values[theme_color]", "red; }"),
        ("values[theme_color]", "#ff0000\n---\nkind: Secret"),
        ("values[store_name]", "Shop\nserver { listen 80; }"),
        ("values[store_name]", "Shop\u{1b}[31m"),
        ("values[store_name]", &long),
        ("values[currency]", "EUR; rm -rf /"),
        ("values[no_such_setting]", "x"),
    ];
    for (field, value) in refused {
        let response = post(
            &app,
            &owner,
            "stores/settings/save",
            &[("subdomain", "acme"), (field, value)],
        )
        .await;
        assert_eq!(response.status(), 422, "{field}={value:?}");
        let message = response.text().await.unwrap();
        assert!(!message.to_lowercase().contains("sql"), "{message}");
    }
    // Invalid UTF-8 in the request body.
    let raw = owner
        .post(format!("{}/api/stores/settings/save", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"subdomain=acme&values%5Bstore_name%5D=%FF%FE".to_vec())
        .send()
        .await
        .unwrap();
    assert!(raw.status().is_client_error(), "{}", raw.status());

    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, jobs);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM setting_changes").await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenants WHERE settings = '{}' AND state = 'ready'")
            .await,
        1
    );
    let maps: Api<ConfigMap> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let web = maps.get("web").await.unwrap().data.unwrap();
    assert_eq!(web["THEME_COLOR"], "#2456d6");
}

async fn text_that_looks_like_code_is_kept_literally_and_cannot_break_out(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (owner, tenants) = owned_store(&app, "olga@example.com", "acme").await;
    let tricky = "Ada's \"shop\" {x}; --- $(rm -rf /) `id` # }";
    let saved = post(
        &app,
        &owner,
        "stores/settings/save",
        &[("subdomain", "acme"), ("values[store_name]", tricky)],
    )
    .await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    wait_for_state(&tenants, "acme", TenantState::Ready).await;

    let maps: Api<ConfigMap> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let web = maps.get("web").await.unwrap().data.unwrap();
    assert_eq!(web["STORE_NAME"], tricky);
    let json: serde_json::Value = serde_json::from_str(&web["settings.json"]).unwrap();
    assert_eq!(json["store_name"], tricky);
    let nginx = maps.get("nginx").await.unwrap().data.unwrap();
    assert!(!nginx["default.conf"].contains("rm -rf"));

    // The rendered manifests are still one document per object, with the value intact.
    let yaml = tenants.manifests("acme").await.unwrap();
    let documents: Vec<serde_json::Value> = serde_yaml_ng::Deserializer::from_str(&yaml)
        .map(|document| serde::Deserialize::deserialize(document).unwrap())
        .collect();
    assert_eq!(
        documents.len(),
        yaml.matches("\nkind: ").count() + usize::from(yaml.starts_with("kind: "))
    );
    let rendered_names: Vec<&str> = documents
        .iter()
        .filter_map(|d| d["metadata"]["name"].as_str())
        .collect();
    assert_eq!(rendered_names.len(), documents.len());
    let web_map = documents
        .iter()
        .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "web")
        .unwrap();
    assert_eq!(web_map["data"]["STORE_NAME"], tricky);
    assert!(!yaml.contains(SECRET_VALUE));
}
