//! The API server's rules for Jobs: the defaults it fills in and what it refuses, and the
//! small JSON helpers the Job controller's writes use. Pure.

use serde_json::{json, Value};

use crate::cluster::sim::api_error::{ApiError, Result};
use crate::cluster::sim::resources::Resource;

/// The API server's defaults for a new Job: the selector and labels tying it to its pods.
pub fn default_job(job: &mut Value) {
    let uid = job["metadata"]["uid"].clone();
    let name = job["metadata"]["name"].clone();
    let spec = &mut job["spec"];
    for (field, value) in [
        ("backoffLimit", json!(6)),
        ("completions", json!(1)),
        ("parallelism", json!(1)),
        ("completionMode", json!("NonIndexed")),
        ("suspend", json!(false)),
    ] {
        if spec.get(field).is_none_or(Value::is_null) {
            spec[field] = value;
        }
    }
    if spec["selector"].is_null() {
        spec["selector"] = json!({ "matchLabels": { "batch.kubernetes.io/controller-uid": uid } });
    }
    let labels = &mut spec["template"]["metadata"]["labels"];
    if !labels.is_object() {
        *labels = json!({});
    }
    for (label, value) in [
        ("batch.kubernetes.io/controller-uid", &uid),
        ("batch.kubernetes.io/job-name", &name),
        ("controller-uid", &uid),
        ("job-name", &name),
    ] {
        labels[label] = value.clone();
    }
}

/// A Job's pod must not restart forever: `Never` or `OnFailure`, as the API server checks.
pub fn check_job(resource: &Resource, name: &str, job: &Value) -> Result<()> {
    match job["spec"]["template"]["spec"]["restartPolicy"].as_str() {
        Some("Never" | "OnFailure") => Ok(()),
        _ => Err(ApiError::invalid(
            resource,
            name,
            "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"",
        )),
    }
}

/// When a container of a pod's `status` started running, if it did.
pub fn find_started(status: &Value, container: &str) -> Value {
    ["initContainerStatuses", "containerStatuses"]
        .iter()
        .filter_map(|list| status[list].as_array())
        .flatten()
        .find(|entry| entry["name"] == container)
        .map(|entry| entry["state"]["running"]["startedAt"].clone())
        .unwrap_or_default()
}

/// JSON merge patch (RFC 7386) of `patch` into `target`.
pub fn merge_into(target: &mut Value, patch: Value) {
    let Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    for (key, value) in patch {
        if value.is_null() {
            if let Some(map) = target.as_object_mut() {
                map.remove(&key);
            }
        } else {
            merge_into(&mut target[&key], value);
        }
    }
}
