//! The simulated controllers: the `status` a real cluster's controllers would report for an
//! object, computed from the stored object and how long ago it changed. Pure, unit-tested.

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

/// The `status` to report for `object` of `kind`, or `None` for kinds without one.
pub fn status(kind: &str, object: &Value, age: Age, options: &SimOptions) -> Option<Value> {
    match kind {
        "Namespace" => Some(namespace(object)),
        "Deployment" | "StatefulSet" => Some(workload(kind, object, age.since_generation, options)),
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

/// A Deployment's or StatefulSet's replica counts and conditions: all replicas ready
/// `ready_delay` after the last spec change, never if a container's image is failing.
pub fn workload(
    kind: &str,
    object: &Value,
    since_generation: Duration,
    options: &SimOptions,
) -> Value {
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(1);
    let desired = object["spec"]["replicas"].as_i64().unwrap_or(1);
    let failing = (desired > 0)
        .then(|| failing_container(object, &options.failing_images))
        .flatten();
    let settled = since_generation >= options.ready_delay;
    let ready = if settled && failing.is_none() {
        desired
    } else {
        0
    };

    let mut status = Map::new();
    status.insert("observedGeneration".into(), json!(generation));
    let counts: &[&str] = match kind {
        "Deployment" => &["replicas", "updatedReplicas"],
        _ => &["replicas", "updatedReplicas", "currentReplicas"],
    };
    for field in counts {
        put_count(&mut status, field, desired);
    }
    put_count(&mut status, "readyReplicas", ready);
    put_count(&mut status, "availableReplicas", ready);
    if kind == "Deployment" {
        put_count(&mut status, "unavailableReplicas", desired - ready);
    }

    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let available = match &failing {
        Some((container, image)) => condition(
            "Available",
            false,
            "ImagePullBackOff",
            &format!("Back-off pulling image {image:?} for container {container:?}: the image cannot be pulled"),
        ),
        None if ready == desired => condition(
            "Available",
            true,
            "MinimumReplicasAvailable",
            &format!("{kind} has minimum availability."),
        ),
        None => condition(
            "Available",
            false,
            "MinimumReplicasUnavailable",
            &format!("{kind} does not have minimum availability."),
        ),
    };
    let progressing = match (&failing, settled) {
        (Some(_), true) => condition(
            "Progressing",
            false,
            "ProgressDeadlineExceeded",
            &format!("{kind} {name:?} has exceeded its progress deadline."),
        ),
        (None, true) => condition(
            "Progressing",
            true,
            "NewReplicaSetAvailable",
            &format!("{kind} {name:?} has successfully progressed."),
        ),
        (_, false) => condition(
            "Progressing",
            true,
            "ReplicaSetUpdated",
            &format!("{kind} {name:?} is progressing."),
        ),
    };
    status.insert("conditions".into(), json!([available, progressing]));
    Value::Object(status)
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

/// The first container (or init container) whose image contains a failing substring.
fn failing_container(object: &Value, failing_images: &[String]) -> Option<(String, String)> {
    let pod = &object["spec"]["template"]["spec"];
    ["initContainers", "containers"]
        .iter()
        .filter_map(|list| pod[list].as_array())
        .flatten()
        .find_map(|container| {
            let image = container["image"].as_str()?;
            failing_images
                .iter()
                .any(|failing| !failing.is_empty() && image.contains(failing.as_str()))
                .then(|| {
                    let name = container["name"].as_str().unwrap_or_default();
                    (name.to_owned(), image.to_owned())
                })
        })
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
