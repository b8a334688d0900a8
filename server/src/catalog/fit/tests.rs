use std::collections::BTreeMap;

use proptest::prelude::*;

use app::domain::blueprint::{
    Component, Mount, MountSource, Probe, Resources, VolumeSpec, Workload,
};
use app::domain::plan::Quota;
use app::domain::Subdomain;

use super::*;
use crate::catalog::defaults;
use crate::cluster::admission::{self, Namespace};
use crate::provision::manifests::{
    self, ClusterSettings, Exposure, Mode, TenantObject, TenantSpec,
};

fn starter() -> Plan {
    defaults::plans().remove(0)
}

#[test]
fn the_seeded_plans_fit_with_room_for_updates() {
    assert_eq!(
        check_all(&defaults::plans(), &[defaults::store_blueprint()]),
        vec![]
    );
}

#[test]
fn a_plan_too_small_is_refused_with_the_numbers() {
    let mut plan = starter();
    plan.quota.cpu = "1".into();
    let refused = check(&plan, &defaults::store_blueprint()).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "starter: limits.cpu needs 2.5 (+1 during updates and backups), quota allows 1"
    );

    plan.quota = Quota {
        cpu: "100m".into(),
        memory: "1Gi".into(),
        storage: "10Gi".into(),
        pods: 3,
    };
    assert_eq!(
        check(&plan, &defaults::store_blueprint())
            .unwrap_err()
            .to_string(),
        "starter: limits.cpu needs 2.5 (+1 during updates and backups), quota allows 0.1; \
         limits.memory needs 1.625Gi (+384Mi during updates and backups), quota allows 1Gi; \
         pods needs 3 (+2 during updates and backups), quota allows 3; \
         requests.cpu needs 0.25 (+0.1 during updates and backups), quota allows 0.1; \
         requests.storage needs 15Gi, quota allows 10Gi"
    );
}

#[test]
fn limit_range_defaults_count_for_containers_that_set_nothing() {
    let mut blueprint = defaults::store_blueprint();
    blueprint.components.retain(|c| c.name == "web");
    blueprint.components[0].resources = Resources {
        cpu_request: String::new(),
        memory_request: String::new(),
        cpu_limit: String::new(),
        memory_limit: String::new(),
    };
    let needs = needs("starter", &blueprint).unwrap();
    let amount = |t| Amount::parse(t).unwrap();
    assert_eq!(needs.serving["limits.cpu"], amount("500m"));
    assert_eq!(needs.serving["requests.memory"], amount("64Mi"));
    assert_eq!(
        needs.extra["limits.memory"],
        amount("512Mi"),
        "the surge pod, defaulted too, and a dump Job's"
    );
}

#[test]
fn a_dump_job_or_the_maintenance_page_counts_when_nothing_surges() {
    let mut blueprint = defaults::store_blueprint();
    blueprint
        .components
        .retain(|c| c.workload == Workload::Database);
    let needs = needs("starter", &blueprint).unwrap();
    assert_eq!(needs.extra["pods"], Amount::units(1));
    // The dump Job's 500m outweighs the page's 100m.
    assert_eq!(needs.extra["limits.cpu"], Amount::parse("500m").unwrap());
}

#[test]
fn a_request_above_the_default_limit_is_refused_whatever_the_quota() {
    let mut blueprint = defaults::store_blueprint();
    let api = blueprint
        .components
        .iter_mut()
        .find(|c| c.name == "api")
        .unwrap();
    api.resources.cpu_limit = String::new();
    api.resources.cpu_request = "1".into();
    let refused = check(&starter(), &blueprint).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "starter: component api would be refused: spec.containers[0].resources.requests: \
         Invalid value: \"1\": must be less than or equal to cpu limit of 500m"
    );
}

#[test]
fn unreadable_quantities_and_missing_blueprints_are_refused() {
    let mut plan = starter();
    plan.quota.memory = "2 gigs".into();
    assert!(matches!(
        check(&plan, &defaults::store_blueprint()),
        Err(FitError::Quantity { .. })
    ));
    plan.blueprint = "shop".into();
    assert_eq!(
        check_all(&[plan], &[defaults::store_blueprint()])[0].to_string(),
        "starter: runs blueprint shop, which does not exist"
    );
}

