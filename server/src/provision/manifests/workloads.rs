//! Volumes, workloads and their Services.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, StatefulSet, StatefulSetSpec,
};
use k8s_openapi::api::core::v1::{
    ConfigMapEnvSource, ConfigMapVolumeSource, Container, ContainerPort, EnvFromSource, EnvVar,
    EnvVarSource, HTTPGetAction, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, SeccompProfile, SecretEnvSource, SecretKeySelector, SecurityContext,
    Service, ServicePort, ServiceSpec, TCPSocketAction, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use app::domain::blueprint::{self, Component, MountSource, Workload};

use super::config::{DATABASE_PASSWORD, DATABASE_USER, SECRET};
use super::{Context, Mode, TenantObject};
use crate::provision::labels;

/// The name of the tenant's ServiceAccount, used by every pod.
pub const SERVICE_ACCOUNT: &str = "store";

pub(super) fn render(ctx: &Context<'_>, checksum: &str) -> Vec<TenantObject> {
    let blueprint = ctx.tenant.blueprint;
    let mut objects: Vec<TenantObject> = blueprint
        .volumes
        .iter()
        .map(|volume| claim(ctx, &volume.name, &volume.size).into())
        .collect();
    if ctx.tenant.mode == Mode::Archived {
        return objects;
    }
    // A suspended tenant keeps its workloads, with no pod running.
    // A restoring tenant keeps its database running, and nothing else.
    let scale = |replicas: i32, workload: Workload| match (ctx.tenant.mode, workload) {
        (Mode::Serving, _) | (Mode::Restoring, Workload::Database) => replicas,
        _ => 0,
    };
    for component in &blueprint.components {
        let template = pod_template(ctx, component, checksum);
        let selector = LabelSelector {
            match_labels: Some(labels::selector(ctx.key, &component.name)),
            ..Default::default()
        };
        objects.push(match component.workload {
            Workload::Database => StatefulSet {
                metadata: ctx.meta(&component.name, Some(&component.name)),
                spec: Some(StatefulSetSpec {
                    replicas: Some(scale(replicas(component), component.workload)),
                    service_name: Some(component.name.clone()),
                    selector,
                    template,
                    ..Default::default()
                }),
                ..Default::default()
            }
            .into(),
            Workload::Deployment => Deployment {
                metadata: ctx.meta(&component.name, Some(&component.name)),
                spec: Some(DeploymentSpec {
                    replicas: Some(scale(replicas(component), component.workload)),
                    selector,
                    template,
                    strategy: (!surges(component)).then(|| DeploymentStrategy {
                        type_: Some("Recreate".to_owned()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }
            .into(),
        });
    }
    objects.extend(
        blueprint
            .components
            .iter()
            .map(|component| TenantObject::from(service(ctx, component))),
    );
    objects
}

/// The Service in front of a component.
pub(super) fn service(ctx: &Context<'_>, component: &Component) -> Service {
    Service {
        metadata: ctx.meta(&component.name, Some(&component.name)),
        spec: Some(ServiceSpec {
            selector: Some(labels::selector(ctx.key, &component.name)),
            ports: Some(vec![ServicePort {
                name: Some("main".to_owned()),
                port: i32::from(component.service_port),
                target_port: Some(IntOrString::Int(i32::from(component.port))),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The pods a serving component runs: a database always one.
pub fn replicas(component: &Component) -> i32 {
    match component.workload {
        Workload::Database => 1,
        Workload::Deployment => component.replicas,
    }
}

/// Whether an update of the component starts new pods before the old ones stop (a rolling
/// update with the default `maxSurge` of 25%). One that mounts a volume is recreated: a
/// ReadWriteOnce volume cannot be mounted by old and new pods at once; a database
/// (StatefulSet) replaces its pod in place.
pub fn surges(component: &Component) -> bool {
    component.workload == Workload::Deployment
        && !component
            .mounts
            .iter()
            .any(|m| matches!(m.source, MountSource::Volume(_)))
}

/// How many pods a rolling update of `replicas` adds at most: Kubernetes' default `maxSurge`
/// of 25%, rounded up.
pub fn max_surge(replicas: i32) -> i32 {
    (replicas.max(0) + 3) / 4
}

/// The container's requests and limits; a value left empty in the blueprint is left out, so
/// the namespace's LimitRange default applies to it.
pub fn resources(component: &Component) -> ResourceRequirements {
    let r = &component.resources;
    let pick = |pairs: [(&str, &String); 2]| {
        let map: BTreeMap<String, Quantity> = pairs
            .iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|(key, value)| ((*key).to_owned(), Quantity((*value).clone())))
            .collect();
        (!map.is_empty()).then_some(map)
    };
    ResourceRequirements {
        requests: pick([("cpu", &r.cpu_request), ("memory", &r.memory_request)]),
        limits: pick([("cpu", &r.cpu_limit), ("memory", &r.memory_limit)]),
        ..Default::default()
    }
}

fn claim(ctx: &Context<'_>, name: &str, size: &str) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: ctx.meta(name, None),
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
            storage_class_name: ctx.cluster.storage_class.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(size.to_owned()),
                )])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub(super) fn pod_template(
    ctx: &Context<'_>,
    component: &Component,
    checksum: &str,
) -> PodTemplateSpec {
    let volumes: Vec<Volume> = component
        .mounts
        .iter()
        .map(|mount| match &mount.source {
            MountSource::ConfigMap(name) => Volume {
                name: format!("config-{name}"),
                config_map: Some(ConfigMapVolumeSource {
                    name: name.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            MountSource::Volume(name) => Volume {
                name: format!("volume-{name}"),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: name.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        })
        .collect();
    let mounts: Vec<VolumeMount> = component
        .mounts
        .iter()
        .zip(&volumes)
        .map(|(mount, volume)| VolumeMount {
            name: volume.name.clone(),
            mount_path: mount.path.clone(),
            read_only: matches!(mount.source, MountSource::ConfigMap(_)).then_some(true),
            ..Default::default()
        })
        .collect();

    let mut labels = labels::component(ctx.key, ctx.plan, &component.name);
    labels.extend(labels::selector(ctx.key, &component.name));
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels),
            annotations: Some(BTreeMap::from([(
                labels::CONFIG_CHECKSUM.to_owned(),
                checksum.to_owned(),
            )])),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            service_account_name: Some(SERVICE_ACCOUNT.to_owned()),
            automount_service_account_token: Some(false),
            security_context: Some(PodSecurityContext {
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            containers: vec![container(ctx, component, mounts)],
            volumes: (!volumes.is_empty()).then_some(volumes),
            ..Default::default()
        }),
    }
}

fn container(ctx: &Context<'_>, component: &Component, mounts: Vec<VolumeMount>) -> Container {
    let tag = ctx
        .tenant
        .release
        .get(&component.name)
        .unwrap_or(&component.tag);
    let mut env_from: Vec<EnvFromSource> = component
        .env_from_config_maps
        .iter()
        .map(|name| EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let mut env = Vec::new();
    match (component.workload, component.env_from_secret) {
        (Workload::Deployment, true) => env_from.push(EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: SECRET.to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        // The database sees its password only, never the owner's secret settings.
        (Workload::Database, _) => env.extend(database_env(component)),
        (Workload::Deployment, false) => {}
    }
    Container {
        name: component.name.clone(),
        image: Some(format!("{}:{}", component.image, tag)),
        ports: Some(vec![ContainerPort {
            container_port: i32::from(component.port),
            name: Some("main".to_owned()),
            ..Default::default()
        }]),
        env: (!env.is_empty()).then_some(env),
        env_from: (!env_from.is_empty()).then_some(env_from),
        resources: Some(resources(component)),
        readiness_probe: Some(probe(component)),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            ..Default::default()
        }),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        ..Default::default()
    }
}

fn database_env(component: &Component) -> Vec<EnvVar> {
    let data_dir = component
        .mounts
        .iter()
        .find(|m| matches!(m.source, MountSource::Volume(_)))
        .map(|m| format!("{}/pgdata", m.path));
    let mut env = vec![
        EnvVar {
            name: "POSTGRES_PASSWORD".to_owned(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: SECRET.to_owned(),
                    key: DATABASE_PASSWORD.to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        },
        EnvVar {
            name: "POSTGRES_USER".to_owned(),
            value: Some(DATABASE_USER.to_owned()),
            ..Default::default()
        },
        EnvVar {
            name: "POSTGRES_DB".to_owned(),
            value: Some(DATABASE_USER.to_owned()),
            ..Default::default()
        },
    ];
    if let Some(dir) = data_dir {
        env.push(EnvVar {
            name: "PGDATA".to_owned(),
            value: Some(dir),
            ..Default::default()
        });
    }
    env
}

fn probe(component: &Component) -> Probe {
    let port = IntOrString::Int(i32::from(component.port));
    let (http_get, tcp_socket) = match &component.probe {
        blueprint::Probe::Http { path } => (
            Some(HTTPGetAction {
                path: Some(path.clone()),
                port,
                ..Default::default()
            }),
            None,
        ),
        blueprint::Probe::Tcp => (
            None,
            Some(TCPSocketAction {
                port,
                ..Default::default()
            }),
        ),
    };
    Probe {
        http_get,
        tcp_socket,
        period_seconds: Some(5),
        failure_threshold: Some(3),
        ..Default::default()
    }
}
