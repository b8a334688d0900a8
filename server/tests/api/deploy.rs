//! The control plane's own deployment (`deploy/kubernetes/`): each overlay, rendered by
//! `kubectl kustomize`, parses object by object into the typed Kubernetes structs, and holds
//! what an operator relies on — probes on /readyz and /healthz, a grace period longer than a
//! step's attempt, a non-root read-only container with no capabilities and bounded
//! resources, the engine's ServiceAccount; one Recreate-d replica on a volume (single), or
//! two spread across nodes behind a disruption budget on an external PostgreSQL (ha).

use std::path::Path;
use std::process::Command;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, PersistentVolumeClaim, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use serde::Deserialize;

/// Every object an overlay renders, typed.
#[derive(Default)]
struct Rendered {
    deployments: Vec<Deployment>,
    services: Vec<Service>,
    ingresses: Vec<Ingress>,
    policies: Vec<NetworkPolicy>,
    budgets: Vec<PodDisruptionBudget>,
    claims: Vec<PersistentVolumeClaim>,
    accounts: Vec<ServiceAccount>,
    bindings: Vec<ClusterRoleBinding>,
    others: usize,
}

/// The overlay as `kubectl kustomize` renders it; `None` (skipped) without kubectl.
fn render(overlay: &str) -> Option<Rendered> {
    let kubectl = std::env::var("STOREFLEET_TEST_KUBECTL").ok().or_else(|| {
        if std::env::var("STOREFLEET_REQUIRE_PEERS").is_ok_and(|v| v == "1") {
            panic!("STOREFLEET_REQUIRE_PEERS=1 but STOREFLEET_TEST_KUBECTL is not set");
        }
        eprintln!("skipped: STOREFLEET_TEST_KUBECTL is not set");
        None
    })?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy/kubernetes/overlays")
        .join(overlay);
    let out = Command::new(kubectl)
        .arg("kustomize")
        .arg(&dir)
        .output()
        .expect("kubectl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rendered = Rendered::default();
    for document in serde_yaml_ng::Deserializer::from_str(&text) {
        let v = serde_yaml_ng::Value::deserialize(document).unwrap();
        let kind = v["kind"].as_str().unwrap_or_default().to_owned();
        macro_rules! parse {
            ($list:expr) => {
                $list.push(serde_yaml_ng::from_value(v).unwrap_or_else(|e| panic!("{kind}: {e}")))
            };
        }
        match kind.as_str() {
            "Deployment" => parse!(rendered.deployments),
            "Service" => parse!(rendered.services),
            "Ingress" => parse!(rendered.ingresses),
            "NetworkPolicy" => parse!(rendered.policies),
            "PodDisruptionBudget" => parse!(rendered.budgets),
            "PersistentVolumeClaim" => parse!(rendered.claims),
            "ServiceAccount" => parse!(rendered.accounts),
            "ClusterRoleBinding" => parse!(rendered.bindings),
            "Namespace" => {
                let _: Namespace = serde_yaml_ng::from_value(v).unwrap();
                rendered.others += 1;
            }
            "ConfigMap" => {
                let _: ConfigMap = serde_yaml_ng::from_value(v).unwrap();
                rendered.others += 1;
            }
            "ClusterRole" => {
                let _: ClusterRole = serde_yaml_ng::from_value(v).unwrap();
                rendered.others += 1;
            }
            other => panic!("{overlay} renders an unexpected {other}"),
        }
    }
    Some(rendered)
}

/// The invariants both overlays share; the Deployment.
fn holds_the_base(overlay: &str, r: &Rendered) -> Deployment {
    assert_eq!(r.deployments.len(), 1, "{overlay}");
    let deployment = r.deployments[0].clone();
    assert_eq!(deployment.metadata.namespace.as_deref(), Some("storefleet"));
    let spec = deployment.spec.clone().unwrap();
    let pod = spec.template.spec.clone().unwrap();
    let pod_labels = spec.template.metadata.clone().unwrap().labels.unwrap();
    assert_eq!(pod.service_account_name.as_deref(), Some("storefleet"));
    assert!(r
        .accounts
        .iter()
        .any(|a| a.metadata.name.as_deref() == Some("storefleet")));
    let bound = r.bindings.iter().any(|b| {
        b.subjects.iter().flatten().any(|s| {
            s.kind == "ServiceAccount"
                && s.name == "storefleet"
                && s.namespace.as_deref() == Some("storefleet")
        })
    });
    assert!(
        bound,
        "{overlay}: the engine's role is bound to the ServiceAccount"
    );
    assert!(
        pod.termination_grace_period_seconds.unwrap_or(30) > 60,
        "longer than an apply"
    );
    let pod_security = pod.security_context.clone().unwrap();
    assert_eq!(pod_security.run_as_non_root, Some(true));
    let [container] = &pod.containers[..] else {
        panic!("{overlay}: one container")
    };
    let probe_path = |probe: &Option<k8s_openapi::api::core::v1::Probe>| {
        probe
            .as_ref()
            .and_then(|p| p.http_get.as_ref())
            .and_then(|h| h.path.clone())
    };
    assert_eq!(
        probe_path(&container.readiness_probe).as_deref(),
        Some("/readyz")
    );
    assert_eq!(
        probe_path(&container.liveness_probe).as_deref(),
        Some("/healthz")
    );
    let security = container.security_context.clone().unwrap();
    assert_eq!(security.read_only_root_filesystem, Some(true));
    assert_eq!(security.allow_privilege_escalation, Some(false));
    let dropped = security
        .capabilities
        .and_then(|c| c.drop)
        .unwrap_or_default();
    assert_eq!(dropped, ["ALL"]);
    let resources = container.resources.clone().unwrap();
    for side in [&resources.requests, &resources.limits] {
        let side = side.clone().unwrap_or_default();
        assert!(
            side.contains_key("cpu") && side.contains_key("memory"),
            "{overlay}"
        );
    }
    // Settings from the ConfigMap, secrets from the Secret.
    let from = container.env_from.clone().unwrap_or_default();
    assert!(from.iter().any(|e| e.config_map_ref.is_some()));
    assert!(from.iter().any(|e| e.secret_ref.is_some()));
    // The Service, the Ingress and the NetworkPolicy reach these pods.
    let selects = |selector: &std::collections::BTreeMap<String, String>| {
        selector.iter().all(|(k, v)| pod_labels.get(k) == Some(v))
    };
    let service = &r.services[0];
    assert!(selects(&service.spec.clone().unwrap().selector.unwrap()));
    let backend = r.ingresses[0].spec.clone().unwrap().rules.unwrap()[0]
        .http
        .clone()
        .unwrap()
        .paths[0]
        .backend
        .service
        .clone()
        .unwrap();
    assert_eq!(Some(backend.name), service.metadata.name.clone());
    let policy = r.policies[0].spec.clone().unwrap();
    assert!(selects(&policy.pod_selector.unwrap().match_labels.unwrap()));
    deployment
}

#[test]
fn every_overlay_renders_a_control_plane_that_holds_its_invariants() {
    let Some(single) = render("single") else {
        return;
    };
    let deployment = holds_the_base("single", &single);
    let spec = deployment.spec.unwrap();
    assert_eq!(spec.replicas, Some(1));
    assert_eq!(spec.strategy.unwrap().type_.as_deref(), Some("Recreate"));
    let container = &spec.template.spec.as_ref().unwrap().containers[0];
    let url = container
        .env
        .iter()
        .flatten()
        .find(|e| e.name == "DATABASE_URL")
        .unwrap();
    assert!(url.value.as_deref().unwrap().starts_with("sqlite:///data/"));
    let mounted = container
        .volume_mounts
        .iter()
        .flatten()
        .any(|m| m.mount_path == "/data");
    assert!(mounted);
    assert_eq!(single.claims.len(), 1);
    assert!(single.budgets.is_empty());

    let ha = render("ha").unwrap();
    let deployment = holds_the_base("ha", &ha);
    let spec = deployment.spec.unwrap();
    assert!(spec.replicas.unwrap() >= 2);
    let pod = spec.template.spec.unwrap();
    let spread = pod.topology_spread_constraints.unwrap_or_default();
    assert!(spread
        .iter()
        .any(|c| c.topology_key == "kubernetes.io/hostname"));
    let url = pod.containers[0]
        .env
        .iter()
        .flatten()
        .find(|e| e.name == "DATABASE_URL")
        .unwrap();
    assert!(
        url.value_from.as_ref().unwrap().secret_key_ref.is_some(),
        "from the Secret"
    );
    let [budget] = &ha.budgets[..] else {
        panic!("ha: one disruption budget")
    };
    let budget = budget.spec.clone().unwrap();
    assert!(budget.min_available.is_some() || budget.max_unavailable.is_some());
    let labels = spec.template.metadata.unwrap().labels.unwrap();
    let chosen = budget.selector.unwrap().match_labels.unwrap();
    assert!(chosen.iter().all(|(k, v)| labels.get(k) == Some(v)));
    assert!(ha.claims.is_empty(), "no volume: the database is elsewhere");
}
