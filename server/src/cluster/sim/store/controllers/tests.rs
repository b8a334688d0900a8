//! The simulated controllers and admission, driven through the store as requests would.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cluster::sim::resources::{events, parse_path, pods, replica_sets, Resource};
use crate::cluster::sim::selector::Selector;
use crate::cluster::sim::store::Store;
use crate::cluster::sim::SimOptions;

const DELAY: Duration = Duration::from_secs(1);

fn kind(path: &str) -> &'static Resource {
    parse_path(path).expect("served path").resource
}

/// A store with namespace `shop`, a quota of `cpu` CPU limits and the tenants' LimitRange.
fn shop(cpu: &str, failing: &[&str]) -> (Store, Instant) {
    let mut store = Store::new(SimOptions {
        ready_delay: DELAY,
        failing_images: failing.iter().map(|f| (*f).to_owned()).collect(),
        ..SimOptions::default()
    });
    let now = Instant::now();
    let ns = kind("/api/v1/namespaces");
    store
        .create(
            ns,
            None,
            json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "shop" } }),
            now,
        )
        .unwrap();
    let quota = json!({
        "apiVersion": "v1", "kind": "ResourceQuota", "metadata": { "name": "plan" },
        "spec": { "hard": { "limits.cpu": cpu, "requests.storage": "10Gi", "pods": "10" } },
    });
    store
        .create(
            kind("/api/v1/namespaces/shop/resourcequotas"),
            Some("shop"),
            quota,
            now,
        )
        .unwrap();
    let limits = json!({
        "apiVersion": "v1", "kind": "LimitRange", "metadata": { "name": "defaults" },
        "spec": { "limits": [{ "type": "Container", "default": { "cpu": "500m", "memory": "256Mi" }, "defaultRequest": { "cpu": "50m", "memory": "64Mi" } }] },
    });
    store
        .create(
            kind("/api/v1/namespaces/shop/limitranges"),
            Some("shop"),
            limits,
            now,
        )
        .unwrap();
    (store, now)
}

fn workload(kind: &str, name: &str, image: &str, cpu_limit: Option<&str>, replicas: i64) -> Value {
    let mut container = json!({ "name": name, "image": image });
    if let Some(cpu) = cpu_limit {
        container["resources"] = json!({ "limits": { "cpu": cpu } });
    }
    json!({
        "apiVersion": "apps/v1", "kind": kind, "metadata": { "name": name },
        "spec": {
            "replicas": replicas,
            "selector": { "matchLabels": { "app": name } },
            "template": { "metadata": { "labels": { "app": name } }, "spec": { "containers": [container] } },
        },
    })
}

fn apply(store: &mut Store, plural: &str, object: Value, now: Instant) -> Value {
    let name = object["metadata"]["name"].as_str().unwrap().to_owned();
    let resource = kind(&format!("/apis/apps/v1/namespaces/shop/{plural}"));
    store
        .apply(resource, Some("shop"), &name, object, now)
        .unwrap()
        .0
}

fn list(store: &mut Store, resource: &'static Resource, now: Instant) -> Vec<Value> {
    let all = store.list(
        resource,
        Some("shop"),
        &Selector::default(),
        &Selector::default(),
        now,
    );
    all["items"].as_array().unwrap().clone()
}

fn warnings(store: &mut Store, now: Instant) -> Vec<(String, String, String)> {
    list(store, events(), now)
        .iter()
        .filter(|e| e["type"] == "Warning")
        .map(|e| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (
                text(&e["involvedObject"]["name"]),
                text(&e["reason"]),
                text(&e["message"]),
            )
        })
        .collect()
}

#[test]
fn pods_past_the_quota_are_refused_with_the_api_servers_words() {
    let (mut store, now) = shop("1", &[]);
    apply(
        &mut store,
        "statefulsets",
        workload("StatefulSet", "database", "postgres:16", Some("1"), 1),
        now,
    );
    apply(
        &mut store,
        "deployments",
        workload("Deployment", "web", "nginx:1", None, 1),
        now,
    );

    let pods = list(&mut store, pods(), now);
    assert_eq!(pods.len(), 1, "only the database fits");
    assert_eq!(pods[0]["metadata"]["name"], "database-0");

    let set = &list(&mut store, replica_sets(), now)[0];
    let set_name = set["metadata"]["name"].as_str().unwrap().to_owned();
    assert!(set_name.starts_with("web-"));
    let refusals = warnings(&mut store, now);
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    let (about, reason, message) = &refusals[0];
    assert_eq!(
        (about.as_str(), reason.as_str()),
        (set_name.as_str(), "FailedCreate")
    );
    let prefix = format!("Error creating: pods \"{set_name}-");
    let suffix = "\" is forbidden: exceeded quota: plan, requested: limits.cpu=500m, used: limits.cpu=1, limited: limits.cpu=1";
    assert!(
        message.starts_with(&prefix) && message.ends_with(suffix),
        "{message}"
    );

    let deployments = kind("/apis/apps/v1/namespaces/shop/deployments");
    let web = store
        .get(deployments, Some("shop"), "web", now + DELAY * 3)
        .unwrap();
    assert_eq!(web["status"]["readyReplicas"], Value::Null);
    let failure = web["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ReplicaFailure")
        .cloned()
        .unwrap();
    assert!(failure["message"].as_str().unwrap().ends_with(suffix));

    let quota = store
        .get(
            kind("/api/v1/namespaces/shop/resourcequotas"),
            Some("shop"),
            "plan",
            now,
        )
        .unwrap();
    assert_eq!(
        quota["status"]["used"],
        json!({ "limits.cpu": "1", "pods": "1", "requests.storage": "0" })
    );
    assert_eq!(quota["status"]["hard"]["limits.cpu"], "1");
}

