//! Reading a tenant's namespace for people: the health of its workloads and pods, recent
//! warnings, and every object it is made of with its status.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::NamespaceResourceScope;
use kube::api::ListParams;
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use app::domain::{ClusterObjectView, TenantHealth, WorkloadHealth};

use super::apply::{self, ApplyError, Result};
use super::causes;
use super::readiness;

/// How many warnings the health view shows.
const WARNINGS: usize = 5;

async fn list<K>(client: &Client, namespace: &str, params: &ListParams) -> Result<Vec<K>>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    match api.list(params).await {
        Ok(list) => Ok(list.items),
        // A namespace not created yet (or gone) has nothing in it.
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Vec::new()),
        Err(source) => Err(ApplyError::Kube {
            action: "listing",
            kind: K::kind(&()).to_string(),
            name: namespace.to_owned(),
            source,
        }),
    }
}

/// The health of the tenant's workloads and pods, and its recent warnings.
pub async fn health(client: &Client, namespace: &str, key: &str) -> Result<TenantHealth> {
    let mine = ListParams::default().labels(&apply::selector(key));
    let mut workloads: Vec<WorkloadHealth> = list::<Deployment>(client, namespace, &mine)
        .await?
        .iter()
        .map(|d| WorkloadHealth {
            name: d.name_any(),
            ready: d
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0),
            desired: d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        })
        .collect();
    workloads.extend(
        list::<StatefulSet>(client, namespace, &mine)
            .await?
            .iter()
            .map(|s| WorkloadHealth {
                name: s.name_any(),
                ready: s
                    .status
                    .as_ref()
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0),
                desired: s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
            }),
    );
    workloads.sort_by(|a, b| a.name.cmp(&b.name));
    let pods = list::<Pod>(client, namespace, &ListParams::default()).await?;
    let statuses = |pod: &Pod| {
        pod.status
            .as_ref()
            .and_then(|s| s.container_statuses.clone())
            .unwrap_or_default()
    };
    let pods_ready = pods
        .iter()
        .filter(|pod| {
            let containers = statuses(pod);
            !containers.is_empty() && containers.iter().all(|c| c.ready)
        })
        .count();
    let restarts = pods
        .iter()
        .flat_map(|pod| statuses(pod).into_iter().map(|c| c.restart_count))
        .sum();
    let mut events = list::<Event>(client, namespace, &ListParams::default()).await?;
    events.retain(|e| e.type_.as_deref() == Some("Warning"));
    events.sort_by_key(|e| std::cmp::Reverse(causes::last_seen(e)));
    let warnings = events
        .iter()
        .filter_map(causes::explain)
        .take(WARNINGS)
        .map(|cause| cause.text)
        .collect();
    Ok(TenantHealth {
        workloads,
        pods_ready,
        pods_total: pods.len(),
        restarts,
        warnings,
        degraded: None,
        drift: None,
        repairs: Vec::new(),
        self_heal: true,
    })
}

fn view(kind: &str, name: String, status: String) -> ClusterObjectView {
    ClusterObjectView {
        kind: kind.to_owned(),
        name,
        status,
    }
}

fn replicas(ready: Option<i32>, desired: Option<i32>) -> String {
    format!("{}/{} ready", ready.unwrap_or(0), desired.unwrap_or(1))
}

/// The tenant's objects of a kind without a status worth showing: being there is all.
async fn present<K>(
    client: &Client,
    namespace: &str,
    params: &ListParams,
) -> Result<Vec<ClusterObjectView>>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + DeserializeOwned,
{
    let kind = K::kind(&()).to_string();
    Ok(list::<K>(client, namespace, params)
        .await?
        .iter()
        .map(|object| view(&kind, object.name_any(), "present".to_owned()))
        .collect())
}

/// Every object of the tenant with its status, in the order a person reads them.
pub async fn objects(
    client: &Client,
    namespace: &str,
    key: &str,
) -> Result<Vec<ClusterObjectView>> {
    let mine = ListParams::default().labels(&apply::selector(key));
    let mut out = Vec::new();
    for d in list::<Deployment>(client, namespace, &mine).await? {
        let status = replicas(
            d.status.as_ref().and_then(|s| s.ready_replicas),
            d.spec.as_ref().and_then(|s| s.replicas),
        );
        out.push(view("Deployment", d.name_any(), status));
    }
    for s in list::<StatefulSet>(client, namespace, &mine).await? {
        let status = replicas(
            s.status.as_ref().and_then(|s| s.ready_replicas),
            s.spec.as_ref().and_then(|s| s.replicas),
        );
        out.push(view("StatefulSet", s.name_any(), status));
    }
    for c in list::<PersistentVolumeClaim>(client, namespace, &mine).await? {
        let phase = c.status.as_ref().and_then(|s| s.phase.clone());
        out.push(view(
            "PersistentVolumeClaim",
            c.name_any(),
            phase.unwrap_or_else(|| "Pending".to_owned()),
        ));
    }
    for s in list::<Service>(client, namespace, &mine).await? {
        let status = readiness::service_address(&s).map_or_else(
            || "no external address".to_owned(),
            |a| format!("address {a}"),
        );
        out.push(view("Service", s.name_any(), status));
    }
    for i in list::<Ingress>(client, namespace, &mine).await? {
        let status = readiness::ingress_address(&i).map_or_else(
            || "waiting for an address".to_owned(),
            |a| format!("address {a}"),
        );
        out.push(view("Ingress", i.name_any(), status));
    }
    out.extend(present::<ConfigMap>(client, namespace, &mine).await?);
    out.extend(present::<Secret>(client, namespace, &mine).await?);
    out.extend(present::<ServiceAccount>(client, namespace, &mine).await?);
    out.extend(present::<NetworkPolicy>(client, namespace, &mine).await?);
    Ok(out)
}
