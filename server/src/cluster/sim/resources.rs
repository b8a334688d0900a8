//! The kinds of object the simulated cluster serves, and how a request path names them.
//! Pure: no I/O, unit-tested below.

/// One kind of object the simulated cluster serves.
#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    /// API group: empty for the core group (`/api/v1`).
    pub group: &'static str,
    /// API version within the group.
    pub version: &'static str,
    /// `kind` in objects, e.g. `Deployment`.
    pub kind: &'static str,
    /// The path segment, e.g. `deployments`.
    pub plural: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Whether its `status` is a subresource of its own (`.../<name>/status`), written apart
    /// from the object, rather than computed by the simulated controllers.
    pub status_subresource: bool,
}

const fn core(kind: &'static str, plural: &'static str, namespaced: bool) -> Resource {
    Resource {
        group: "",
        version: "v1",
        kind,
        plural,
        namespaced,
        status_subresource: false,
    }
}

const fn grouped(group: &'static str, kind: &'static str, plural: &'static str) -> Resource {
    Resource {
        group,
        version: "v1",
        kind,
        plural,
        namespaced: true,
        status_subresource: false,
    }
}

/// A kind whose status its runner writes through the `status` subresource.
const fn with_status(resource: Resource) -> Resource {
    Resource {
        status_subresource: true,
        ..resource
    }
}

/// Every kind the simulated cluster serves: what a tenant is made of.
pub static RESOURCES: [Resource; 16] = [
    core("Namespace", "namespaces", false),
    core("ResourceQuota", "resourcequotas", true),
    core("LimitRange", "limitranges", true),
    core("ServiceAccount", "serviceaccounts", true),
    core("Secret", "secrets", true),
    core("ConfigMap", "configmaps", true),
    core("PersistentVolumeClaim", "persistentvolumeclaims", true),
    core("Service", "services", true),
    core("Pod", "pods", true),
    core("Event", "events", true),
    grouped("apps", "Deployment", "deployments"),
    grouped("apps", "StatefulSet", "statefulsets"),
    grouped("networking.k8s.io", "NetworkPolicy", "networkpolicies"),
    grouped("networking.k8s.io", "Ingress", "ingresses"),
    grouped("apps", "ReplicaSet", "replicasets"),
    with_status(grouped("batch", "Job", "jobs")),
];

/// The Namespace kind, which every namespaced object depends on.
pub fn namespaces() -> &'static Resource {
    &RESOURCES[0]
}

/// Services, which the API server proxies to.
pub fn services() -> &'static Resource {
    &RESOURCES[7]
}

/// Pods, which the simulated controllers make.
pub fn pods() -> &'static Resource {
    &RESOURCES[8]
}

/// Events, which the simulated controllers and kubelet record.
pub fn events() -> &'static Resource {
    &RESOURCES[9]
}

/// StatefulSets: a tenant's database runs as one.
pub fn stateful_sets() -> &'static Resource {
    &RESOURCES[11]
}

/// ReplicaSets, which Deployments make.
pub fn replica_sets() -> &'static Resource {
    &RESOURCES[14]
}

/// Jobs, which the simulated cluster runs on its host.
pub fn jobs() -> &'static Resource {
    &RESOURCES[15]
}

impl Resource {
    /// `apiVersion` of its objects: `v1` or `<group>/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Why `name` cannot name an object of this kind, if it cannot: Namespaces and Services
    /// take a DNS label, everything else a DNS subdomain, as the real API server checks.
    pub fn invalid_name(&self, name: &str) -> Option<String> {
        let label_only = matches!(self.kind, "Namespace" | "Service");
        let max = if label_only { 63 } else { 253 };
        let well_formed = |part: &str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        };
        let ok = name.len() <= max
            && if label_only {
                well_formed(name)
            } else {
                name.split('.').all(well_formed)
            };
        (!ok).then(|| {
            let what = if label_only {
                "a lowercase RFC 1123 label"
            } else {
                "a lowercase RFC 1123 subdomain"
            };
            format!("{name:?} is not {what} of at most {max} characters")
        })
    }
}

/// What a request path addresses.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    /// The kind.
    pub resource: &'static Resource,
    /// The namespace in the path; `None` for cluster-scoped kinds and all-namespace lists.
    pub namespace: Option<String>,
    /// The object's name; `None` for the collection.
    pub name: Option<String>,
    /// Whether the path names the object's `status` subresource.
    pub status: bool,
}

