//! The simulated controllers: Deployments make ReplicaSets, ReplicaSets and StatefulSets make
//! Pods (through admission, see `spawn.rs`), and the garbage collector removes what lost its
//! owner. Run before every request is answered, so a client sees a settled cluster.

use std::collections::BTreeSet;
use std::time::Instant;

use serde_json::{json, Value};

use super::{Entry, Key, Store};
use crate::cluster::sim::pods::{self, PodState};
use crate::cluster::sim::resources::{pods as pod_kind, replica_sets};
use crate::cluster::sim::rollout;

/// Passes over the controllers per request: enough for a Recreate (old pods go, new come).
const PASSES: usize = 3;

impl Store {
    /// Lets every controller act on what changed, until nothing more does: in `scope`, or in
    /// every namespace. Controllers act within one namespace, so a request about one
    /// namespace needs only that one settled.
    pub(super) fn reconcile(&mut self, scope: Option<&str>, now: Instant) {
        for _ in 0..PASSES {
            let before = self.revision;
            if self.owners_removed {
                self.owners_removed = false;
                self.collect_garbage();
            }
            for (namespace, name) in self.names("deployments", scope) {
                self.sync_deployment(&namespace, &name, now);
            }
            for (namespace, name) in self.names(replica_sets().plural, scope) {
                self.sync_replica_set(&namespace, &name, now);
            }
            for (namespace, name) in self.names("statefulsets", scope) {
                self.sync_stateful_set(&namespace, &name, now);
            }
            if self.revision == before {
                break;
            }
        }
    }