// The property: the fit check says yes exactly when the API server's admission (as the
// simulated cluster runs it) admits every claim and pod of the rendered tenant, and the extra
// pods of a rolling update with a dump Job's pod, and the maintenance page of a suspension.

fn quantity(max_milli: i64, unit: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        6 => (1..=max_milli).prop_map(move |m| match unit {
            "cpu" => format!("{m}m"),
            _ => format!("{m}Mi"),
        }),
    ]
}

fn component() -> impl Strategy<Value = (bool, i32, bool, [String; 4])> {
    (
        any::<bool>(),
        0..5i32,
        any::<bool>(),
        [
            quantity(1500, "cpu"),
            quantity(1024, "mem"),
            quantity(1500, "cpu"),
            quantity(1024, "mem"),
        ],
    )
}

fn blueprint() -> impl Strategy<Value = Blueprint> {
    (
        prop::collection::vec(component(), 1..5),
        prop::collection::vec(1..30u32, 0..3),
    )
        .prop_map(|(components, volumes)| {
            let volumes: Vec<VolumeSpec> = volumes
                .iter()
                .enumerate()
                .map(|(i, gi)| VolumeSpec {
                    name: format!("v{i}"),
                    size: format!("{gi}Gi"),
                })
                .collect();
            let components = components
                .into_iter()
                .enumerate()
                .map(
                    |(i, (database, replicas, mounts, [cr, mr, cl, ml]))| Component {
                        name: format!("c{i}"),
                        workload: if database {
                            Workload::Database
                        } else {
                            Workload::Deployment
                        },
                        image: "registry.example/app".into(),
                        tag: "1".into(),
                        port: 8080,
                        service_port: 80,
                        probe: Probe::Tcp,
                        replicas,
                        resources: Resources {
                            cpu_request: cr,
                            memory_request: mr,
                            cpu_limit: cl,
                            memory_limit: ml,
                        },
                        mounts: volumes
                            .get(i % volumes.len().max(1))
                            .filter(|_| mounts)
                            .map(|v| Mount {
                                source: MountSource::Volume(v.name.clone()),
                                path: "/data".into(),
                            })
                            .into_iter()
                            .collect(),
                        env_from_config_maps: vec![],
                        env_from_secret: false,
                        public: i == 0,
                    },
                )
                .collect();
            Blueprint {
                name: "random".into(),
                description: String::new(),
                components,
                volumes,
                config_maps: vec![],
                settings: vec![],
                health_check: None,
            }
        })
}

fn quota() -> impl Strategy<Value = Quota> {
    (100..8000i64, 128..8192i64, 1..80i64, 1..20u32).prop_map(|(cpu, memory, storage, pods)| {
        Quota {
            cpu: format!("{cpu}m"),
            memory: format!("{memory}Mi"),
            storage: format!("{storage}Gi"),
            pods,
        }
    })
}

fn render(plan: &Plan, blueprint: &Blueprint, mode: Mode) -> Vec<serde_json::Value> {
    let subdomain = Subdomain::parse("acme").unwrap();
    let cluster = ClusterSettings {
        namespace_prefix: "store".into(),
        base_domain: "shops.example.com".into(),
        ingress_namespace: "ingress-nginx".into(),
        exposure: Exposure::LoadBalancer,
        storage_class: None,
    };
    let spec = TenantSpec {
        subdomain: &subdomain,
        key: subdomain.as_str(),
        owner: None,
        standby: false,
        plan,
        blueprint,
        settings: &BTreeMap::new(),
        release: &BTreeMap::new(),
        database_password: "x",
        mode,
    };
    manifests::render(&spec, &cluster)
        .unwrap()
        .iter()
        .map(TenantObject::to_json)
        .collect()
}

