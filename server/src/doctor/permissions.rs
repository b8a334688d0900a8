//! The permissions the engine needs on a real cluster, read from the ClusterRole that grants
//! them (`deploy/kubernetes/base/rbac.yaml`, which a test holds to the calls the code makes),
//! so the doctor asks the cluster for exactly what that role grants.

use serde::Deserialize;

/// The role file, as built into the binary.
const RBAC: &str = include_str!("../../../deploy/kubernetes/base/rbac.yaml");

/// The role whose rules are the engine's needs.
const ROLE: &str = "storefleet-engine";

/// One permission: a verb on a resource of an API group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Permission {
    /// The verb, e.g. `patch`.
    pub verb: String,
    /// The API group, `""` for the core group.
    pub group: String,
    /// The resource, e.g. `deployments`.
    pub resource: String,
    /// Its subresource, e.g. `proxy` for `services/proxy`.
    pub subresource: Option<String>,
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.verb, self.resource)?;
        if let Some(sub) = &self.subresource {
            write!(f, "/{sub}")?;
        }
        if !self.group.is_empty() {
            write!(f, " ({})", self.group)?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Object {
    kind: Option<String>,
    metadata: Option<Metadata>,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Metadata {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    #[serde(default)]
    api_groups: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    verbs: Vec<String>,
}

/// Every permission the engine's ClusterRole grants, in order.
pub fn engine() -> Vec<Permission> {
    of_role(RBAC, ROLE)
}

fn of_role(yaml: &str, role: &str) -> Vec<Permission> {
    let mut out = Vec::new();
    for document in serde_yaml_ng::Deserializer::from_str(yaml) {
        let Ok(object) = Object::deserialize(document) else {
            continue;
        };
        let name = object.metadata.and_then(|m| m.name);
        if object.kind.as_deref() != Some("ClusterRole") || name.as_deref() != Some(role) {
            continue;
        }
        for rule in object.rules {
            for group in &rule.api_groups {
                for resource in &rule.resources {
                    let (resource, subresource) = match resource.split_once('/') {
                        Some((resource, sub)) => (resource, Some(sub.to_owned())),
                        None => (resource.as_str(), None),
                    };
                    for verb in &rule.verbs {
                        out.push(Permission {
                            verb: verb.clone(),
                            group: group.clone(),
                            resource: resource.to_owned(),
                            subresource: subresource.clone(),
                        });
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_needs_what_its_role_grants() {
        let needed = engine();
        let named: Vec<String> = needed.iter().map(ToString::to_string).collect();
        for expected in [
            "delete namespaces",
            "patch deployments (apps)",
            "get services/proxy",
            "create jobs (batch)",
        ] {
            assert!(
                named.contains(&expected.to_owned()),
                "{expected}: {named:?}"
            );
        }
        assert!(!named
            .iter()
            .any(|n| n.starts_with("escalate") || n.starts_with("bind")));
    }

    #[test]
    fn only_the_engine_role_counts() {
        let yaml = "kind: ClusterRole\nmetadata: {name: other}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [delete]\n---\nkind: ClusterRole\nmetadata: {name: storefleet-engine}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, services/proxy]\n  verbs: [get]\n";
        let named: Vec<String> = of_role(yaml, ROLE)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(named, ["get pods", "get services/proxy"]);
    }
}
