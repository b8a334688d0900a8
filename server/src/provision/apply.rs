//! Talking to the cluster: server-side apply of rendered objects under one field manager, in
//! order, and pruning of the tenant's objects that the new render no longer contains.

use std::collections::BTreeSet;
use std::fmt::Debug;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, ResourceQuota, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::NamespaceResourceScope;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::labels;
use super::manifests::TenantObject;

/// A cluster call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The API server refused or could not be reached.
    #[error("{action} {kind} {name}: {source}")]
    Kube {
        /// What was being done.
        action: &'static str,
        /// The object's kind.
        kind: String,
        /// The object's name.
        name: String,
        /// The cause.
        #[source]
        source: kube::Error,
    },
}

/// Result of cluster calls.
pub type Result<T> = std::result::Result<T, ApplyError>;

fn params() -> PatchParams {
    PatchParams::apply(labels::MANAGER).force()
}

fn failed(action: &'static str, kind: &str, name: &str) -> impl FnOnce(kube::Error) -> ApplyError {
    let (kind, name) = (kind.to_owned(), name.to_owned());
    move |source| ApplyError::Kube {
        action,
        kind,
        name,
        source,
    }
}

async fn apply_namespaced<K>(client: &Client, object: &K) -> kube::Result<()>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned,
{
    let namespace = object.meta().namespace.clone().unwrap_or_default();
    let api: Api<K> = Api::namespaced(client.clone(), &namespace);
    api.patch(&object.name_any(), &params(), &Patch::Apply(object))
        .await?;
    Ok(())
}

/// Applies every object in order. Idempotent: applying the same objects again changes nothing.
pub async fn apply_all(client: &Client, objects: &[TenantObject]) -> Result<()> {
    for object in objects {
        let result = match object {
            TenantObject::Namespace(o) => {
                let api: Api<Namespace> = Api::all(client.clone());
                api.patch(&o.name_any(), &params(), &Patch::Apply(o))
                    .await
                    .map(|_| ())
            }
            TenantObject::ResourceQuota(o) => apply_namespaced(client, o).await,
            TenantObject::LimitRange(o) => apply_namespaced(client, o).await,
            TenantObject::NetworkPolicy(o) => apply_namespaced(client, o).await,
            TenantObject::ServiceAccount(o) => apply_namespaced(client, o).await,
            TenantObject::Secret(o) => apply_namespaced(client, o).await,
            TenantObject::ConfigMap(o) => apply_namespaced(client, o).await,
            TenantObject::PersistentVolumeClaim(o) => apply_namespaced(client, o).await,
            TenantObject::StatefulSet(o) => apply_namespaced(client, o).await,
            TenantObject::Deployment(o) => apply_namespaced(client, o).await,
            TenantObject::Service(o) => apply_namespaced(client, o).await,
            TenantObject::Ingress(o) => apply_namespaced(client, o).await,
        };
        result.map_err(failed("applying", object.kind(), object.name()))?;
    }
    Ok(())
}

/// The tenant's label selector.
pub fn selector(subdomain: &str) -> String {
    format!(
        "{}={subdomain},{}={}",
        labels::TENANT,
        labels::MANAGED_BY,
        labels::MANAGER
    )
}

async fn prune_kind<K>(
    client: &Client,
    namespace: &str,
    subdomain: &str,
    keep: &BTreeSet<(&str, &str)>,
) -> Result<usize>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + DeserializeOwned,
{
    let kind = K::kind(&()).to_string();
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let existing = api
        .list(&ListParams::default().labels(&selector(subdomain)))
        .await
        .map_err(failed("listing", &kind, namespace))?;
    let mut pruned = 0;
    for object in existing {
        let name = object.name_any();
        if !keep.contains(&(kind.as_str(), name.as_str())) {
            match api.delete(&name, &DeleteParams::background()).await {
                Ok(_) => pruned += 1,
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(source) => return Err(failed("pruning", &kind, &name)(source)),
            }
            tracing::info!(kind = %kind, name = %name, namespace, "pruned");
        }
    }
    Ok(pruned)
}

/// Deletes the tenant's objects that `keep` no longer contains; returns how many. Volumes are
/// never pruned: a blueprint that drops one must not drop a customer's data with it.
pub async fn prune(
    client: &Client,
    namespace: &str,
    subdomain: &str,
    keep: &[TenantObject],
) -> Result<usize> {
    let keep: BTreeSet<(&str, &str)> = keep.iter().map(|o| (o.kind(), o.name())).collect();
    let mut pruned = 0;
    pruned += prune_kind::<Ingress>(client, namespace, subdomain, &keep).await?;
    pruned += prune_kind::<Service>(client, namespace, subdomain, &keep).await?;
    pruned += prune_kind::<Deployment>(client, namespace, subdomain, &keep).await?;
    pruned += prune_kind::<StatefulSet>(client, namespace, subdomain, &keep).await?;
    pruned += prune_kind::<ConfigMap>(client, namespace, subdomain, &keep).await?;
    pruned += prune_kind::<Secret>(client, namespace, subdomain, &keep).await?;
    pruned += prune_kind::<ServiceAccount>(client, namespace, subdomain, &keep).await?;
    pruned += prune_kind::<NetworkPolicy>(client, namespace, subdomain, &keep).await?;
    pruned += prune_kind::<LimitRange>(client, namespace, subdomain, &keep).await?;
    pruned += prune_kind::<ResourceQuota>(client, namespace, subdomain, &keep).await?;
    Ok(pruned)
}

/// The tenant's existing Secret, if any: its generated database password and secret settings
/// are kept across renders.
pub async fn existing_secret(
    client: &Client,
    namespace: &str,
    name: &str,
) -> Result<Option<Secret>> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    api.get_opt(name)
        .await
        .map_err(failed("reading", "Secret", name))
}

/// Deletes the tenant's namespace (and with it everything inside). Already gone is fine.
pub async fn delete_namespace(client: &Client, namespace: &str) -> Result<()> {
    let api: Api<Namespace> = Api::all(client.clone());
    match api.delete(namespace, &DeleteParams::background()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(source) => Err(failed("deleting", "Namespace", namespace)(source)),
    }
}

/// Whether the namespace still exists (also while terminating).
pub async fn namespace_exists(client: &Client, namespace: &str) -> Result<bool> {
    let api: Api<Namespace> = Api::all(client.clone());
    api.get_opt(namespace)
        .await
        .map(|ns| ns.is_some())
        .map_err(failed("reading", "Namespace", namespace))
}
