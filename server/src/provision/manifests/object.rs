//! One rendered object of a tenant, of any kind, and the one list of the kinds a tenant is
//! made of: applying, pruning and counting all read it.

use std::any::TypeId;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, PersistentVolumeClaim, ResourceQuota, Secret, Service,
    ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{NamespaceResourceScope, Resource};
use kube::core::ApiResource;

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

        /// Every kind a tenant is made of, in apply order.
        pub fn kinds() -> Vec<TenantKind> {
            vec![$(TenantKind::of::<$kind>(),)*]
        }

        impl TenantObject {
            /// The object's kind as the API serves it.
            pub fn tenant_kind(&self) -> TenantKind {
                match self {
                    $(TenantObject::$kind(_) => TenantKind::of::<$kind>(),)*
                }
            }

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

/// A kind of object a tenant is made of, as the API serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantKind {
    /// Its group, version, kind and plural.
    pub resource: ApiResource,
    /// Whether its objects live in a namespace (all but the namespace itself).
    pub namespaced: bool,
}

impl TenantKind {
    fn of<K>() -> Self
    where
        K: Resource + kube::Resource<DynamicType = ()> + 'static,
    {
        Self {
            resource: ApiResource::erase::<K>(&()),
            namespaced: TypeId::of::<<K as Resource>::Scope>()
                == TypeId::of::<NamespaceResourceScope>(),
        }
    }

    /// The kind's name, e.g. `Deployment`.
    pub fn name(&self) -> &str {
        &self.resource.kind
    }

    /// Whether storefleet deletes objects of this kind that a new render no longer has. Never
    /// volumes (a blueprint that drops one must not drop a customer's data with it), and not
    /// the namespace, which only deleting the tenant removes.
    pub fn pruned(&self) -> bool {
        self.namespaced && self.name() != <PersistentVolumeClaim as Resource>::KIND
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_are_listed_once_with_their_scope() {
        let kinds = kinds();
        let names: Vec<&str> = kinds.iter().map(TenantKind::name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(names.first(), Some(&"Namespace"));
        let cluster_scoped: Vec<&str> = kinds
            .iter()
            .filter(|k| !k.namespaced)
            .map(TenantKind::name)
            .collect();
        assert_eq!(cluster_scoped, ["Namespace"]);
        let kept: Vec<&str> = kinds
            .iter()
            .filter(|k| !k.pruned())
            .map(TenantKind::name)
            .collect();
        assert_eq!(kept, ["Namespace", "PersistentVolumeClaim"]);
        let ingress = kinds.iter().find(|k| k.name() == "Ingress").unwrap();
        assert_eq!(ingress.resource.group, "networking.k8s.io");
        assert_eq!(ingress.resource.plural, "ingresses");
    }
}
