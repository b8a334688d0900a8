//! Blueprints: what one tenant runs, and the settings its owner may edit.

use serde::{Deserialize, Serialize};

use super::setting::SettingSpec;

/// What one tenant runs: its components, volumes, configuration maps and editable settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blueprint {
    /// Unique name, e.g. `store`.
    pub name: String,
    /// One line for admins.
    pub description: String,
    /// The processes the tenant runs.
    pub components: Vec<Component>,
    /// Persistent volumes (ReadWriteOnce), by name.
    pub volumes: Vec<VolumeSpec>,
    /// Names of the ConfigMaps rendered from settings (e.g. `app`, `admin`, `web`, `nginx`).
    pub config_maps: Vec<String>,
    /// The settings a store owner may edit.
    pub settings: Vec<SettingSpec>,
    /// A page of the store that answers 200 when it serves: a rollout's health gate asks it
    /// through the component's Service. None: the gate judges the workloads only.
    #[serde(default)]
    pub health_check: Option<HealthCheck>,
}

/// A page a healthy store answers with 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// The component whose Service serves it, e.g. `web`.
    pub component: String,
    /// Its path, e.g. `/healthz`.
    pub path: String,
}

/// How a component runs on the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// A stateless Deployment.
    Deployment,
    /// The tenant's PostgreSQL database: a StatefulSet of one.
    Database,
}

/// How the cluster tells that a component is ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    /// An HTTP GET on the component's port answers 2xx.
    Http {
        /// The path to request.
        path: String,
    },
    /// The component's port accepts TCP connections.
    Tcp,
}

/// Where a mounted folder comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MountSource {
    /// One of the blueprint's ConfigMaps.
    ConfigMap(String),
    /// One of the blueprint's volumes.
    Volume(String),
}

/// A folder mounted into a component's container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// What is mounted.
    pub source: MountSource,
    /// Where, inside the container.
    pub path: String,
}

/// Compute resources of one container, in Kubernetes quantity notation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// CPU requested, e.g. `100m`.
    pub cpu_request: String,
    /// Memory requested, e.g. `128Mi`.
    pub memory_request: String,
    /// CPU limit.
    pub cpu_limit: String,
    /// Memory limit.
    pub memory_limit: String,
}

/// One process of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Name, also the name of its Service, e.g. `api`.
    pub name: String,
    /// How it runs.
    pub workload: Workload,
    /// Container image, without tag when the release decides it (e.g. `ghcr.io/acme/store-api`).
    pub image: String,
    /// Image tag used until a release names another.
    pub tag: String,
    /// The port the container listens on.
    pub port: u16,
    /// The port its Service exposes.
    pub service_port: u16,
    /// How readiness is checked.
    pub probe: Probe,
    /// Copies running (a database always runs one).
    pub replicas: i32,
    /// Container resources.
    pub resources: Resources,
    /// Mounted ConfigMaps and volumes.
    pub mounts: Vec<Mount>,
    /// ConfigMaps whose keys become environment variables.
    pub env_from_config_maps: Vec<String>,
    /// Whether the tenant's Secret (database password, secret settings) becomes environment
    /// variables.
    pub env_from_secret: bool,
    /// Whether this component serves the tenant's public host.
    pub public: bool,
}

/// A persistent volume of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeSpec {
    /// Name, also the PersistentVolumeClaim's name.
    pub name: String,
    /// Size, in Kubernetes quantity notation, e.g. `5Gi`.
    pub size: String,
}

impl Blueprint {
    /// The component serving the public host, if any.
    pub fn public_component(&self) -> Option<&Component> {
        self.components.iter().find(|c| c.public)
    }
}