/// Admits the tenant's objects in apply order; `false` at the first refusal.
fn admitted(plan: &Plan, blueprint: &Blueprint) -> bool {
    let objects = render(plan, blueprint, Mode::Serving);
    let of = |kind: &'static str| objects.iter().filter(move |o| o["kind"] == kind);
    let mut namespace = Namespace {
        quotas: of("ResourceQuota").map(admission::quota_of).collect(),
        defaults: of("LimitRange").flat_map(admission::defaults_of).collect(),
        used: admission::Usage::new(),
    };
    for claim in of("PersistentVolumeClaim") {
        let size = claim["spec"]["resources"]["requests"]["storage"]
            .as_str()
            .unwrap();
        if namespace.admit_claim(Amount::parse(size).unwrap()).is_err() {
            return false;
        }
    }
    let pods = |object: &serde_json::Value| {
        let replicas = object["spec"]["replicas"].as_i64().unwrap_or(1);
        (
            admission::containers_of(&object["spec"]["template"]["spec"]),
            replicas,
        )
    };
    for workload in of("Deployment").chain(of("StatefulSet")) {
        let (containers, replicas) = pods(workload);
        for _ in 0..replicas {
            if namespace.admit_pod(&containers).is_err() {
                return false;
            }
        }
    }
    // A rolling update of every Deployment at once: each starts its surge pods.
    let mut updating = namespace.clone();
    for deployment in of("Deployment") {
        if deployment["spec"]["strategy"]["type"] == "Recreate" {
            continue;
        }
        let (containers, replicas) = pods(deployment);
        let surge = workloads::max_surge(i32::try_from(replicas).unwrap());
        for _ in 0..surge {
            if updating.admit_pod(&containers).is_err() {
                return false;
            }
        }
    }
    // A backup's dump Job meanwhile.
    let job = serde_json::to_value(manifests::data_jobs::dump_job(
        &manifests::data_jobs::DataJob {
            name: "backup-1",
            namespace: "store-acme",
            database_image: "postgres:16",
            database_host: "database",
            database_port: 5432,
            deadline_secs: 60,
        },
        &manifests::data_jobs::PartLinks {
            parts: &[],
            complete: "",
            part_mib: 5,
        },
    ))
    .unwrap();
    let dump = admission::containers_of(&job["spec"]["template"]["spec"]);
    if updating.admit_pod(&dump).is_err() {
        return false;
    }
    // A suspension: the maintenance page starts while the store's pods still run.
    let suspended = render(plan, blueprint, Mode::Suspended);
    let page = suspended
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == maintenance::MAINTENANCE)
        .unwrap();
    namespace.admit_pod(&pods(page).0).is_ok()
}

/// Whether a pod of `component` is refused in a namespace without a quota, only its
/// LimitRange.
fn refused_anywhere(plan: &Plan, blueprint: &Blueprint, component: &str) -> bool {
    let objects = render(plan, blueprint, Mode::Serving);
    let mut namespace = Namespace {
        defaults: objects
            .iter()
            .filter(|o| o["kind"] == "LimitRange")
            .flat_map(admission::defaults_of)
            .collect(),
        ..Namespace::default()
    };
    let workload = objects
        .iter()
        .find(|o| o["metadata"]["name"] == component && o["spec"]["template"].is_object())
        .unwrap();
    let containers = admission::containers_of(&workload["spec"]["template"]["spec"]);
    namespace.admit_pod(&containers).is_err()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_check_agrees_with_admission(blueprint in blueprint(), quota in quota()) {
        let plan = Plan {
            name: "random".into(),
            display_name: "Random".into(),
            blueprint: blueprint.name.clone(),
            price_id: None,
            monthly_price_cents: 0,
            quota,
            backup_schedule: "0 3 * * *".into(),
            retention: Default::default(),
        };
        match check(&plan, &blueprint) {
            Ok(()) => prop_assert!(admitted(&plan, &blueprint), "passed but refused"),
            Err(FitError::TooSmall { .. }) => {
                prop_assert!(!admitted(&plan, &blueprint), "refused but admitted")
            }
            // Refused whatever the quota, even with no pod to run yet.
            Err(FitError::Invalid { component, .. }) => {
                prop_assert!(refused_anywhere(&plan, &blueprint, &component))
            }
            Err(other) => prop_assert!(false, "{other}"),
        }
    }
}
