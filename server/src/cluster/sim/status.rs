//! The simulated controllers' reports: the `status` a real cluster would show for an object,
//! computed from the stored object, how long ago it changed, and (for workloads) what its
//! pods do. Pure, unit-tested.

use std::net::IpAddr;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::SimOptions;

/// How long ago an object was created and last changed its spec (`metadata.generation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age {
    /// Since the object was created.
    pub since_creation: Duration,
    /// Since its generation last changed (creation counts).
    pub since_generation: Duration,
}

/// The `status` to report for `object` of `kind`, or `None` for kinds without one or whose
/// status depends on other objects (workloads, pods, quotas: see the store).
pub fn status(kind: &str, object: &Value, age: Age, options: &SimOptions) -> Option<Value> {
    match kind {
        "Namespace" => Some(namespace(object)),
        "PersistentVolumeClaim" => Some(claim(object, age.since_creation, options)),
        "Service" => Some(service(object, age.since_creation, options)),
        "Ingress" => Some(json!({ "loadBalancer": load_balancer(age.since_creation, options) })),
        _ => None,
    }
}

/// `Terminating` once deletion began, else `Active`.
pub fn namespace(object: &Value) -> Value {
    let deleting = !object["metadata"]["deletionTimestamp"].is_null();
    json!({ "phase": if deleting { "Terminating" } else { "Active" } })
}

/// What a workload's controller sees of its pods, counted by the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    /// Pods it owns (through its ReplicaSets, for a Deployment).
    pub pods: i64,
    /// Of those, the ready ones.
    pub ready: i64,
    /// Pods of the newest template (the new ReplicaSet, the update revision).
    pub updated: i64,
    /// Of those, the ready ones.
    pub updated_ready: i64,
    /// Why the controller could not create a pod, while it cannot.
    pub failure: Option<String>,
    /// A StatefulSet's revision of its newest template.
    pub update_revision: String,
    /// A StatefulSet's revision its older pods run, when not all are updated.
    pub current_revision: Option<String>,
}

/// A Deployment's replica counts and conditions, from its pods.
pub fn deployment(object: &Value, census: &Census, since_generation: Duration) -> Value {
    let desired = object["spec"]["replicas"].as_i64().unwrap_or(1);
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let mut status = observed(object);
    put_count(&mut status, "replicas", census.pods);
    put_count(&mut status, "updatedReplicas", census.updated);
    put_count(&mut status, "readyReplicas", census.ready);
    put_count(&mut status, "availableReplicas", census.ready);
    put_count(
        &mut status,
        "unavailableReplicas",
        (desired - census.ready).max(0),
    );
    let unavailable = super::rollout::resolve(
        &object["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
        desired,
        false,
        25,
    );
    let available = if census.ready >= desired - unavailable {
        condition(
            "Available",
            true,
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        condition(
            "Available",
            false,
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    let complete = census.updated_ready >= desired && census.pods == desired;
    let deadline = object["spec"]["progressDeadlineSeconds"]
        .as_u64()
        .unwrap_or(600);
    let progressing = if complete {
        condition(
            "Progressing",
            true,
            "NewReplicaSetAvailable",
            &format!("ReplicaSet {name:?} has successfully progressed."),
        )
    } else if since_generation >= Duration::from_secs(deadline) {
        condition(
            "Progressing",
            false,
            "ProgressDeadlineExceeded",
            &format!("ReplicaSet {name:?} has timed out progressing."),
        )
    } else {
        condition(
            "Progressing",
            true,
            "ReplicaSetUpdated",
            &format!("ReplicaSet {name:?} is progressing."),
        )
    };
    let mut conditions = vec![available, progressing];
    if let Some(failure) = &census.failure {
        conditions.push(condition("ReplicaFailure", true, "FailedCreate", failure));
    }
    status.insert("conditions".into(), json!(conditions));
    Value::Object(status)
}

/// A ReplicaSet's replica counts, and its failure to create pods if any.
pub fn replica_set(object: &Value, census: &Census) -> Value {
    let mut status = observed(object);
    status.insert("replicas".into(), json!(census.pods));
    put_count(&mut status, "fullyLabeledReplicas", census.pods);
    put_count(&mut status, "readyReplicas", census.ready);
    put_count(&mut status, "availableReplicas", census.ready);
    if let Some(failure) = &census.failure {
        status.insert(
            "conditions".into(),
            json!([condition("ReplicaFailure", true, "FailedCreate", failure)]),
        );
    }
    Value::Object(status)
}

/// A StatefulSet's replica counts and revisions, from its pods.
pub fn stateful_set(object: &Value, census: &Census) -> Value {
    let mut status = observed(object);
    status.insert("replicas".into(), json!(census.pods));
    put_count(&mut status, "readyReplicas", census.ready);
    put_count(&mut status, "availableReplicas", census.ready);
    put_count(&mut status, "updatedReplicas", census.updated);
    let current = census
        .current_revision
        .as_ref()
        .unwrap_or(&census.update_revision);
    let current_count = if census.current_revision.is_some() {
        census.pods - census.updated
    } else {
        census.updated
    };
    put_count(&mut status, "currentReplicas", current_count);
    status.insert("currentRevision".into(), json!(current));
    status.insert("updateRevision".into(), json!(census.update_revision));
    status.insert("collisionCount".into(), json!(0));
    Value::Object(status)
}

/// A ResourceQuota's `hard` and what the namespace uses of it now.
pub fn quota(object: &Value, used: &Value) -> Value {
    json!({ "hard": object["spec"]["hard"].clone(), "used": used })
}

fn observed(object: &Value) -> Map<String, Value> {
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(1);
    let mut status = Map::new();
    status.insert("observedGeneration".into(), json!(generation));
    status
}

/// `Pending`, then `Bound` with the requested capacity after `ready_delay`.
pub fn claim(object: &Value, since_creation: Duration, options: &SimOptions) -> Value {
    if since_creation < options.ready_delay {
        return json!({ "phase": "Pending" });
    }
    let spec = &object["spec"];
    let mut status = json!({ "phase": "Bound" });
    if !spec["accessModes"].is_null() {
        status["accessModes"] = spec["accessModes"].clone();
    }
    if let Some(storage) = spec["resources"]["requests"]["storage"].as_str() {
        status["capacity"] = json!({ "storage": storage });
    }
    status
}

/// A LoadBalancer Service gets the configured address after `ready_delay`; others none.
pub fn service(object: &Value, since_creation: Duration, options: &SimOptions) -> Value {
    if object["spec"]["type"].as_str() == Some("LoadBalancer") {
        json!({ "loadBalancer": load_balancer(since_creation, options) })
    } else {
        json!({ "loadBalancer": {} })
    }
}

/// `{ingress: [{ip}]}` (or `hostname` for a name) once `ready_delay` has passed, else `{}`.
pub fn load_balancer(since_creation: Duration, options: &SimOptions) -> Value {
    if since_creation < options.ready_delay {
        return json!({});
    }
    let address = &options.load_balancer_address;
    let field = if address.parse::<IpAddr>().is_ok() {
        "ip"
    } else {
        "hostname"
    };
    json!({ "ingress": [{ field: address }] })
}

/// Sets a replica count, leaving zero out as the API server does (`omitempty`).
fn put_count(status: &mut Map<String, Value>, field: &str, count: i64) {
    if count != 0 {
        status.insert(field.to_owned(), json!(count));
    }
}

fn condition(kind: &str, true_: bool, reason: &str, message: &str) -> Value {
    json!({
        "type": kind,
        "status": if true_ { "True" } else { "False" },
        "reason": reason,
        "message": message,
    })
}

#[cfg(test)]
mod tests;
