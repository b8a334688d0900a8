//! `deploy/kubernetes/base/rbac.yaml` grants exactly what the code calls: every request the engine made to the
//! simulated cluster during the whole test suite (recorded to the file `STOREFLEET_SIM_API_LOG`
//! names) must be allowed by a rule, and every rule must have been used.
//!
//! Run after the suite, as `scripts/test.sh` does (`test = false` in Cargo.toml keeps it out of
//! a plain `cargo test`):
//!
//! ```sh
//! STOREFLEET_SIM_API_LOG=/tmp/api.log cargo test -p server
//! STOREFLEET_SIM_API_LOG=/tmp/api.log cargo test -p server --test rbac
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use server::cluster::sim::api_log::{ApiRequest, API_LOG_ENV};

/// The ClusterRole the engine runs with.
const ROLE: &str = "storefleet-engine";

#[derive(Deserialize)]
struct Document {
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
    #[serde(default)]
    resource_names: Vec<String>,
    #[serde(default, rename = "nonResourceURLs")]
    non_resource_urls: Vec<String>,
}

/// Every (verb, group, resource) the role grants, one by one.
fn granted(yaml: &str) -> BTreeSet<ApiRequest> {
    let mut role = None;
    for document in serde_yaml_ng::Deserializer::from_str(yaml) {
        let document = Document::deserialize(document)
            .expect("deploy/kubernetes/base/rbac.yaml is valid YAML");
        let name = document.metadata.as_ref().and_then(|m| m.name.as_deref());
        if document.kind.as_deref() == Some("ClusterRole") && name == Some(ROLE) {
            assert!(
                role.is_none(),
                "deploy/kubernetes/base/rbac.yaml defines {ROLE} twice"
            );
            role = Some(document.rules);
        }
    }
    let rules = role.unwrap_or_else(|| {
        panic!("deploy/kubernetes/base/rbac.yaml defines no ClusterRole {ROLE}")
    });
    let mut out = BTreeSet::new();
    for rule in rules {
        // Narrower forms the comparison cannot check: refused rather than waved through.
        assert!(
            rule.resource_names.is_empty() && rule.non_resource_urls.is_empty(),
            "resourceNames and nonResourceURLs are not used by the engine"
        );
        for group in &rule.api_groups {
            for resource in &rule.resources {
                for verb in &rule.verbs {
                    out.insert(ApiRequest {
                        verb: verb.clone(),
                        api_group: group.clone(),
                        resource: resource.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Every distinct request in the log.
fn called(log: &str) -> BTreeSet<ApiRequest> {
    log.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("unreadable line {line:?} in the API log: {e}"))
        })
        .collect()
}

fn describe(requests: &BTreeSet<&ApiRequest>) -> String {
    requests
        .iter()
        .map(|r| {
            let group = if r.api_group.is_empty() {
                "core"
            } else {
                &r.api_group
            };
            format!("\n  {} {} ({group})", r.verb, r.resource)
        })
        .collect()
}

#[test]
fn the_cluster_role_grants_exactly_what_the_engine_calls() {
    let path = std::env::var_os(API_LOG_ENV).unwrap_or_else(|| {
        panic!("{API_LOG_ENV} is not set: run the suite with it set, then this test with the same value")
    });
    let log = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "no API log at {}: {e}; did the suite run with {API_LOG_ENV} set?",
            Path::new(&path).display()
        )
    });
    let called = called(&log);
    assert!(
        !called.is_empty(),
        "the API log at {} is empty: the suite recorded no request of the engine",
        Path::new(&path).display()
    );
    let rbac = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/kubernetes/base/rbac.yaml");
    let granted =
        granted(&std::fs::read_to_string(&rbac).expect("read deploy/kubernetes/base/rbac.yaml"));

    let missing: BTreeSet<&ApiRequest> = called.difference(&granted).collect();
    let unused: BTreeSet<&ApiRequest> = granted.difference(&called).collect();
    let mut problems = String::new();
    if !missing.is_empty() {
        problems.push_str(&format!(
            "\nthe engine calls what {ROLE} does not allow (a real cluster answers 403):{}",
            describe(&missing)
        ));
    }
    if !unused.is_empty() {
        problems.push_str(&format!(
            "\n{ROLE} allows what no test saw the engine call (remove it, or test the call):{}",
            describe(&unused)
        ));
    }
    assert!(
        problems.is_empty(),
        "deploy/kubernetes/base/rbac.yaml:{problems}"
    );
}

#[test]
fn reads_every_rule_of_the_role_and_only_that_role() {
    let yaml = "kind: ServiceAccount\nmetadata: {name: x}\n---\nkind: ClusterRole\nmetadata: {name: other}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [delete]\n---\nkind: ClusterRole\nmetadata: {name: storefleet-engine}\nrules:\n- apiGroups: [\"\", apps]\n  resources: [pods]\n  verbs: [get, list]\n";
    let rules: Vec<(String, String, String)> = granted(yaml)
        .into_iter()
        .map(|r| (r.verb, r.api_group, r.resource))
        .collect();
    let s = |v: &str| v.to_owned();
    assert_eq!(
        rules,
        [
            (s("get"), s(""), s("pods")),
            (s("get"), s("apps"), s("pods")),
            (s("list"), s(""), s("pods")),
            (s("list"), s("apps"), s("pods")),
        ]
    );
    assert_eq!(
        called("{\"verb\":\"list\",\"apiGroup\":\"\",\"resource\":\"pods\"}\n\n").len(),
        1
    );
}
