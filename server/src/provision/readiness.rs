//! Whether a tenant's objects are ready: pure judgements over objects read from the cluster,
//! and the reads themselves.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use std::collections::HashSet;

use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod, PodSpec, Service};
use k8s_openapi::api::networking::v1::Ingress;
use kube::{Api, Client};

use super::apply::{ApplyError, Result};

/// Where a readiness check stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Everything checked is ready.
    Ready,
    /// Not yet; says what is still missing.
    Pending(String),
}

/// A claim is bound to a volume.
pub fn claim_bound(claim: &PersistentVolumeClaim) -> bool {
    claim.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
}

/// Every wanted replica of the StatefulSet is ready and on its newest revision.
pub fn stateful_set_ready(set: &StatefulSet) -> bool {
    let wanted = set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let Some(status) = set.status.as_ref() else {
        return false;
    };
    let ready = status.ready_replicas.unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    let observed = status.observed_generation.unwrap_or(0);
    let rolled_out = match (&status.current_revision, &status.update_revision) {
        (Some(current), Some(update)) => current == update,
        _ => true,
    };
    ready >= wanted
        && updated >= wanted
        && rolled_out
        && observed >= set.metadata.generation.unwrap_or(0)
}

/// Every wanted replica of the Deployment is updated and available.
pub fn deployment_ready(deployment: &Deployment) -> bool {
    let wanted = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let status = deployment.status.as_ref();
    let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
    let updated = status.and_then(|s| s.updated_replicas).unwrap_or(0);
    let observed = status.and_then(|s| s.observed_generation).unwrap_or(0);
    available >= wanted
        && updated >= wanted
        && observed >= deployment.metadata.generation.unwrap_or(0)
}

/// No pod of the Deployment is left (it was scaled to zero and the controller saw it).
pub fn deployment_stopped(deployment: &Deployment) -> bool {
    let wanted = deployment.spec.as_ref().and_then(|s| s.replicas);
    let status = deployment.status.as_ref();
    let running = status.and_then(|s| s.replicas).unwrap_or(0);
    let observed = status.and_then(|s| s.observed_generation).unwrap_or(0);
    wanted == Some(0) && running == 0 && observed >= deployment.metadata.generation.unwrap_or(0)
}

/// No pod of the StatefulSet is left.
pub fn stateful_set_stopped(set: &StatefulSet) -> bool {
    let wanted = set.spec.as_ref().and_then(|s| s.replicas);
    let status = set.status.as_ref();
    let running = status.map_or(0, |s| s.replicas);
    let observed = status.and_then(|s| s.observed_generation).unwrap_or(0);
    wanted == Some(0) && running == 0 && observed >= set.metadata.generation.unwrap_or(0)
}

/// The address an Ingress was given, if any.
pub fn ingress_address(ingress: &Ingress) -> Option<String> {
    let first = ingress
        .status
        .as_ref()?
        .load_balancer
        .as_ref()?
        .ingress
        .as_ref()?
        .first()?
        .clone();
    first.ip.or(first.hostname)
}

/// The address a LoadBalancer Service was given, if any.
pub fn service_address(service: &Service) -> Option<String> {
    let first = service
        .status
        .as_ref()?
        .load_balancer
        .as_ref()?
        .ingress
        .as_ref()?
        .first()?
        .clone();
    first.ip.or(first.hostname)
}

fn pending(kind: &str, names: Vec<String>) -> Readiness {
    if names.is_empty() {
        Readiness::Ready
    } else {
        Readiness::Pending(format!("{kind} not ready yet: {}", names.join(", ")))
    }
}

fn read_failed(kind: &'static str, name: &str) -> impl FnOnce(kube::Error) -> ApplyError {
    let name = name.to_owned();
    move |source| ApplyError::Kube {
        action: "reading",
        kind: kind.to_owned(),
        name,
        source,
    }
}

/// Reads each named object and judges it; a missing object is not ready.
async fn check<K>(
    client: &Client,
    namespace: &str,
    names: &[String],
    what: &str,
    ready: fn(&K) -> bool,
) -> Result<Readiness>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned,
{
    judge(client, namespace, names, what, ready, false).await
}

/// Reads each named object and judges it; `missing_is_fine` for checks that something is
/// gone or stopped.
async fn judge<K>(
    client: &Client,
    namespace: &str,
    names: &[String],
    what: &str,
    ready: fn(&K) -> bool,
    missing_is_fine: bool,
) -> Result<Readiness>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let kind = K::kind(&()).to_string();
    let mut missing = Vec::new();
    for name in names {
        let object = api.get_opt(name).await.map_err(|source| ApplyError::Kube {
            action: "reading",
            kind: kind.clone(),
            name: name.clone(),
            source,
        })?;
        match object {
            Some(object) if ready(&object) => {}
            Some(_) => missing.push(name.clone()),
            None if missing_is_fine => {}
            None => missing.push(format!("{name} (missing)")),
        }
    }
    Ok(pending(what, missing))
}