/// Reads a Kubernetes REST path (`/api/v1/namespaces/shop/configmaps/settings`,
/// `/apis/apps/v1/deployments`, ...). `None` when it names nothing served here.
pub fn parse_path(path: &str) -> Option<Target> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if segments.iter().any(|segment| segment.is_empty()) {
        return None;
    }
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let find = |plural: &str| {
        RESOURCES
            .iter()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    };
    let target = |resource, namespace: Option<&&str>, name: Option<&&str>| Target {
        resource,
        namespace: namespace.map(|ns| (*ns).to_owned()),
        name: name.map(|name| (*name).to_owned()),
        status: false,
    };
    match rest {
        [plural] => Some(target(find(plural)?, None, None)),
        ["namespaces", namespace, plural] => {
            let resource = find(plural).filter(|r| r.namespaced)?;
            Some(target(resource, Some(namespace), None))
        }
        ["namespaces", namespace, plural, name] => {
            let resource = find(plural).filter(|r| r.namespaced)?;
            Some(target(resource, Some(namespace), Some(name)))
        }
        ["namespaces", namespace, plural, name, "status"] => {
            let resource = find(plural).filter(|r| r.namespaced && r.status_subresource)?;
            Some(Target {
                status: true,
                ..target(resource, Some(namespace), Some(name))
            })
        }
        [plural, name] => {
            let resource = find(plural).filter(|r| !r.namespaced)?;
            Some(target(resource, None, Some(name)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(path: &str) -> Option<(&'static str, Option<String>, Option<String>)> {
        parse_path(path).map(|t| (t.resource.kind, t.namespace, t.name))
    }

    #[test]
    fn reads_core_and_grouped_paths() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            parsed("/api/v1/namespaces"),
            Some(("Namespace", None, None))
        );
        assert_eq!(
            parsed("/api/v1/namespaces/shop"),
            Some(("Namespace", None, s("shop")))
        );
        assert_eq!(
            parsed("/api/v1/namespaces/shop/configmaps"),
            Some(("ConfigMap", s("shop"), None))
        );
        assert_eq!(
            parsed("/api/v1/namespaces/shop/configmaps/settings"),
            Some(("ConfigMap", s("shop"), s("settings")))
        );
        assert_eq!(
            parsed("/apis/apps/v1/deployments"),
            Some(("Deployment", None, None))
        );
        assert_eq!(
            parsed("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/public"),
            Some(("Ingress", s("shop"), s("public")))
        );
    }

    #[test]
    fn refuses_what_is_not_served() {
        for path in [
            "/",
            "/api",
            "/apis/batch/v1/cronjobs",
            "/api/v2/namespaces",
            "/apis/apps/v1/namespaces/shop/configmaps",
            "/api/v1/configmaps/settings",
            "/api/v1/namespaces/shop/deployments/web",
            "/apis/apps/v1/namespaces/shop/deployments/web/status",
            "/api/v1/namespaces/shop//x",
            "/api/v1/namespaces/",
        ] {
            assert_eq!(parse_path(path), None, "{path}");
        }
    }

    #[test]
    fn the_named_kinds_are_the_ones_served() {
        assert_eq!(namespaces().kind, "Namespace");
        assert_eq!(pods().kind, "Pod");
        assert_eq!(events().kind, "Event");
        assert_eq!(replica_sets().kind, "ReplicaSet");
        assert_eq!(jobs().kind, "Job");
    }

    #[test]
    fn jobs_have_a_status_subresource_and_nothing_else_does() {
        let job = parse_path("/apis/batch/v1/namespaces/shop/jobs/backup/status").unwrap();
        assert_eq!(
            (job.resource.kind, job.name.as_deref(), job.status),
            ("Job", Some("backup"), true)
        );
        let plain = parse_path("/apis/batch/v1/namespaces/shop/jobs/backup").unwrap();
        assert!(!plain.status);
        assert_eq!(jobs().api_version(), "batch/v1");
    }

    #[test]
    fn checks_names_like_the_api_server() {
        let ns = namespaces();
        assert_eq!(ns.invalid_name("store-alice"), None);
        assert!(ns.invalid_name("store.alice").is_some());
        assert!(ns.invalid_name("Alice").is_some());
        assert!(ns.invalid_name("-alice").is_some());
        assert!(ns.invalid_name(&"a".repeat(64)).is_some());
        let config_maps = parse_path("/api/v1/namespaces/x/configmaps")
            .unwrap()
            .resource;
        assert_eq!(config_maps.invalid_name("kube-root-ca.crt"), None);
        assert!(config_maps.invalid_name("a..b").is_some());
        assert!(config_maps.invalid_name("").is_some());
    }
}
