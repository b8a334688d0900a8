//! One rendered object of a tenant, of any kind.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, PersistentVolumeClaim, ResourceQuota, Secret, Service,
    ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Resource;

macro_rules! tenant_object {
    ($($kind:ident),* $(,)?) => {
        /// A typed Kubernetes object rendered for a tenant.
        #[derive(Debug, Clone, PartialEq)]
        pub enum TenantObject {
            $(
                #[doc = concat!("A ", stringify!($kind), ".")]
                $kind($kind),
            )*
        }

        impl TenantObject {
            /// The object's kind, e.g. `Deployment`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(TenantObject::$kind(_) => <$kind as Resource>::KIND,)*
                }
            }

            /// The object's metadata.
            pub fn meta(&self) -> &ObjectMeta {
                match self {
                    $(TenantObject::$kind(o) => &o.metadata,)*
                }
            }

            /// The object as YAML, with `apiVersion` and `kind`.
            pub fn to_yaml(&self) -> String {
                let yaml = match self {
                    $(TenantObject::$kind(o) => serde_yaml_ng::to_string(o),)*
                };
                yaml.expect("Kubernetes objects always serialise")
            }

            /// The object as JSON, with `apiVersion` and `kind`, as the API server receives it.
            pub fn to_json(&self) -> serde_json::Value {
                let json = match self {
                    $(TenantObject::$kind(o) => serde_json::to_value(o),)*
                };
                json.expect("Kubernetes objects always serialise")
            }
        }

        $(
            impl From<$kind> for TenantObject {
                fn from(object: $kind) -> Self {
                    TenantObject::$kind(object)
                }
            }
        )*
    };
}

tenant_object!(
    Namespace,
    ResourceQuota,
    LimitRange,
    NetworkPolicy,
    ServiceAccount,
    Secret,
    ConfigMap,
    PersistentVolumeClaim,
    StatefulSet,
    Deployment,
    Service,
    Ingress,
);

impl TenantObject {
    /// The object's name.
    pub fn name(&self) -> &str {
        self.meta().name.as_deref().unwrap_or_default()
    }

    /// A file name for the object: `<order>-<kind>-<name>.yaml`.
    pub fn file_name(&self, order: usize) -> String {
        format!(
            "{order:02}-{}-{}.yaml",
            self.kind().to_lowercase(),
            self.name()
        )
    }

    /// The same object with every Secret value replaced by `<redacted>` (as readable
    /// `stringData`), for showing to people.
    pub fn redacted(&self) -> Self {
        match self {
            TenantObject::Secret(secret) => {
                let mut secret = secret.clone();
                let keys = secret.data.take().unwrap_or_default().into_keys();
                secret.string_data = Some(keys.map(|key| (key, "<redacted>".to_owned())).collect());
                TenantObject::Secret(secret)
            }
            other => other.clone(),
        }
    }
}

/// Objects as one YAML stream, separated by `---`, in apply order.
pub fn yaml_stream(objects: &[TenantObject]) -> String {
    objects
        .iter()
        .map(TenantObject::to_yaml)
        .collect::<Vec<_>>()
        .join("---\n")
}