/// The named claims are bound.
pub async fn volumes(client: &Client, namespace: &str, names: &[String]) -> Result<Readiness> {
    check::<PersistentVolumeClaim>(client, namespace, names, "volumes", claim_bound).await
}

/// The named StatefulSets (databases) are ready.
pub async fn databases(client: &Client, namespace: &str, names: &[String]) -> Result<Readiness> {
    check::<StatefulSet>(client, namespace, names, "database", stateful_set_ready).await
}

/// The named Deployments are available.
pub async fn workloads(client: &Client, namespace: &str, names: &[String]) -> Result<Readiness> {
    check::<Deployment>(client, namespace, names, "workloads", deployment_ready).await
}

/// The named Deployments and StatefulSets run no pod (or are gone).
pub async fn stopped(
    client: &Client,
    namespace: &str,
    deployments: &[String],
    databases: &[String],
) -> Result<Readiness> {
    let first = judge::<Deployment>(
        client,
        namespace,
        deployments,
        "stopping",
        deployment_stopped,
        true,
    )
    .await?;
    if first != Readiness::Ready {
        return Ok(first);
    }
    judge::<StatefulSet>(
        client,
        namespace,
        databases,
        "stopping",
        stateful_set_stopped,
        true,
    )
    .await
}

/// The namespace's Warning events, which say why something is not ready.
pub async fn warnings(client: &Client, namespace: &str) -> Result<Vec<Event>> {
    let api: Api<Event> = Api::namespaced(client.clone(), namespace);
    match api.list(&kube::api::ListParams::default()).await {
        Ok(list) => Ok(list
            .items
            .into_iter()
            .filter(|e| e.type_.as_deref() == Some("Warning"))
            .collect()),
        // A namespace not created yet (or gone) has no events.
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Vec::new()),
        Err(source) => Err(read_failed("Event", namespace)(source)),
    }
}

/// The images a pod spec runs, sorted.
fn images(spec: Option<&PodSpec>) -> Vec<String> {
    let mut images: Vec<String> = spec
        .map(|s| {
            s.containers
                .iter()
                .filter_map(|c| c.image.clone())
                .collect()
        })
        .unwrap_or_default();
    images.sort();
    images
}

/// The pods that run what their Deployment now asks for: not being deleted, and (for a pod of
/// a Deployment) with the images of its Deployment's template. The others belong to an earlier
/// version on its way out, or are gone; what they report (an image that was never found, say)
/// is not about the version a step waits for.
pub fn current(deployments: &[Deployment], pods: &[Pod]) -> HashSet<String> {
    let wanted = |pod: &Pod| -> Option<Vec<String>> {
        let set = pod
            .metadata
            .owner_references
            .as_ref()?
            .iter()
            .find(|o| o.kind == "ReplicaSet")?;
        let deployment = deployments.iter().find(|d| {
            let name = d.metadata.name.as_deref().unwrap_or_default();
            set.name
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|hash| !hash.is_empty() && !hash.contains('-'))
        })?;
        Some(images(
            deployment
                .spec
                .as_ref()
                .and_then(|s| s.template.spec.as_ref()),
        ))
    };
    pods.iter()
        .filter(|pod| pod.metadata.deletion_timestamp.is_none())
        .filter(|pod| {
            wanted(pod).is_none_or(|images_wanted| images(pod.spec.as_ref()) == images_wanted)
        })
        .filter_map(|pod| pod.metadata.name.clone())
        .collect()
}

/// The namespace's [`current`] pods.
pub async fn current_pods(client: &Client, namespace: &str) -> Result<HashSet<String>> {
    let params = kube::api::ListParams::default();
    let deployments = Api::<Deployment>::namespaced(client.clone(), namespace)
        .list(&params)
        .await
        .map_err(read_failed("Deployment", namespace))?;
    let pods = Api::<Pod>::namespaced(client.clone(), namespace)
        .list(&params)
        .await
        .map_err(read_failed("Pod", namespace))?;
    Ok(current(&deployments.items, &pods.items))
}

