//! Pruning reaches every kind it prunes: a labelled object of each kind that the render no
//! longer contains is deleted by the next apply, and volumes are left alone.

use std::fmt::Debug;

use app::domain::TenantState;
use app::ports::TenantAdmin;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, ResourceQuota, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::NamespaceResourceScope;
use kube::api::{ListParams, PostParams};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::on_both_databases;
use crate::provisioning::wait_for_state;
use crate::support::operator;
use crate::support::{Backend, TestApp};

on_both_databases!(a_reprovision_prunes_a_stale_object_of_every_kind);

/// Copies one of the tenant's objects of kind `K` in its `namespace` under the name `stale`,
/// labels and all.
async fn plant_stale<K>(client: &Client, namespace: &str)
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + Serialize
        + DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let mine = ListParams::default().labels("storefleet.io/subdomain=acme");
    let mut stale = api.list(&mine).await.unwrap().items.remove(0);
    let meta = stale.meta_mut();
    meta.name = Some("stale".to_owned());
    meta.resource_version = None;
    meta.uid = None;
    meta.creation_timestamp = None;
    meta.managed_fields = None;
    api.create(&PostParams::default(), &stale).await.unwrap();
}

async fn is_gone<K>(client: &Client, namespace: &str) -> bool
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + Debug
        + DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    api.get_opt("stale").await.unwrap().is_none()
}

async fn a_reprovision_prunes_a_stale_object_of_every_kind(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    wait_for_state(&tenants, "acme", TenantState::Ready).await;

    let cluster = app.cluster();
    let namespace = app.namespace("acme").await;
    plant_stale::<Ingress>(&cluster, &namespace).await;
    plant_stale::<Service>(&cluster, &namespace).await;
    plant_stale::<Deployment>(&cluster, &namespace).await;
    plant_stale::<StatefulSet>(&cluster, &namespace).await;
    plant_stale::<ConfigMap>(&cluster, &namespace).await;
    plant_stale::<Secret>(&cluster, &namespace).await;
    plant_stale::<ServiceAccount>(&cluster, &namespace).await;
    plant_stale::<NetworkPolicy>(&cluster, &namespace).await;
    plant_stale::<LimitRange>(&cluster, &namespace).await;
    plant_stale::<ResourceQuota>(&cluster, &namespace).await;

    let tenant = tenants.show("acme").await.unwrap().tenant;
    let db = server::db::Db::connect(&app.db.url).await.unwrap();
    app.execute("UPDATE tenants SET state = 'failed' WHERE subdomain = 'acme'")
        .await;
    server::db::tenants::transition(
        &db.pool,
        tenant.id.as_str(),
        TenantState::Failed,
        TenantState::Provisioning,
        "test",
        Some(server::jobs::JobKind::Provision),
        &[],
        server::clock::now_ms(),
    )
    .await
    .unwrap()
    .unwrap();
    wait_for_state(&tenants, "acme", TenantState::Ready).await;

    let gone = [
        ("Ingress", is_gone::<Ingress>(&cluster, &namespace).await),
        ("Service", is_gone::<Service>(&cluster, &namespace).await),
        (
            "Deployment",
            is_gone::<Deployment>(&cluster, &namespace).await,
        ),
        (
            "StatefulSet",
            is_gone::<StatefulSet>(&cluster, &namespace).await,
        ),
        (
            "ConfigMap",
            is_gone::<ConfigMap>(&cluster, &namespace).await,
        ),
        ("Secret", is_gone::<Secret>(&cluster, &namespace).await),
        (
            "ServiceAccount",
            is_gone::<ServiceAccount>(&cluster, &namespace).await,
        ),
        (
            "NetworkPolicy",
            is_gone::<NetworkPolicy>(&cluster, &namespace).await,
        ),
        (
            "LimitRange",
            is_gone::<LimitRange>(&cluster, &namespace).await,
        ),
        (
            "ResourceQuota",
            is_gone::<ResourceQuota>(&cluster, &namespace).await,
        ),
    ];
    let kept: Vec<&str> = gone
        .iter()
        .filter(|(_, gone)| !gone)
        .map(|(kind, _)| *kind)
        .collect();
    assert!(kept.is_empty(), "not pruned: {kept:?}");
}
