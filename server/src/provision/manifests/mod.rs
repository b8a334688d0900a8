//! Pure rendering: tenant + plan + blueprint + cluster settings → typed Kubernetes objects,
//! in the order they are applied. No I/O here; snapshot-tested in `tests.rs`.

pub mod config;
pub mod data_jobs;
pub mod exposure;
pub mod maintenance;
pub mod namespace;
mod object;
#[cfg(test)]
mod tests;
pub mod workloads;

use std::collections::BTreeMap;

use app::domain::{Blueprint, Plan, SettingValue, Subdomain};

pub use object::{kinds, yaml_stream, TenantKind, TenantObject};

/// Errors of rendering: the inputs contradict each other.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The plan names another blueprint than the one given.
    #[error("plan {plan} runs blueprint {wanted}, not {given}")]
    WrongBlueprint {
        /// The plan.
        plan: String,
        /// The blueprint it names.
        wanted: String,
        /// The blueprint given.
        given: String,
    },
    /// A component mounts a ConfigMap or volume the blueprint does not declare.
    #[error("component {component} mounts {what}, which blueprint {blueprint} does not declare")]
    UnknownMount {
        /// The blueprint.
        blueprint: String,
        /// The component.
        component: String,
        /// The missing ConfigMap or volume.
        what: String,
    },
}

/// Result of rendering.
pub type Result<T> = std::result::Result<T, RenderError>;

/// How the tenant's host is reached from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exposure {
    /// An Ingress for `<subdomain>.<base domain>`.
    Ingress {
        /// `spec.ingressClassName`, if the cluster needs one.
        class: Option<String>,
        /// How TLS is set up.
        tls: Tls,
    },
    /// A Service of type LoadBalancer in front of the public component.
    LoadBalancer,
}

/// TLS for the tenant's Ingress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Plain HTTP (TLS terminated elsewhere).
    None,
    /// One existing TLS Secret (a wildcard certificate) in the tenant's namespace.
    Secret(String),
    /// cert-manager issues a certificate per tenant from this ClusterIssuer.
    CertManager(String),
}

/// What the operator configured about the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSettings {
    /// Namespaces are `<prefix>-<subdomain>`.
    pub namespace_prefix: String,
    /// Stores live at `<subdomain>.<base_domain>`.
    pub base_domain: String,
    /// The namespace of the ingress controller, the only other namespace allowed in.
    pub ingress_namespace: String,
    /// How the host is reached.
    pub exposure: Exposure,
    /// StorageClass for volumes; the cluster default when `None`.
    pub storage_class: Option<String>,
}

/// What the tenant's objects are rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The store serves.
    #[default]
    Serving,
    /// Workloads scaled to zero, the maintenance page served; everything kept.
    Suspended,
    /// Workloads and their Services removed; volumes, configuration and the maintenance page
    /// kept.
    Archived,
    /// Workloads scaled to zero but the database, which a backup is restored into; the
    /// maintenance page served.
    Restoring,
}

impl ClusterSettings {
    /// The namespace of the tenant with this namespace key.
    pub fn namespace(&self, key: &str) -> String {
        format!("{}-{key}", self.namespace_prefix)
    }

    /// The public address of the tenant with this subdomain.
    pub fn store_url(&self, subdomain: &Subdomain) -> String {
        format!("https://{subdomain}.{}", self.base_domain)
    }
}

/// Everything that decides one tenant's objects.
#[derive(Debug, Clone)]
pub struct TenantSpec<'a> {
    /// The tenant's subdomain.
    pub subdomain: &'a Subdomain,
    /// The stable key its namespace is named by.
    pub key: &'a str,
    /// The owning account's id; `None` for a standby store.
    pub owner: Option<&'a str>,
    /// A standby store: made ahead, not published until a customer claims it.
    pub standby: bool,
    /// Its plan.
    pub plan: &'a Plan,
    /// The plan's blueprint.
    pub blueprint: &'a Blueprint,
    /// The owner's settings; missing ones take the blueprint's defaults.
    pub settings: &'a BTreeMap<String, SettingValue>,
    /// Image tags of the tenant's release, per component; missing ones take the blueprint's.
    pub release: &'a BTreeMap<String, String>,
    /// The database password, generated once when the tenant is created and kept after.
    pub database_password: &'a str,
    /// Serving, suspended or archived.
    pub mode: Mode,
}

