//! Talking to the cluster: server-side apply of rendered objects under one field manager, in
//! four phases of concurrent requests, and pruning of the tenant's objects that the new
//! render no longer contains.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::try_join_all;

use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim, Secret};
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams, TypeMeta};
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

/// The phase an object of `kind` is applied in. The Namespace first: everything else lives in
/// it. Then, all at once, what pods and claims are admitted against or use (quota, limits,
/// policies, accounts, configuration, the Secret holding the database password) and the
/// Services and way in. Then the volumes: a claim never exists without the Secret, so a
/// store with volumes and no Secret has lost it, and a first apply stopped halfway can simply
/// run again. Last, the workloads, whose pods must find all that in place.
fn phase(kind: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "PersistentVolumeClaim" => 2,
        "Deployment" | "StatefulSet" | "Job" => WORKLOADS,
        _ => 1,
    }
}

/// The last phase: the workloads.
const WORKLOADS: u8 = 3;

/// Applies every object: phase by phase, each phase's objects concurrently, so the whole
/// costs four round trips to the API server whatever the number of objects. Idempotent:
/// applying the same objects again changes nothing.
pub async fn apply_all(client: &Client, objects: &[TenantObject]) -> Result<()> {
    for current in 0..=WORKLOADS {
        apply_phase(client, objects, current).await?;
    }
    Ok(())
}

/// Applies every object as [`apply_all`] does and [`prune`]s what `objects` no longer
/// contains while the workloads are applied, as they no longer use it: three round trips
/// after the Namespace. Returns how many objects were pruned.
pub async fn apply_and_prune(
    client: &Client,
    namespace: &str,
    key: &str,
    objects: &[TenantObject],
) -> Result<usize> {
    for current in 0..WORKLOADS {
        apply_phase(client, objects, current).await?;
    }
    let (_, pruned) = futures_util::future::try_join(
        apply_phase(client, objects, WORKLOADS),
        prune(client, namespace, key, objects),
    )
    .await?;
    Ok(pruned)
}

async fn apply_phase(client: &Client, objects: &[TenantObject], current: u8) -> Result<()> {
    let batch = objects.iter().filter(|o| phase(o.kind()) == current);
    try_join_all(batch.map(|object| apply_one(client, object))).await?;
    Ok(())
}

async fn apply_one(client: &Client, object: &TenantObject) -> Result<()> {
    let kind = object.tenant_kind();
    let namespace = object.meta().namespace.as_deref().unwrap_or_default();
    api(client, &kind, namespace)
        .patch(object.name(), &params(), &Patch::Apply(object.to_json()))
        .await
        .map_err(failed("applying", object.kind(), object.name()))?;
    Ok(())
}

/// The cluster's copy of each object, in the same order (`None` where it has none), as
/// JSON for comparing with the render. A kind the tenant has several objects of in one
/// namespace is read with one list by the tenant's labels; the others with one get each.
pub async fn live(
    client: &Client,
    tenant_key: &str,
    objects: &[TenantObject],
) -> Result<Vec<Option<Value>>> {
    let place = |o: &TenantObject| (o.kind(), o.meta().namespace.clone().unwrap_or_default());
    let mut counts: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for object in objects {
        *counts.entry(place(object)).or_default() += 1;
    }
    let mut listed: BTreeMap<(&str, String), BTreeMap<String, Value>> = BTreeMap::new();
    for object in objects {
        let key = place(object);
        if counts[&key] < 2 || listed.contains_key(&key) {
            continue;
        }
        let kind = object.tenant_kind();
        let items = api(client, &kind, &key.1)
            .list(&ListParams::default().labels(&selector(tenant_key)))
            .await
            .map_err(failed("listing", object.kind(), &key.1))?;
        let by_name = items
            .into_iter()
            .map(|item| (item.name_any(), as_json(item, &kind)))
            .collect();
        listed.insert(key, by_name);
    }
    let mut found = Vec::with_capacity(objects.len());
    for object in objects {
        let key = place(object);
        let live = match listed.get(&key) {
            Some(by_name) => by_name.get(object.name()).cloned(),
            None => {
                let kind = object.tenant_kind();
                api(client, &kind, &key.1)
                    .get_opt(object.name())
                    .await
                    .map_err(failed("reading", object.kind(), object.name()))?
                    .map(|item| as_json(item, &kind))
            }
        };
        found.push(live);
    }
    Ok(found)
}

/// An object read from the cluster as JSON, with its `apiVersion` and `kind` (a list's items
/// may come without them).
fn as_json(mut object: DynamicObject, kind: &TenantKind) -> Value {
    if object.types.is_none() {
        object.types = Some(TypeMeta {
            api_version: kind.resource.api_version.clone(),
            kind: kind.resource.kind.clone(),
        });
    }
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// The tenant's label selector.
pub fn selector(key: &str) -> String {
    format!(
        "{}={key},{}={}",
        labels::TENANT,
        labels::MANAGED_BY,
        labels::MANAGER
    )
}

async fn prune_kind(
    client: &Client,
    kind: &TenantKind,
    namespace: &str,
    key: &str,
    keep: &BTreeSet<(&str, &str)>,
) -> Result<usize> {
    let api = api(client, kind, namespace);
    let existing = api
        .list(&ListParams::default().labels(&selector(key)))
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

/// Deletes the tenant's objects that `keep` no longer contains, every kind at once; returns
/// how many. Volumes are never pruned (see [`TenantKind::pruned`]).
pub async fn prune(
    client: &Client,
    namespace: &str,
    key: &str,
    keep: &[TenantObject],
) -> Result<usize> {
    let keep: BTreeSet<(&str, &str)> = keep.iter().map(|o| (o.kind(), o.name())).collect();
    let kinds: Vec<TenantKind> = kinds().into_iter().filter(TenantKind::pruned).collect();
    let keep = &keep;
    let pruned = try_join_all(
        kinds
            .iter()
            .map(|kind| prune_kind(client, kind, namespace, key, keep)),
    )
    .await?;
    Ok(pruned.into_iter().sum())
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

/// Whether the namespace holds a volume claim, that is, a store's data.
pub async fn has_volumes(client: &Client, namespace: &str) -> Result<bool> {
    let api: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), namespace);
    api.list(&ListParams::default().limit(1))
        .await
        .map(|claims| !claims.items.is_empty())
        .map_err(failed("listing", "PersistentVolumeClaim", namespace))
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

#[cfg(test)]
mod tests {
    use super::phase;

    #[test]
    fn the_namespace_comes_first_the_secret_before_volumes_and_what_makes_pods_last() {
        assert_eq!(phase("Namespace"), 0);
        for guard in [
            "ResourceQuota",
            "LimitRange",
            "NetworkPolicy",
            "ServiceAccount",
        ] {
            assert_eq!(phase(guard), 1, "{guard} is there before any claim or pod");
        }
        for used in ["ConfigMap", "Secret", "Service", "Ingress"] {
            assert_eq!(phase(used), 1, "{used}");
        }
        assert!(
            phase("Secret") < phase("PersistentVolumeClaim"),
            "no volume is made before the Secret holding the database password"
        );
        for workload in ["Deployment", "StatefulSet", "Job"] {
            assert!(
                phase("PersistentVolumeClaim") < phase(workload),
                "{workload}"
            );
        }
    }
}
