//! Talking to the cluster: server-side apply of rendered objects under one field manager, in
//! order, and pruning of the tenant's objects that the new render no longer contains.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use serde_json::Value;

use super::labels;
use super::manifests::{kinds, TenantKind, TenantObject};

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

/// The API of one kind, in `namespace` when the kind lives in one.
fn api(client: &Client, kind: &TenantKind, namespace: &str) -> Api<DynamicObject> {
    if kind.namespaced {
        Api::namespaced_with(client.clone(), namespace, &kind.resource)
    } else {
        Api::all_with(client.clone(), &kind.resource)
    }
}

/// Applies every object in order. Idempotent: applying the same objects again changes nothing.
pub async fn apply_all(client: &Client, objects: &[TenantObject]) -> Result<()> {
    for object in objects {
        let kind = object.tenant_kind();
        let namespace = object.meta().namespace.as_deref().unwrap_or_default();
        api(client, &kind, namespace)
            .patch(object.name(), &params(), &Patch::Apply(object.to_json()))
            .await
            .map_err(failed("applying", object.kind(), object.name()))?;
    }
    Ok(())
}

/// The cluster's copy of each object, in the same order (`None` where it has none), as
/// JSON for comparing with the render.
pub async fn live(client: &Client, objects: &[TenantObject]) -> Result<Vec<Option<Value>>> {
    let mut found = Vec::with_capacity(objects.len());
    for object in objects {
        let kind = object.tenant_kind();
        let namespace = object.meta().namespace.as_deref().unwrap_or_default();
        let live = api(client, &kind, namespace)
            .get_opt(object.name())
            .await
            .map_err(failed("reading", object.kind(), object.name()))?;
        found.push(live.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)));
    }
    Ok(found)
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

async fn prune_kind(
    client: &Client,
    kind: &TenantKind,
    namespace: &str,
    subdomain: &str,
    keep: &BTreeSet<(&str, &str)>,
) -> Result<usize> {
    let api = api(client, kind, namespace);
    let existing = api
        .list(&ListParams::default().labels(&selector(subdomain)))
        .await
        .map_err(failed("listing", kind.name(), namespace))?;
    let mut pruned = 0;
    for object in existing {
        let name = object.name_any();
        if !keep.contains(&(kind.name(), name.as_str())) {
            match api.delete(&name, &DeleteParams::background()).await {
                Ok(_) => pruned += 1,
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(source) => return Err(failed("pruning", kind.name(), &name)(source)),
            }
            tracing::info!(kind = %kind.name(), name = %name, namespace, "pruned");
        }
    }
    Ok(pruned)
}

/// Deletes the tenant's objects that `keep` no longer contains, in reverse apply order;
/// returns how many. Volumes are never pruned (see [`TenantKind::pruned`]).
pub async fn prune(
    client: &Client,
    namespace: &str,
    subdomain: &str,
    keep: &[TenantObject],
) -> Result<usize> {
    let keep: BTreeSet<(&str, &str)> = keep.iter().map(|o| (o.kind(), o.name())).collect();
    let mut pruned = 0;
    for kind in kinds().iter().rev().filter(|kind| kind.pruned()) {
        pruned += prune_kind(client, kind, namespace, subdomain, &keep).await?;
    }
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
