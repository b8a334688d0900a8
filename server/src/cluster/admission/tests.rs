use super::*;

fn amount(text: &str) -> Amount {
    Amount::parse(text).unwrap()
}

fn usage(pairs: &[(&str, &str)]) -> Usage {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), amount(v)))
        .collect()
}

fn container(name: &str, requests: &[(&str, &str)], limits: &[(&str, &str)]) -> Container {
    Container {
        name: name.to_owned(),
        requests: usage(requests),
        limits: usage(limits),
    }
}

fn plan_quota(cpu: &str) -> Quota {
    Quota {
        name: "plan".to_owned(),
        hard: usage(&[
            ("limits.cpu", cpu),
            ("requests.cpu", cpu),
            ("limits.memory", "2Gi"),
            ("pods", "10"),
        ]),
    }
}

fn store_defaults() -> ContainerDefaults {
    ContainerDefaults {
        request: usage(&[("cpu", "50m"), ("memory", "64Mi")]),
        limit: usage(&[("cpu", "500m"), ("memory", "256Mi")]),
    }
}

#[test]
fn refuses_a_pod_past_the_quota_with_the_api_servers_message() {
    let mut namespace = Namespace {
        quotas: vec![plan_quota("1")],
        ..Namespace::default()
    };
    let api = container(
        "api",
        &[("cpu", "100m"), ("memory", "128Mi")],
        &[("cpu", "1"), ("memory", "512Mi")],
    );
    namespace.admit_pod(&[api]).unwrap();
    let web = container(
        "web",
        &[("cpu", "50m"), ("memory", "64Mi")],
        &[("cpu", "500m"), ("memory", "128Mi")],
    );
    let refused = namespace.admit_pod(&[web]).unwrap_err();
    assert_eq!(
        refused,
        Refusal::Forbidden(
            "exceeded quota: plan, requested: limits.cpu=500m, used: limits.cpu=1, limited: limits.cpu=1"
                .to_owned()
        )
    );
    assert_eq!(
        namespace.used["pods"],
        Amount::units(1),
        "a refused pod is not counted"
    );
    assert_eq!(
        namespace.used_by(&namespace.quotas[0].clone()),
        usage(&[
            ("limits.cpu", "1"),
            ("requests.cpu", "100m"),
            ("limits.memory", "512Mi"),
            ("pods", "1")
        ])
    );
}

#[test]
fn limit_range_defaults_come_first_and_then_count() {
    let mut namespace = Namespace {
        quotas: vec![plan_quota("1")],
        defaults: vec![store_defaults()],
        ..Namespace::default()
    };
    let admitted = namespace.admit_pod(&[container("bare", &[], &[])]).unwrap();
    assert_eq!(
        admitted[0].requests,
        usage(&[("cpu", "50m"), ("memory", "64Mi")])
    );
    assert_eq!(
        admitted[0].limits,
        usage(&[("cpu", "500m"), ("memory", "256Mi")])
    );
    assert_eq!(namespace.used["limits.cpu"], amount("500m"));

    // A limit alone makes the request equal to it, not the LimitRange's default request.
    let only_limit = with_defaults(
        &[container("a", &[], &[("cpu", "200m")])],
        &[store_defaults()],
    );
    assert_eq!(only_limit[0].requests["cpu"], amount("200m"));
    assert_eq!(only_limit[0].requests["memory"], amount("64Mi"));
}

#[test]
fn a_request_above_the_defaulted_limit_is_invalid() {
    let mut namespace = Namespace {
        defaults: vec![store_defaults()],
        ..Namespace::default()
    };
    let refused = namespace
        .admit_pod(&[container("api", &[("cpu", "1")], &[])])
        .unwrap_err();
    assert_eq!(
        refused,
        Refusal::Invalid(
            "spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m"
                .to_owned()
        )
    );
}

#[test]
fn a_quota_needs_every_container_to_say_what_it_counts() {
    let mut namespace = Namespace {
        quotas: vec![plan_quota("4")],
        ..Namespace::default()
    };
    let refused = namespace
        .admit_pod(&[container("web", &[("cpu", "10m")], &[("cpu", "100m")])])
        .unwrap_err();
    assert_eq!(
        refused,
        Refusal::Forbidden("failed quota: plan: must specify limits.memory for: web".to_owned())
    );
}

#[test]
fn claims_count_storage_and_are_released() {
    let mut namespace = Namespace {
        quotas: vec![Quota {
            name: "plan".to_owned(),
            hard: usage(&[
                ("requests.storage", "20Gi"),
                ("persistentvolumeclaims", "2"),
            ]),
        }],
        ..Namespace::default()
    };
    namespace.admit_claim(amount("15Gi")).unwrap();
    let refused = namespace.admit_claim(amount("10Gi")).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "exceeded quota: plan, requested: requests.storage=10Gi, used: requests.storage=15Gi, limited: requests.storage=20Gi"
    );
    namespace.release(&claim_usage(amount("15Gi")));
    namespace.admit_claim(amount("10Gi")).unwrap();
}

#[test]
fn reads_objects_as_the_api_server_stores_them() {
    let limit_range = serde_json::json!({
        "spec": { "limits": [{ "type": "Container", "default": { "cpu": "500m" } }] },
    });
    assert_eq!(
        defaults_of(&limit_range),
        vec![ContainerDefaults {
            request: usage(&[("cpu", "500m")]),
            limit: usage(&[("cpu", "500m")]),
        }]
    );
    let quota = serde_json::json!({
        "metadata": { "name": "plan" },
        "spec": { "hard": { "pods": "10", "limits.cpu": "1" } },
    });
    assert_eq!(
        quota_of(&quota).hard,
        usage(&[("pods", "10"), ("limits.cpu", "1")])
    );
    let pod = serde_json::json!({
        "containers": [{ "name": "web", "resources": { "limits": { "memory": "128Mi" } } }],
    });
    assert_eq!(
        containers_of(&pod),
        vec![container("web", &[], &[("memory", "128Mi")])]
    );
}
