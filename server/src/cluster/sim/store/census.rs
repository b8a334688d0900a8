//! What a workload's controller sees of its pods, for the status it reports.

use std::time::Instant;

use serde_json::Value;

use super::Store;
use crate::cluster::sim::resources::{pods as pod_kind, replica_sets, Resource};
use crate::cluster::sim::rollout;
use crate::cluster::sim::status::Census;

impl Store {
    /// What a workload's controller sees of its pods.
    pub(super) fn census(&self, resource: &Resource, object: &Value, now: Instant) -> Census {
        let namespace = object["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let uid = &object["metadata"]["uid"];
        let failure = self
            .failures
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned();
        let count = |owner: &Value| {
            let pods = self.owned(pod_kind().plural, namespace, owner);
            let ready = pods.iter().filter(|(_, p)| self.pod_ready(p, now)).count() as i64;
            (pods.len() as i64, ready)
        };
        match resource.kind {
            "Deployment" => {
                let new_name = format!(
                    "{name}-{}",
                    rollout::template_hash(&object["spec"]["template"])
                );
                let mut census = Census::default();
                for (set, entry) in self.owned(replica_sets().plural, namespace, uid) {
                    let (pods, ready) = count(&entry.object["metadata"]["uid"]);
                    census.pods += pods;
                    census.ready += ready;
                    if set == new_name {
                        census.updated = pods;
                        census.updated_ready = ready;
                        census.failure = self.failures.get(&(namespace.to_owned(), set)).cloned();
                    }
                }
                census
            }
            "StatefulSet" => {
                let revision = format!(
                    "{name}-{}",
                    rollout::template_hash(&object["spec"]["template"])
                );
                let pods = self.owned(pod_kind().plural, namespace, uid);
                let updated: Vec<_> = pods
                    .iter()
                    .filter(|(_, p)| {
                        p.object["metadata"]["labels"]["controller-revision-hash"]
                            == revision.as_str()
                    })
                    .collect();
                let current_revision = pods
                    .iter()
                    .map(|(_, p)| &p.object["metadata"]["labels"]["controller-revision-hash"])
                    .find(|r| r.as_str() != Some(revision.as_str()))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                Census {
                    pods: pods.len() as i64,
                    ready: pods.iter().filter(|(_, p)| self.pod_ready(p, now)).count() as i64,
                    updated: updated.len() as i64,
                    updated_ready: updated
                        .iter()
                        .filter(|(_, p)| self.pod_ready(p, now))
                        .count() as i64,
                    failure,
                    update_revision: revision,
                    current_revision,
                }
            }
            _ => {
                let (pods, ready) = count(uid);
                Census {
                    pods,
                    ready,
                    failure,
                    ..Census::default()
                }
            }
        }
    }
}