#[test]
fn a_statefulset_says_which_pod_it_could_not_create() {
    let (mut store, now) = shop("500m", &[]);
    let set = apply(
        &mut store,
        "statefulsets",
        workload("StatefulSet", "database", "postgres:16", Some("1"), 1),
        now,
    );
    assert_eq!(set["status"]["replicas"], 0);
    let refusals = warnings(&mut store, now);
    assert_eq!(
        refusals,
        [(
            "database".to_owned(),
            "FailedCreate".to_owned(),
            "create Pod database-0 in StatefulSet database failed error: pods \"database-0\" is forbidden: exceeded quota: plan, requested: limits.cpu=1, used: limits.cpu=0, limited: limits.cpu=500m".to_owned()
        )]
    );
    // Retries are counted on the same event, not new ones.
    let later = now + Duration::from_secs(5);
    store
        .get(
            kind("/apis/apps/v1/namespaces/shop/statefulsets"),
            Some("shop"),
            "database",
            later,
        )
        .unwrap();
    let events = list(&mut store, events(), later);
    let failed: Vec<_> = events
        .iter()
        .filter(|e| e["reason"] == "FailedCreate")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["count"], 2);
}

#[test]
fn limit_range_defaults_are_written_into_the_pod() {
    let (mut store, now) = shop("4", &[]);
    apply(
        &mut store,
        "deployments",
        workload("Deployment", "web", "nginx:1", None, 2),
        now,
    );
    let pods = list(&mut store, pods(), now);
    assert_eq!(pods.len(), 2);
    let resources = &pods[0]["spec"]["containers"][0]["resources"];
    assert_eq!(
        resources["limits"],
        json!({ "cpu": "500m", "memory": "256Mi" })
    );
    assert_eq!(
        resources["requests"],
        json!({ "cpu": "50m", "memory": "64Mi" })
    );
    assert_eq!(pods[0]["status"]["phase"], "Pending");
    let later = list(&mut store, self::pods(), now + DELAY);
    assert_eq!(later[0]["status"]["phase"], "Running");
    assert_eq!(later[0]["status"]["containerStatuses"][0]["ready"], true);
}

#[test]
fn a_failing_image_leaves_its_pod_pulling_and_says_so() {
    let (mut store, now) = shop("4", &["broken"]);
    apply(
        &mut store,
        "deployments",
        workload("Deployment", "web", "registry.example/broken:1", None, 1),
        now,
    );
    let later = now + DELAY * 10;
    let pods = list(&mut store, pods(), later);
    assert_eq!(pods[0]["status"]["phase"], "Pending");
    assert_eq!(
        pods[0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "ImagePullBackOff"
    );
    let messages: Vec<String> = warnings(&mut store, later)
        .into_iter()
        .map(|w| w.2)
        .collect();
    assert!(
        messages.iter().any(|m| m
            .starts_with("Failed to pull image \"registry.example/broken:1\"")
            && m.ends_with("not found")),
        "{messages:?}"
    );
    assert!(messages.contains(&"Error: ImagePullBackOff".to_owned()));
    let web = store
        .get(
            kind("/apis/apps/v1/namespaces/shop/deployments"),
            Some("shop"),
            "web",
            later,
        )
        .unwrap();
    assert_eq!(web["status"]["unavailableReplicas"], 1);
}

#[test]
fn scaling_down_and_deleting_remove_the_pods() {
    let (mut store, now) = shop("4", &[]);
    apply(
        &mut store,
        "deployments",
        workload("Deployment", "web", "nginx:1", None, 2),
        now,
    );
    apply(
        &mut store,
        "statefulsets",
        workload("StatefulSet", "database", "postgres:16", None, 1),
        now,
    );
    assert_eq!(list(&mut store, pods(), now).len(), 3);
    apply(
        &mut store,
        "deployments",
        workload("Deployment", "web", "nginx:1", None, 0),
        now + DELAY,
    );
    assert_eq!(list(&mut store, pods(), now + DELAY).len(), 1);
    let statefulsets = kind("/apis/apps/v1/namespaces/shop/statefulsets");
    store
        .delete(statefulsets, Some("shop"), "database", now + DELAY)
        .unwrap();
    assert!(list(&mut store, pods(), now + DELAY).is_empty());
    let deployments = kind("/apis/apps/v1/namespaces/shop/deployments");
    store
        .delete(deployments, Some("shop"), "web", now + DELAY)
        .unwrap();
    assert!(list(&mut store, replica_sets(), now + DELAY).is_empty());
}

#[test]
fn claims_past_the_storage_quota_are_refused() {
    let (mut store, now) = shop("4", &[]);
    let claims = kind("/api/v1/namespaces/shop/persistentvolumeclaims");
    let claim = |name: &str, size: &str| {
        json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": { "name": name },
            "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": size } } },
        })
    };
    store
        .apply(
            claims,
            Some("shop"),
            "database",
            claim("database", "5Gi"),
            now,
        )
        .unwrap();
    let refused = store
        .apply(claims, Some("shop"), "files", claim("files", "10Gi"), now)
        .unwrap_err();
    assert_eq!(refused.reason(), "Forbidden");
    assert_eq!(
        refused.to_string(),
        "persistentvolumeclaims \"files\" is forbidden: exceeded quota: plan, requested: requests.storage=10Gi, used: requests.storage=5Gi, limited: requests.storage=10Gi"
    );
}
