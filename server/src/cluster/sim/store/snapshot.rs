//! The simulated cluster's objects on disk, so that a restarted server finds the cluster it
//! left: each object with its `resourceVersion`, how old it is (status keeps counting from
//! there), and the namespaces still terminating. Controllers' retry bookkeeping is not kept:
//! it is rebuilt at the next look.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Entry, Key, Store};
use crate::cluster::sim::resources::RESOURCES;
use crate::cluster::sim::SimOptions;

/// What is written to disk.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// The last `resourceVersion` handed out.
    revision: u64,
    objects: Vec<SavedObject>,
    /// Terminating namespaces, with how long they have been.
    terminating: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedObject {
    plural: String,
    namespace: String,
    name: String,
    object: Value,
    /// Milliseconds since it was created.
    age_ms: u64,
    /// Milliseconds since its spec last changed.
    generation_age_ms: u64,
    /// Each field manager's last applied configuration.
    #[serde(default)]
    managers: super::managers::Managers,
}

fn age(now: Instant, then: Instant) -> u64 {
    u64::try_from(now.saturating_duration_since(then).as_millis()).unwrap_or(u64::MAX)
}

fn back(now: Instant, age_ms: u64) -> Instant {
    now.checked_sub(Duration::from_millis(age_ms))
        .unwrap_or(now)
}

impl Store {
    /// Every object and its age as of `now`.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        Snapshot {
            revision: self.revision,
            objects: self
                .objects
                .iter()
                .map(|(key, entry)| SavedObject {
                    plural: key.plural.to_owned(),
                    namespace: key.namespace.clone(),
                    name: key.name.clone(),
                    object: entry.object.clone(),
                    age_ms: age(now, entry.created),
                    generation_age_ms: age(now, entry.generation_changed),
                    managers: entry.managers.clone(),
                })
                .collect(),
            terminating: self
                .terminating
                .iter()
                .map(|(namespace, since)| (namespace.clone(), age(now, *since)))
                .collect(),
        }
    }

    /// The cluster a snapshot describes, behaving as `options` say. Objects of a kind this
    /// cluster no longer serves are dropped.
    pub fn restore(options: SimOptions, snapshot: Snapshot, now: Instant) -> Self {
        let mut store = Store::new(options);
        store.revision = snapshot.revision;
        for saved in snapshot.objects {
            let Some(resource) = RESOURCES.iter().find(|r| r.plural == saved.plural) else {
                continue;
            };
            let key = Key {
                plural: resource.plural,
                namespace: saved.namespace,
                name: saved.name,
            };
            let entry = Entry {
                object: saved.object,
                created: back(now, saved.age_ms),
                generation_changed: back(now, saved.generation_age_ms),
                managers: saved.managers,
            };
            store.objects.insert(key, entry);
        }
        store.terminating = snapshot
            .terminating
            .into_iter()
            .map(|(namespace, age_ms)| (namespace, back(now, age_ms)))
            .collect();
        store.lose_running_jobs();
        store.remember_cold_starts(now);
        store
    }

    /// The last `resourceVersion` handed out: changes whenever anything is written.
    pub fn revision(&self) -> u64 {
        self.revision
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cluster::sim::resources::namespaces;

    #[test]
    fn a_restored_cluster_has_the_objects_their_versions_and_their_age() {
        let start = Instant::now();
        let mut store = Store::new(SimOptions::default());
        let created = store
            .create(
                namespaces(),
                None,
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "store-acme"}}),
                start,
            )
            .unwrap();
        let later = start + Duration::from_secs(5);
        let text = serde_json::to_string(&store.snapshot(later)).unwrap();

        let now = Instant::now() + Duration::from_secs(60);
        let mut restored = Store::restore(
            SimOptions::default(),
            serde_json::from_str(&text).unwrap(),
            now,
        );
        assert_eq!(restored.revision(), store.revision());
        let again = restored.get(namespaces(), None, "store-acme", now).unwrap();
        assert_eq!(
            again["metadata"]["resourceVersion"],
            created["metadata"]["resourceVersion"]
        );
        assert_eq!(again["metadata"]["uid"], created["metadata"]["uid"]);
        let entry = restored.objects.values().next().unwrap();
        assert_eq!(now.duration_since(entry.created), Duration::from_secs(5));
    }

    #[test]
    fn a_job_running_when_the_cluster_stopped_has_failed_after_it() {
        let now = Instant::now();
        let mut store = Store::new(SimOptions::default());
        let namespace =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "store-a"}});
        store.create(namespaces(), None, namespace, now).unwrap();
        let job = json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": { "name": "backup" },
            "spec": { "template": { "spec": {
                "restartPolicy": "Never",
                "containers": [{ "name": "main", "image": "postgres", "command": ["true"] }],
            }}},
        });
        let jobs = crate::cluster::sim::resources::jobs();
        store.create(jobs, Some("store-a"), job, now).unwrap();
        let text = serde_json::to_string(&store.snapshot(now)).unwrap();
        let mut restored = Store::restore(
            SimOptions::default(),
            serde_json::from_str(&text).unwrap(),
            now,
        );
        let job = restored.get(jobs, Some("store-a"), "backup", now).unwrap();
        let failed = &job["status"]["conditions"][1];
        assert_eq!(job["status"]["failed"], 1);
        assert_eq!(
            (&failed["type"], &failed["reason"], &failed["message"]),
            (
                &json!("Failed"),
                &json!("PodLost"),
                &json!(super::super::jobs::LOST_MESSAGE)
            )
        );
    }
}
