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

fn census(pods: i64, ready: i64, updated: i64, updated_ready: i64) -> Census {
    Census {
        pods,
        ready,
        updated,
        updated_ready,
        ..Census::default()
    }
}

#[test]
fn a_deployment_reports_what_its_pods_do() {
    let object = deployment(1, 3, "shop:1");
    let starting = super::deployment(&object, &census(3, 0, 3, 0), DELAY);
    assert_eq!(ready(&starting), 0);
    assert_eq!(starting["replicas"], 3);
    assert_eq!(starting["unavailableReplicas"], 3);
    assert_eq!(condition(&starting, "Available")["status"], "False");
    assert_eq!(
        condition(&starting, "Progressing")["reason"],
        "ReplicaSetUpdated"
    );

    let running = super::deployment(&object, &census(3, 3, 3, 3), DELAY);
    assert_eq!(ready(&running), 3);
    assert_eq!(running["availableReplicas"], 3);
    assert_eq!(running["updatedReplicas"], 3);
    assert_eq!(running["observedGeneration"], 1);
    assert_eq!(running.get("unavailableReplicas"), None);
    assert_eq!(condition(&running, "Available")["status"], "True");
    assert_eq!(
        condition(&running, "Progressing")["reason"],
        "NewReplicaSetAvailable"
    );
}

#[test]
fn a_deployment_that_cannot_make_pods_says_why_and_times_out() {
    let object = deployment(1, 1, "shop:1");
    let refused = Census {
        failure: Some("Error creating: pods \"web-x\" is forbidden: exceeded quota".to_owned()),
        ..Census::default()
    };
    let status = super::deployment(&object, &refused, Duration::from_secs(601));
    let failure = condition(&status, "ReplicaFailure");
    assert_eq!(failure["reason"], "FailedCreate");
    assert!(failure["message"]
        .as_str()
        .unwrap()
        .contains("exceeded quota"));
    assert_eq!(
        condition(&status, "Progressing")["reason"],
        "ProgressDeadlineExceeded"
    );
}

#[test]
fn a_statefulset_reports_its_revisions() {
    let object = deployment(4, 1, "postgres:17");
    let rolling = Census {
        pods: 1,
        ready: 1,
        update_revision: "db-new".to_owned(),
        current_revision: Some("db-old".to_owned()),
        ..Census::default()
    };
    let status = stateful_set(&object, &rolling);
    assert_eq!(status["currentRevision"], "db-old");
    assert_eq!(status["updateRevision"], "db-new");
    assert_eq!(status["currentReplicas"], 1);
    assert_eq!(status.get("updatedReplicas"), None);
    let done = Census {
        updated: 1,
        updated_ready: 1,
        current_revision: None,
        ..rolling
    };
    let status = stateful_set(&object, &done);
    assert_eq!(status["currentRevision"], "db-new");
    assert_eq!(status["currentReplicas"], 1);
    assert_eq!(status["readyReplicas"], 1);
    assert_eq!(status["observedGeneration"], 4);
}

#[test]
fn a_pod_starts_after_the_delay_unless_its_image_fails() {
    use crate::cluster::sim::pods::{self, PodState};
    let spec = json!({ "containers": [{ "name": "app", "image": "shop:1" }] });
    assert_eq!(
        pods::state(&json!({ "spec": spec }), DELAY / 2, &options()),
        PodState::Starting
    );
    assert_eq!(
        pods::state(&json!({ "spec": spec }), DELAY, &options()),
        PodState::Ready
    );
    let pod = json!({ "metadata": { "creationTimestamp": "2026-01-01T00:00:00Z" }, "spec": spec });
    let running = pods::status(&pod, &PodState::Ready);
    assert_eq!(running["phase"], "Running");
    assert_eq!(running["containerStatuses"][0]["ready"], true);

    let broken = json!({
        "initContainers": [{ "name": "migrate", "image": "registry.example/broken:2" }],
        "containers": [{ "name": "app", "image": "shop:1" }],
    });
    let state = pods::state(&json!({ "spec": broken }), DELAY * 100, &options());
    assert_eq!(
        state,
        PodState::ImagePullBackOff {
            container: "migrate".to_owned(),
            image: "registry.example/broken:2".to_owned(),
        }
    );
    let failing = pods::status(&json!({ "spec": broken }), &state);
    assert_eq!(failing["phase"], "Pending");
    assert_eq!(failing["containerStatuses"][0]["ready"], false);
    let events = pods::pull_failure_events("registry.example/broken:2");
    assert!(events[1]
        .2
        .ends_with("registry.example/broken:2: not found"));
    assert_eq!(events[3].2, "Error: ImagePullBackOff");
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
    let ingress = super::status("Ingress", &json!({}), at(DELAY, DELAY), &options());
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
