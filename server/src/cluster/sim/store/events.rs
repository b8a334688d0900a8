//! Events, as controllers and the kubelet record them: one `core/v1` Event per object, reason
//! and message, its `count` and `lastTimestamp` bumped when it happens again.

use std::time::Instant;

use serde_json::{json, Value};

use super::{timestamp, Key, Store};
use crate::cluster::sim::resources::events;

/// Who an event is about, and who reports it.
pub struct Report<'a> {
    /// The object it is about.
    pub about: &'a Value,
    /// `Normal` or `Warning`.
    pub type_: &'a str,
    /// A short machine-readable reason, e.g. `FailedCreate`.
    pub reason: &'a str,
    /// For people.
    pub message: String,
    /// The reporting component, e.g. `replicaset-controller`.
    pub source: &'a str,
    /// Whether repeats with another message count as the same event (as the API server's
    /// aggregator folds a controller's retries, whose messages name a new pod each time).
    pub aggregate: bool,
}

impl Store {
    /// Records an event in the namespace of the object it is about, or counts it again.
    pub(super) fn record(&mut self, report: Report<'_>, now: Instant) {
        let metadata = &report.about["metadata"];
        let namespace = metadata["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let uid = metadata["uid"].clone();
        let same = |event: &Value| {
            event["involvedObject"]["uid"] == uid
                && event["reason"] == report.reason
                && (report.aggregate || event["message"] == report.message.as_str())
        };
        let existing = self
            .scan(events().plural, &namespace)
            .find(|(_, entry)| same(&entry.object))
            .map(|(key, _)| key.clone());
        let revision = self.next_revision();
        if let Some(key) = existing {
            if let Some(entry) = self.objects.get_mut(&key) {
                let event = &mut entry.object;
                let count = event["count"].as_i64().unwrap_or(1);
                event["count"] = json!(count + 1);
                event["message"] = json!(report.message);
                event["lastTimestamp"] = timestamp();
                event["metadata"]["resourceVersion"] = json!(revision);
            }
            return;
        }
        let involved = metadata["name"].as_str().unwrap_or_default();
        let name = format!("{involved}.{:016x}", rand::random::<u64>());
        let event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": uuid::Uuid::new_v4().to_string(),
                "creationTimestamp": timestamp(),
                "resourceVersion": revision,
            },
            "involvedObject": {
                "apiVersion": report.about["apiVersion"],
                "kind": report.about["kind"],
                "namespace": namespace,
                "name": involved,
                "uid": uid,
            },
            "reason": report.reason,
            "message": report.message,
            "type": report.type_,
            "count": 1,
            "firstTimestamp": timestamp(),
            "lastTimestamp": timestamp(),
            "source": { "component": report.source },
            "reportingComponent": report.source,
            "reportingInstance": "",
        });
        let key = Key::new(events(), Some(&namespace), &name);
        self.objects.insert(
            key,
            super::Entry {
                object: event,
                created: now,
                generation_changed: now,
                managers: super::managers::Managers::new(),
            },
        );
    }
}
