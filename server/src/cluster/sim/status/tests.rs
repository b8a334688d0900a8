use std::time::Duration;

use serde_json::{json, Value};

use super::*;

const DELAY: Duration = Duration::from_millis(200);

fn options() -> SimOptions {
    SimOptions {
        ready_delay: DELAY,
        failing_images: vec!["broken".to_owned()],
        load_balancer_address: "203.0.113.7".to_owned(),
        ..SimOptions::default()
    }
}

fn deployment(generation: i64, replicas: i64, image: &str) -> Value {
    json!({
        "metadata": { "name": "web", "generation": generation },
        "spec": {
            "replicas": replicas,
            "template": { "spec": { "containers": [{ "name": "app", "image": image }] } },
        },
    })
}

fn at(since_creation: Duration, since_generation: Duration) -> Age {
    Age {
        since_creation,
        since_generation,
    }
}

fn ready(status: &Value) -> i64 {
    status["readyReplicas"].as_i64().unwrap_or(0)
}

fn condition<'a>(status: &'a Value, kind: &str) -> &'a Value {
    status["conditions"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["type"] == kind))
        .expect("condition present")
}

#[test]
fn a_deployment_is_ready_after_the_delay() {
    let object = deployment(1, 3, "shop:1");
    let early = workload("Deployment", &object, DELAY / 2, &options());
    assert_eq!(ready(&early), 0);
    assert_eq!(early["replicas"], 3);
    assert_eq!(early["unavailableReplicas"], 3);
    assert_eq!(condition(&early, "Available")["status"], "False");

    let later = workload("Deployment", &object, DELAY, &options());
    assert_eq!(ready(&later), 3);
    assert_eq!(later["availableReplicas"], 3);
    assert_eq!(later["updatedReplicas"], 3);
    assert_eq!(later["observedGeneration"], 1);
    assert_eq!(later.get("unavailableReplicas"), None);
    assert_eq!(condition(&later, "Available")["status"], "True");
}

#[test]
fn a_statefulset_follows_the_same_rule() {
    let mut object = deployment(4, 1, "postgres:17");
    object["spec"].as_object_mut().unwrap().remove("replicas");
    let status = workload("StatefulSet", &object, DELAY * 2, &options());
    assert_eq!(ready(&status), 1);
    assert_eq!(status["currentReplicas"], 1);
    assert_eq!(status["observedGeneration"], 4);
}

#[test]
fn a_failing_image_never_becomes_ready() {
    let object = deployment(1, 2, "registry.example/broken:1");
    for elapsed in [Duration::ZERO, DELAY, DELAY * 100] {
        let status = workload("Deployment", &object, elapsed, &options());
        assert_eq!(ready(&status), 0, "after {elapsed:?}");
        let available = condition(&status, "Available");
        assert_eq!(available["reason"], "ImagePullBackOff");
        assert!(available["message"]
            .as_str()
            .unwrap()
            .contains("registry.example/broken:1"));
    }
    let late = workload("Deployment", &object, DELAY, &options());
    assert_eq!(
        condition(&late, "Progressing")["reason"],
        "ProgressDeadlineExceeded"
    );
}

#[test]
fn a_failing_init_container_also_blocks_readiness() {
    let mut object = deployment(1, 1, "shop:1");
    object["spec"]["template"]["spec"]["initContainers"] =
        json!([{ "name": "migrate", "image": "broken-migrations:2" }]);
    let status = workload("Deployment", &object, DELAY * 10, &options());
    assert_eq!(ready(&status), 0);
}

#[test]
fn a_generation_change_resets_readiness() {
    // The store resets `since_generation` when the spec changes; creation was long ago.
    let changed = deployment(2, 2, "shop:2");
    let fresh = status(
        "Deployment",
        &changed,
        at(DELAY * 50, DELAY / 4),
        &options(),
    )
    .unwrap();
    assert_eq!(ready(&fresh), 0);
    assert_eq!(fresh["observedGeneration"], 2);
    let settled = status("Deployment", &changed, at(DELAY * 51, DELAY), &options()).unwrap();
    assert_eq!(ready(&settled), 2);
}

#[test]
fn a_claim_is_bound_after_the_delay() {
    let object = json!({
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": { "requests": { "storage": "5Gi" } },
        },
    });
    assert_eq!(
        claim(&object, DELAY / 2, &options()),
        json!({ "phase": "Pending" })
    );
    assert_eq!(
        claim(&object, DELAY, &options()),
        json!({
            "phase": "Bound",
            "accessModes": ["ReadWriteOnce"],
            "capacity": { "storage": "5Gi" },
        })
    );
}

#[test]
fn load_balancers_get_the_configured_address_after_the_delay() {
    let lb = json!({ "spec": { "type": "LoadBalancer" } });
    let cluster_ip = json!({ "spec": { "type": "ClusterIP" } });
    let address = json!({ "loadBalancer": { "ingress": [{ "ip": "203.0.113.7" }] } });
    assert_eq!(
        service(&lb, DELAY / 2, &options()),
        json!({ "loadBalancer": {} })
    );
    assert_eq!(service(&lb, DELAY, &options()), address);
    assert_eq!(
        service(&cluster_ip, DELAY * 9, &options()),
        json!({ "loadBalancer": {} })
    );
    let ingress = status("Ingress", &json!({}), at(DELAY, DELAY), &options());
    assert_eq!(ingress, Some(address));

    let named = SimOptions {
        load_balancer_address: "lb.example.test".to_owned(),
        ..options()
    };
    assert_eq!(
        load_balancer(DELAY, &named),
        json!({ "ingress": [{ "hostname": "lb.example.test" }] })
    );
}

#[test]
fn namespaces_are_active_until_deleted() {
    let active = json!({ "metadata": { "name": "store-a" } });
    assert_eq!(namespace(&active), json!({ "phase": "Active" }));
    let deleting = json!({ "metadata": { "deletionTimestamp": "2026-01-01T00:00:00Z" } });
    assert_eq!(namespace(&deleting), json!({ "phase": "Terminating" }));
    assert_eq!(
        status("ConfigMap", &active, at(DELAY, DELAY), &options()),
        None
    );
}