    /// Objects of a kind in a namespace.
    pub(super) fn scan<'a>(
        &'a self,
        plural: &'static str,
        namespace: &'a str,
    ) -> impl Iterator<Item = (&'a Key, &'a Entry)> + 'a {
        let start = Key {
            plural,
            namespace: namespace.to_owned(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .take_while(move |(key, _)| key.plural == plural && key.namespace == namespace)
    }

    fn names(&self, plural: &'static str, scope: Option<&str>) -> Vec<(String, String)> {
        let start = Key {
            plural,
            namespace: scope.unwrap_or_default().to_owned(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .map(|(key, _)| key)
            .take_while(|key| key.plural == plural && scope.is_none_or(|ns| key.namespace == ns))
            .map(|key| (key.namespace.clone(), key.name.clone()))
            .collect()
    }

    fn object(&self, plural: &'static str, namespace: &str, name: &str) -> Option<Value> {
        let key = Key {
            plural,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        };
        self.objects.get(&key).map(|entry| entry.object.clone())
    }

    /// Pods (or ReplicaSets) whose controlling owner has this uid, oldest first.
    pub(super) fn owned<'a>(
        &'a self,
        plural: &'static str,
        namespace: &'a str,
        uid: &Value,
    ) -> Vec<(String, &'a Entry)> {
        let mut owned: Vec<(String, &'a Entry)> = self
            .scan(plural, namespace)
            .filter(|(_, entry)| owner_uid(&entry.object) == Some(uid))
            .map(|(key, entry)| (key.name.clone(), entry))
            .collect();
        owned.sort_by_key(|(_, entry)| entry.created);
        owned
    }

    pub(super) fn pod_ready(&self, entry: &Entry, now: Instant) -> bool {
        let age = now.saturating_duration_since(entry.created);
        pods::state(&entry.object, age, &self.options) == PodState::Ready
    }

    /// Removes objects whose controlling owner is gone, as the garbage collector does.
    fn collect_garbage(&mut self) {
        let uids: BTreeSet<String> = self
            .objects
            .values()
            .filter_map(|entry| entry.object["metadata"]["uid"].as_str().map(str::to_owned))
            .collect();
        let orphans: Vec<Key> = self
            .objects
            .iter()
            .filter(|(_, entry)| {
                owner_uid(&entry.object)
                    .and_then(Value::as_str)
                    .is_some_and(|uid| !uids.contains(uid))
            })
            .map(|(key, _)| key.clone())
            .collect();
        if !orphans.is_empty() {
            for key in orphans {
                self.objects.remove(&key);
            }
            // What they owned is orphaned in turn.
            self.owners_removed = true;
            self.next_revision();
        }
    }

    fn sync_deployment(&mut self, namespace: &str, name: &str, now: Instant) {
        let Some(deployment) = self.object("deployments", namespace, name) else {
            return;
        };
        let uid = deployment["metadata"]["uid"].clone();
        let template = deployment["spec"]["template"].clone();
        let hash = rollout::template_hash(&template);
        let new_name = format!("{name}-{hash}");
        if self
            .object(replica_sets().plural, namespace, &new_name)
            .is_none()
        {
            let set = replica_set(&deployment, &new_name, &hash);
            let key = Key::new(replica_sets(), Some(namespace), &new_name);
            self.insert_new(replica_sets(), key, set, now);
        }
        let sets: Vec<(String, i64, i64, i64)> = self
            .owned(replica_sets().plural, namespace, &uid)
            .into_iter()
            .map(|(set, entry)| {
                let replicas = entry.object["spec"]["replicas"].as_i64().unwrap_or(0);
                let pods = self.owned(
                    pod_kind().plural,
                    namespace,
                    &entry.object["metadata"]["uid"],
                );
                let ready = pods.iter().filter(|(_, p)| self.pod_ready(p, now)).count();
                (set, replicas, pods.len() as i64, ready as i64)
            })
            .collect();
        let (new, old): (Vec<_>, Vec<_>) = sets.into_iter().partition(|s| s.0 == new_name);
        let (new_pods, new_ready) = new.first().map_or((0, 0), |s| (s.2, s.3));
        let old_pods: i64 = old.iter().map(|s| s.2).sum();
        let targets = rollout::targets(&deployment, old_pods, new_pods, new_ready);
        let mut keep = targets.old;
        for (set, replicas, _, _) in old {
            let wanted = replicas.min(keep);
            keep -= wanted;
            self.scale(namespace, &set, wanted);
        }
        self.scale(namespace, &new_name, targets.new);
    }

    fn scale(&mut self, namespace: &str, set: &str, replicas: i64) {
        let key = Key::new(replica_sets(), Some(namespace), set);
        let Some(entry) = self.objects.get(&key) else {
            return;
        };
        if entry.object["spec"]["replicas"].as_i64() == Some(replicas) {
            return;
        }
        let revision = self.next_revision();
        if let Some(entry) = self.objects.get_mut(&key) {
            entry.object["spec"]["replicas"] = json!(replicas);
            entry.object["metadata"]["resourceVersion"] = json!(revision);
        }
    }

    fn sync_replica_set(&mut self, namespace: &str, name: &str, now: Instant) {
        let Some(set) = self.object(replica_sets().plural, namespace, name) else {
            return;
        };
        let desired = set["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
        let owned: Vec<String> = self
            .owned(pod_kind().plural, namespace, &set["metadata"]["uid"])
            .into_iter()
            .map(|(pod, _)| pod)
            .collect();
        let count = owned.len() as i64;
        if count > desired {
            for pod in owned.iter().rev().take((count - desired) as usize) {
                self.remove_pod(namespace, pod);
            }
            return;
        }
        for _ in count..desired {
            let pod_name = format!("{name}-{}", rollout::random_suffix());
            let labels = set["spec"]["template"]["metadata"]["labels"].clone();
            let made = self.make_pod(&set, &pod_name, labels, now, "replicaset-controller", |e| {
                format!("Error creating: {e}")
            });
            if !made {
                break;
            }
        }
    }

    fn sync_stateful_set(&mut self, namespace: &str, name: &str, now: Instant) {
        let Some(set) = self.object("statefulsets", namespace, name) else {
            return;
        };
        let desired = set["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
        let revision = format!(
            "{name}-{}",
            rollout::template_hash(&set["spec"]["template"])
        );
        let extra: Vec<String> = self
            .owned(pod_kind().plural, namespace, &set["metadata"]["uid"])
            .into_iter()
            .map(|(pod, _)| pod)
            .filter(|pod| {
                let ordinal = pod.rsplit('-').next().and_then(|o| o.parse::<i64>().ok());
                ordinal.is_none_or(|o| o >= desired)
            })
            .collect();
        for pod in extra {
            self.remove_pod(namespace, &pod);
        }
        for ordinal in 0..desired {
            let pod_name = format!("{name}-{ordinal}");
            let key = Key::new(pod_kind(), Some(namespace), &pod_name);
            if let Some(entry) = self.objects.get(&key) {
                let current = &entry.object["metadata"]["labels"]["controller-revision-hash"];
                if current.as_str() == Some(revision.as_str()) {
                    if !self.pod_ready(entry, now) {
                        // OrderedReady: the next pod waits for this one.
                        return;
                    }
                    continue;
                }
                self.remove_pod(namespace, &pod_name);
            }
            let mut labels = set["spec"]["template"]["metadata"]["labels"].clone();
            if !labels.is_object() {
                labels = json!({});
            }
            labels["controller-revision-hash"] = json!(revision);
            labels["statefulset.kubernetes.io/pod-name"] = json!(pod_name);
            let made = self.make_pod(
                &set,
                &pod_name,
                labels,
                now,
                "statefulset-controller",
                |e| format!("create Pod {pod_name} in StatefulSet {name} failed error: {e}"),
            );
            if !made {
                return;
            }
        }
    }
}

/// The uid of the object's controlling owner, if it has one.
pub(super) fn owner_uid(object: &Value) -> Option<&Value> {
    object["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|owner| owner["controller"] == true)
        .map(|owner| &owner["uid"])
}

/// A Deployment's ReplicaSet for its current template.
fn replica_set(deployment: &Value, name: &str, hash: &str) -> Value {
    let mut template = deployment["spec"]["template"].clone();
    if !template["metadata"]["labels"].is_object() {
        template["metadata"]["labels"] = json!({});
    }
    template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    let mut selector = deployment["spec"]["selector"].clone();
    if !selector["matchLabels"].is_object() {
        selector["matchLabels"] = json!({});
    }
    selector["matchLabels"]["pod-template-hash"] = json!(hash);
    json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": deployment["metadata"]["namespace"],
            "labels": template["metadata"]["labels"],
            "ownerReferences": [{
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": deployment["metadata"]["name"],
                "uid": deployment["metadata"]["uid"],
                "controller": true,
                "blockOwnerDeletion": true,
            }],
        },
        "spec": { "replicas": 0, "selector": selector, "template": template },
    })
}

#[cfg(test)]
mod tests;
