use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::*;
use crate::cluster::sim::resources::parse_path;

const DELAY: Duration = Duration::from_secs(1);

fn store() -> Store {
    Store::new(SimOptions {
        ready_delay: DELAY,
        namespace_delete_delay: DELAY,
        ..SimOptions::default()
    })
}

fn kind(path: &str) -> &'static Resource {
    parse_path(path).expect("served path").resource
}

fn namespace(name: &str) -> Value {
    json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": name } })
}

fn config_map(name: &str, value: &str) -> Value {
    json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": name }, "data": { "k": value } })
}

fn version(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn apply_creates_then_updates_only_on_change() {
    let (mut store, now) = (store(), Instant::now());
    let cm = kind("/api/v1/configmaps");
    store
        .apply(namespaces(), None, "shop", namespace("shop"), now)
        .unwrap();
    let (first, created) = store
        .apply(cm, Some("shop"), "a", config_map("a", "1"), now)
        .unwrap();
    assert!(created);
    assert_eq!(first["metadata"]["generation"], 1);

    let (same, created) = store
        .apply(cm, Some("shop"), "a", config_map("a", "1"), now)
        .unwrap();
    assert!(!created);
    assert_eq!(version(&same), version(&first));

    let (changed, _) = store
        .apply(cm, Some("shop"), "a", config_map("a", "2"), now)
        .unwrap();
    assert!(version(&changed) > version(&first));
    assert_eq!(changed["metadata"]["generation"], 2);
    assert_eq!(changed["metadata"]["uid"], first["metadata"]["uid"]);
    assert_eq!(changed["data"]["k"], "2");
}

#[test]
fn a_spec_change_restarts_the_rollout() {
    let (mut store, start) = (store(), Instant::now());
    let deployments = kind("/apis/apps/v1/deployments");
    let deployment = |image: &str| {
        json!({ "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "web" },
            "spec": { "replicas": 2, "template": { "spec": { "containers": [{ "name": "app", "image": image }] } } } })
    };
    store
        .apply(namespaces(), None, "shop", namespace("shop"), start)
        .unwrap();
    store
        .apply(
            deployments,
            Some("shop"),
            "web",
            deployment("shop:1"),
            start,
        )
        .unwrap();
    let settled = store
        .get(deployments, Some("shop"), "web", start + DELAY)
        .unwrap();
    assert_eq!(settled["status"]["readyReplicas"], 2);

    let later = start + DELAY * 5;
    let (rolled, _) = store
        .apply(
            deployments,
            Some("shop"),
            "web",
            deployment("shop:2"),
            later,
        )
        .unwrap();
    // The old pods serve while one new pod (the surge) starts.
    assert_eq!(rolled["status"]["observedGeneration"], 2);
    assert_eq!(rolled["status"]["updatedReplicas"], 1);
    assert_eq!(rolled["status"]["replicas"], 3);
    assert_eq!(rolled["status"]["readyReplicas"], 2);
    let halfway = store
        .get(deployments, Some("shop"), "web", later + DELAY)
        .unwrap();
    // One old pod gave way to a second new one; never more than one pod above the two.
    assert_eq!(halfway["status"]["updatedReplicas"], 2);
    assert_eq!(halfway["status"]["replicas"], 3);
    let settled = store
        .get(deployments, Some("shop"), "web", later + DELAY * 2)
        .unwrap();
    assert_eq!(settled["status"]["readyReplicas"], 2);
    assert_eq!(settled["status"]["replicas"], 2);
}

#[test]
fn a_deleted_namespace_terminates_then_takes_its_objects_along() {
    let (mut store, start) = (store(), Instant::now());
    let cm = kind("/api/v1/configmaps");
    for name in ["doomed", "kept"] {
        store
            .create(namespaces(), None, namespace(name), start)
            .unwrap();
        store
            .create(cm, Some(name), config_map("a", "1"), start)
            .unwrap();
    }
    let deleted = store.delete(namespaces(), None, "doomed", start).unwrap();
    assert_eq!(deleted["status"]["phase"], "Terminating");
    assert!(deleted["metadata"]["deletionTimestamp"].is_string());
    let refused = store.create(cm, Some("doomed"), config_map("b", "1"), start);
    assert_eq!(refused.unwrap_err().reason(), "Forbidden");

    let later = start + DELAY;
    assert_eq!(
        store
            .get(namespaces(), None, "doomed", later)
            .unwrap_err()
            .reason(),
        "NotFound"
    );
    assert_eq!(
        store
            .get(cm, Some("doomed"), "a", later)
            .unwrap_err()
            .reason(),
        "NotFound"
    );
    assert!(store.get(cm, Some("kept"), "a", later).is_ok());
    let everywhere = store.list(cm, None, &Selector::default(), &Selector::default(), later);
    assert_eq!(everywhere["items"].as_array().unwrap().len(), 1);
}

#[test]
fn objects_need_an_existing_namespace_and_a_free_name() {
    let (mut store, now) = (store(), Instant::now());
    let cm = kind("/api/v1/configmaps");
    let missing = store
        .create(cm, Some("nowhere"), config_map("a", "1"), now)
        .unwrap_err();
    assert_eq!(missing.to_string(), "namespaces \"nowhere\" not found");
    store
        .create(namespaces(), None, namespace("shop"), now)
        .unwrap();
    store
        .create(cm, Some("shop"), config_map("a", "1"), now)
        .unwrap();
    let taken = store
        .create(cm, Some("shop"), config_map("a", "1"), now)
        .unwrap_err();
    assert_eq!(taken.reason(), "AlreadyExists");
    let deleted = store.delete(cm, Some("shop"), "a", now).unwrap();
    assert_eq!(deleted["status"], "Success");
    assert_eq!(
        store
            .delete(cm, Some("shop"), "a", now)
            .unwrap_err()
            .reason(),
        "NotFound"
    );
}

#[test]
fn namespaces_are_labelled_with_their_name() {
    let (mut store, now) = (store(), Instant::now());
    let created = store
        .create(namespaces(), None, namespace("shop"), now)
        .unwrap();
    assert_eq!(created["metadata"]["labels"][NAMESPACE_NAME_LABEL], "shop");
    assert_eq!(created["status"]["phase"], "Active");
}
