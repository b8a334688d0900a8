//! Admission in the simulated API server: a new Pod gets the namespace's LimitRange defaults
//! and must fit its ResourceQuota, a new claim too (`cluster::admission` holds the rules).

use serde_json::{json, Map, Value};

use super::Store;
use crate::cluster::admission::{self, Refusal};
use crate::cluster::quantity::Amount;
use crate::cluster::sim::api_error::{ApiError, Result};
use crate::cluster::sim::resources::{pods as pod_kind, Resource};

impl Store {
    /// The namespace's quotas, LimitRange defaults and what its pods and claims use.
    pub(super) fn quota_rules(&self, namespace: &str) -> admission::Namespace {
        let mut rules = admission::Namespace {
            quotas: self
                .scan("resourcequotas", namespace)
                .map(|(_, e)| admission::quota_of(&e.object))
                .collect(),
            defaults: self
                .scan("limitranges", namespace)
                .flat_map(|(_, e)| admission::defaults_of(&e.object))
                .collect(),
            used: admission::Usage::new(),
        };
        let mut used = admission::Usage::new();
        let mut add = |usage: admission::Usage| {
            for (resource, amount) in usage {
                let entry = used.entry(resource).or_default();
                *entry = entry.plus(amount);
            }
        };
        // Pods that ended (a Job's) use nothing any more, as the quota controller counts.
        let ended = |pod: &Value| {
            matches!(
                pod["status"]["phase"].as_str(),
                Some("Succeeded" | "Failed")
            )
        };
        for (_, entry) in self.scan(pod_kind().plural, namespace) {
            if ended(&entry.object) {
                continue;
            }
            add(admission::pod_usage(&admission::containers_of(
                &entry.object["spec"],
            )));
        }
        for (_, entry) in self.scan("persistentvolumeclaims", namespace) {
            add(admission::claim_usage(claim_size(&entry.object)));
        }
        rules.used = used;
        rules
    }

    /// Admits a new pod: LimitRange defaults written into its spec, then the quota.
    pub(super) fn admit_pod(&self, namespace: &str, name: &str, pod: &mut Value) -> Result<()> {
        self.admit_new(pod_kind(), Some(namespace), name)?;
        let mut rules = self.quota_rules(namespace);
        let containers = admission::containers_of(&pod["spec"]);
        let admitted = rules
            .admit_pod(&containers)
            .map_err(|refusal| refused(pod_kind(), name, refusal))?;
        let list = pod["spec"]["containers"].as_array_mut();
        for (container, admitted) in list.into_iter().flatten().zip(admitted) {
            container["resources"] = json!({
                "requests": quantities(&admitted.requests),
                "limits": quantities(&admitted.limits),
            });
        }
        Ok(())
    }

    /// Admits a new claim against the namespace's quota.
    pub(super) fn admit_claim(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
        claim: &Value,
    ) -> Result<()> {
        let Some(namespace) = namespace else {
            return Ok(());
        };
        self.quota_rules(namespace)
            .admit_claim(claim_size(claim))
            .map_err(|refusal| refused(resource, name, refusal))
    }
}

fn refused(resource: &Resource, name: &str, refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Forbidden(message) => ApiError::Forbidden {
            plural: resource.plural,
            name: name.to_owned(),
            message,
        },
        Refusal::Invalid(message) => ApiError::invalid(resource, name, message),
    }
}

fn claim_size(claim: &Value) -> Amount {
    claim["spec"]["resources"]["requests"]["storage"]
        .as_str()
        .and_then(|size| Amount::parse(size).ok())
        .unwrap_or_default()
}

fn quantities(usage: &admission::Usage) -> Value {
    let map: Map<String, Value> = usage
        .iter()
        .map(|(resource, amount)| (resource.clone(), json!(amount.canonical(resource))))
        .collect();
    Value::Object(map)
}
