//! Pods as controllers make them: through admission, with an Event saying why when refused
//! (and a pause before the next try), and the kubelet's events when its image fails.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::events::Report;
use super::{Key, Store};
use crate::cluster::sim::api_error::ApiError;
use crate::cluster::sim::pods::{self, PodState};
use crate::cluster::sim::resources::pods as pod_kind;

/// How long a controller waits before trying again to create a pod it could not.
const RETRY: Duration = Duration::from_secs(1);

impl Store {
    /// Creates a pod of `owner` through admission; records why not, and waits a while
    /// before trying again, when it is refused. Whether the pod was made.
    pub(super) fn make_pod(
        &mut self,
        owner: &Value,
        pod_name: &str,
        labels: Value,
        now: Instant,
        source: &'static str,
        explain: impl FnOnce(&ApiError) -> String,
    ) -> bool {
        let namespace = owner["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let owner_name = owner["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let retry_key = (namespace.clone(), owner_name.clone());
        if self.retry_at.get(&retry_key).is_some_and(|at| now < *at) {
            return false;
        }
        let template = &owner["spec"]["template"];
        let mut pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": pod_name,
                "namespace": namespace,
                "labels": labels,
                "ownerReferences": [{
                    "apiVersion": owner["apiVersion"],
                    "kind": owner["kind"],
                    "name": owner_name,
                    "uid": owner["metadata"]["uid"],
                    "controller": true,
                    "blockOwnerDeletion": true,
                }],
            },
            "spec": template["spec"].clone(),
        });
        if let Some(annotations) = template["metadata"].get("annotations") {
            pod["metadata"]["annotations"] = annotations.clone();
        }
        pod["spec"]["nodeName"] = json!("simulated-node");
        self.schedule_start(owner, &mut pod, now);
        match self.admit_pod(&namespace, pod_name, &mut pod) {
            Ok(()) => {
                self.retry_at.remove(&retry_key);
                self.failures.remove(&retry_key);
                let key = Key::new(pod_kind(), Some(&namespace), pod_name);
                let stored = self.insert_new(pod_kind(), key, pod, now);
                let message = match source {
                    "statefulset-controller" => {
                        format!("create Pod {pod_name} in StatefulSet {owner_name} successful")
                    }
                    _ => format!("Created pod: {pod_name}"),
                };
                self.record(
                    report(owner, "Normal", "SuccessfulCreate", message, source),
                    now,
                );
                self.kubelet_events(&stored, now);
                true
            }
            Err(error) => {
                let message = explain(&error);
                self.failures.insert(retry_key.clone(), message.clone());
                self.retry_at.insert(retry_key, now + RETRY);
                let mut event = report(owner, "Warning", "FailedCreate", message, source);
                event.aggregate = true;
                self.record(event, now);
                false
            }
        }
    }

    /// What the kubelet reports about a new pod it cannot start.
    fn kubelet_events(&mut self, pod: &Value, now: Instant) {
        if let PodState::ImagePullBackOff { image, .. } =
            pods::state(pod, Duration::ZERO, &self.options)
        {
            for (type_, reason, message) in pods::pull_failure_events(&image) {
                self.record(report(pod, type_, reason, message, "kubelet"), now);
            }
        }
    }

    pub(super) fn remove_pod(&mut self, namespace: &str, pod: &str) {
        self.objects
            .remove(&Key::new(pod_kind(), Some(namespace), pod));
        self.next_revision();
    }
}

fn report<'a>(
    about: &'a Value,
    type_: &'a str,
    reason: &'a str,
    message: String,
    source: &'a str,
) -> Report<'a> {
    Report {
        about,
        type_,
        reason,
        message,
        source,
        aggregate: false,
    }
}
