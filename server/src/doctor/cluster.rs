//! The cluster: its API server answers, and grants every permission the engine needs
//! (one `SelfSubjectAccessReview` per verb and resource of the engine's ClusterRole).

use futures_util::{stream, StreamExt};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::PostParams;
use kube::Api;

use app::domain::system::SystemCheck;

use super::permissions::{self, Permission};
use super::ClusterSubject;

const NAME: &str = "cluster";

/// How many reviews are asked at once.
const AT_ONCE: usize = 8;

/// Checks the cluster, or says why it could not be connected to.
pub async fn check(cluster: Result<&ClusterSubject<'_>, &String>) -> SystemCheck {
    let unreachable_fix = "check the kubeconfig (KUBECONFIG) or the in-cluster service \
                           account, and that the API server is reachable from here";
    let cluster = match cluster {
        Ok(cluster) => cluster,
        Err(error) => {
            return SystemCheck::failed(NAME, format!("cannot connect: {error}"), unreachable_fix)
        }
    };
    let version = match cluster.client.apiserver_version().await {
        Ok(info) => info.git_version,
        Err(error) => {
            return SystemCheck::failed(
                NAME,
                format!("the API server does not answer: {error}"),
                unreachable_fix,
            )
        }
    };
    let needed = permissions::engine();
    let answers: Vec<(Permission, Result<bool, kube::Error>)> = stream::iter(needed.clone())
        .map(|permission| async move {
            let allowed = allowed(cluster.client, &permission).await;
            (permission, allowed)
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    let mut denied: Vec<String> = Vec::new();
    for (permission, answer) in answers {
        match answer {
            Ok(true) => {}
            Ok(false) => denied.push(permission.to_string()),
            Err(error) => {
                return SystemCheck::failed(
                    NAME,
                    format!("asking whether it may {permission}: {error}"),
                    unreachable_fix,
                )
            }
        }
    }
    denied.sort();
    let which = if cluster.simulated {
        "the simulated cluster (nothing runs on Kubernetes)"
    } else {
        "Kubernetes"
    };
    if denied.is_empty() {
        let mut check = SystemCheck::passed(
            NAME,
            format!(
                "{which} {version}: all {} permissions the engine needs are granted",
                needed.len()
            ),
        );
        if cluster.simulated {
            check.fix = Some(
                "to drive a real cluster, give the server a kubeconfig (KUBECONFIG) or run it \
                 in the cluster, and set STOREFLEET_CLUSTER=kubernetes; docs/operating.md \
                 walks through it"
                    .to_owned(),
            );
        }
        check
    } else {
        SystemCheck::failed(
            NAME,
            format!(
                "{which} {version}: {} of {} permissions the engine needs are missing: may not {}",
                denied.len(),
                needed.len(),
                denied.join(", ")
            ),
            "apply deploy/kubernetes/base/rbac.yaml and bind its ClusterRole storefleet-engine \
             to the identity storefleet runs as",
        )
    }
}

/// Whether the cluster lets this client do `permission` in every namespace.
async fn allowed(client: &kube::Client, permission: &Permission) -> Result<bool, kube::Error> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(permission.verb.clone()),
                group: Some(permission.group.clone()),
                resource: Some(permission.resource.clone()),
                subresource: permission.subresource.clone(),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let answered = Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await?;
    Ok(answered.status.is_some_and(|status| status.allowed))
}