/// The public address of the tenant's Ingress or LoadBalancer Service named `name`.
pub async fn address(client: &Client, namespace: &str, name: &str) -> Result<Option<String>> {
    let ingresses: Api<Ingress> = Api::namespaced(client.clone(), namespace);
    if let Some(ingress) = ingresses
        .get_opt(name)
        .await
        .map_err(read_failed("Ingress", name))?
    {
        return Ok(ingress_address(&ingress));
    }
    let services: Api<Service> = Api::namespaced(client.clone(), namespace);
    Ok(services
        .get_opt(name)
        .await
        .map_err(read_failed("Service", name))?
        .as_ref()
        .and_then(service_address))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{DeploymentSpec, DeploymentStatus};
    use k8s_openapi::api::core::v1::PersistentVolumeClaimStatus;

    fn deployment(
        generation: i64,
        replicas: i32,
        available: i32,
        updated: i32,
        observed: i64,
    ) -> Deployment {
        let mut d = Deployment::default();
        d.metadata.generation = Some(generation);
        d.spec = Some(DeploymentSpec {
            replicas: Some(replicas),
            ..Default::default()
        });
        d.status = Some(DeploymentStatus {
            available_replicas: Some(available),
            updated_replicas: Some(updated),
            observed_generation: Some(observed),
            ..Default::default()
        });
        d
    }

    #[test]
    fn only_pods_of_the_version_a_deployment_asks_for_are_current() {
        let deployments: Vec<Deployment> = vec![serde_json::from_value(serde_json::json!({
            "metadata": { "name": "api" },
            "spec": {
                "selector": {},
                "template": { "spec": { "containers": [{ "name": "api", "image": "api:1.0.0" }] } }
            }
        }))
        .unwrap()];
        let pod = |name: &str, set: &str, image: &str, deleting: bool| -> Pod {
            let mut pod: Pod = serde_json::from_value(serde_json::json!({
                "metadata": {
                    "name": name,
                    "ownerReferences": [{
                        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": set, "uid": "u"
                    }]
                },
                "spec": { "containers": [{ "name": "c", "image": image }] }
            }))
            .unwrap();
            if deleting {
                pod.metadata.deletion_timestamp =
                    Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                        k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
                    ));
            }
            pod
        };
        let pods = vec![
            pod("api-new-a", "api-new", "api:1.0.0", false),
            pod("api-old-b", "api-old", "api:never-ready", false),
            pod("api-new-c", "api-new", "api:1.0.0", true),
            pod("database-0", "unowned-set", "postgres:16", false),
        ];
        let mut current: Vec<String> = super::current(&deployments, &pods).into_iter().collect();
        current.sort();
        assert_eq!(current, ["api-new-a", "database-0"]);
    }

    #[test]
    fn a_deployment_is_ready_when_every_replica_of_its_generation_is_available() {
        assert!(deployment_ready(&deployment(2, 2, 2, 2, 2)));
        assert!(
            !deployment_ready(&deployment(2, 2, 1, 2, 2)),
            "one replica missing"
        );
        assert!(
            !deployment_ready(&deployment(3, 2, 2, 2, 2)),
            "new generation not observed"
        );
        assert!(
            !deployment_ready(&deployment(2, 2, 2, 1, 2)),
            "old pods still serving"
        );
        assert!(!deployment_ready(&Deployment::default()), "no status yet");
    }

    #[test]
    fn a_stateful_set_is_ready_once_rolled_out() {
        use k8s_openapi::api::apps::v1::{StatefulSetSpec, StatefulSetStatus};
        let set = |ready: i32, updated: i32, current: &str, update: &str| StatefulSet {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                generation: Some(1),
                ..Default::default()
            },
            spec: Some(StatefulSetSpec {
                replicas: Some(1),
                ..Default::default()
            }),
            status: Some(StatefulSetStatus {
                ready_replicas: Some(ready),
                updated_replicas: Some(updated),
                observed_generation: Some(1),
                current_revision: Some(current.into()),
                update_revision: Some(update.into()),
                ..Default::default()
            }),
        };
        assert!(stateful_set_ready(&set(1, 1, "r2", "r2")));
        assert!(
            !stateful_set_ready(&set(1, 1, "r1", "r2")),
            "old revision still current"
        );
        assert!(
            !stateful_set_ready(&set(1, 0, "r2", "r2")),
            "pod not updated yet"
        );
        assert!(!stateful_set_ready(&set(0, 1, "r2", "r2")), "pod not ready");
        assert!(
            !stateful_set_ready(&StatefulSet::default()),
            "no status yet"
        );
    }

    #[test]
    fn a_claim_is_ready_once_bound() {
        let mut claim = PersistentVolumeClaim::default();
        assert!(!claim_bound(&claim));
        claim.status = Some(PersistentVolumeClaimStatus {
            phase: Some("Pending".into()),
            ..Default::default()
        });
        assert!(!claim_bound(&claim));
        claim.status.as_mut().unwrap().phase = Some("Bound".into());
        assert!(claim_bound(&claim));
    }

    #[test]
    fn pending_lists_what_is_missing() {
        assert_eq!(pending("workloads", vec![]), Readiness::Ready);
        assert_eq!(
            pending("workloads", vec!["api".into(), "web".into()]),
            Readiness::Pending("workloads not ready yet: api, web".into())
        );
    }
}