impl TenantSpec<'_> {
    /// The tenant's namespace.
    pub fn namespace(&self, cluster: &ClusterSettings) -> String {
        cluster.namespace(self.key)
    }

    /// The tenant's public host.
    pub fn host(&self, cluster: &ClusterSettings) -> String {
        format!("{}.{}", self.subdomain, cluster.base_domain)
    }
}

/// Renders every object of the tenant, in apply order: namespace and its guards first, then
/// configuration, storage, workloads, Services, and the way in.
pub fn render(tenant: &TenantSpec<'_>, cluster: &ClusterSettings) -> Result<Vec<TenantObject>> {
    check(tenant)?;
    let ctx = Context::new(tenant, cluster);
    let mut objects = namespace::render(&ctx);
    let config = config::render(&ctx);
    let checksum = config.checksum.clone();
    objects.extend(config.objects);
    objects.extend(workloads::render(&ctx, &checksum));
    if tenant.mode != Mode::Serving {
        objects.extend(maintenance::render(&ctx));
    }
    // A standby has no customer's host yet: it is published when claimed.
    if !tenant.standby {
        objects.extend(exposure::render(&ctx));
    }
    Ok(objects)
}

fn check(tenant: &TenantSpec<'_>) -> Result<()> {
    let blueprint = tenant.blueprint;
    if tenant.plan.blueprint != blueprint.name {
        return Err(RenderError::WrongBlueprint {
            plan: tenant.plan.name.clone(),
            wanted: tenant.plan.blueprint.clone(),
            given: blueprint.name.clone(),
        });
    }
    for component in &blueprint.components {
        for mount in &component.mounts {
            let (declared, what) = match &mount.source {
                app::domain::blueprint::MountSource::ConfigMap(name) => (
                    blueprint.config_maps.contains(name),
                    format!("ConfigMap {name}"),
                ),
                app::domain::blueprint::MountSource::Volume(name) => (
                    blueprint.volumes.iter().any(|v| &v.name == name),
                    format!("volume {name}"),
                ),
            };
            if !declared {
                return Err(RenderError::UnknownMount {
                    blueprint: blueprint.name.clone(),
                    component: component.name.clone(),
                    what,
                });
            }
        }
    }
    Ok(())
}

/// What every renderer needs, computed once.
struct Context<'a> {
    tenant: &'a TenantSpec<'a>,
    cluster: &'a ClusterSettings,
    namespace: String,
    key: &'a str,
    plan: &'a str,
}

impl<'a> Context<'a> {
    fn new(tenant: &'a TenantSpec<'a>, cluster: &'a ClusterSettings) -> Self {
        Self {
            tenant,
            cluster,
            namespace: tenant.namespace(cluster),
            key: tenant.key,
            plan: &tenant.plan.name,
        }
    }

    /// The labels naming who the store is for, on every object but pods: they change when a
    /// standby is claimed, which must not roll its pods.
    fn identity(&self) -> BTreeMap<String, String> {
        super::labels::identity(self.tenant.subdomain.as_str(), self.tenant.owner)
    }

    /// Metadata of a namespaced object of the tenant.
    fn meta(
        &self,
        name: &str,
        component: Option<&str>,
    ) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        let mut labels = match component {
            Some(component) => super::labels::component(self.key, self.plan, component),
            None => super::labels::tenant(self.key, self.plan),
        };
        labels.extend(self.identity());
        k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace.clone()),
            labels: Some(labels),
            ..Default::default()
        }
    }
}
