//! Provisioning against the simulated cluster, through the real server's workers.

use std::time::Duration;

use app::domain::TenantState;
use app::error::AppError;
use app::ports::{TenantAdmin, TenantInspection};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, ObjectReference, PersistentVolumeClaim, ResourceQuota, Secret,
    Service,
};
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{ListParams, PostParams};
use kube::{Api, Client};
use server::tenants::TenantService;

use crate::on_both_databases;
use crate::support::operator;
use crate::support::{test_config, Backend, TestApp};

on_both_databases!(
    a_tenant_is_provisioned_to_ready_with_every_object,
    bad_tenant_requests_create_nothing,
    a_store_that_never_starts_ends_in_failed_with_the_reason,
    a_store_whose_quota_is_too_small_fails_at_once_with_the_quota_reason,
    a_slow_wait_notes_the_clusters_reason_in_the_timeline,
    deleting_removes_the_namespace_and_keeps_the_record,
    applying_again_prunes_what_is_no_longer_rendered,
);

pub(crate) async fn wait_for_state(
    tenants: &TenantService,
    subdomain: &str,
    wanted: TenantState,
) -> server::tenants::TenantDetail {
    for _ in 0..400 {
        let detail = tenants.show(subdomain).await.unwrap();
        let settled = detail.jobs.first().is_none_or(|job| job.is_finished());
        if detail.tenant.state == wanted && settled {
            return detail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{subdomain} never became {}", wanted.as_str());
}

/// The tenant service, with tenant `acme` (no owner) provisioned to ready.
async fn ready_acme(app: &TestApp) -> TenantService {
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    wait_for_state(&tenants, "acme", TenantState::Ready).await;
    tenants
}

async fn count<K>(client: &Client, namespace: &str) -> usize
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    api.list(&ListParams::default().labels("storefleet.io/subdomain=acme"))
        .await
        .unwrap()
        .items
        .len()
}

async fn a_tenant_is_provisioned_to_ready_with_every_object(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.signed_up("owner@example.com", "correct horse battery")
        .await;
    let tenants = app.tenants().await;
    let (tenant, job_id) = tenants
        .create(&operator(), "Acme", "starter", Some("owner@example.com"))
        .await
        .unwrap();
    assert_eq!(tenant.subdomain, "acme");
    assert_eq!(tenant.state, TenantState::Provisioning);
    assert_eq!(tenant.url, "https://acme.shops.test");

    let detail = wait_for_state(&tenants, "acme", TenantState::Ready).await;
    assert_eq!(
        detail.tenant.owner_email.as_deref(),
        Some("owner@example.com")
    );
    assert_eq!(detail.jobs[0].state.as_str(), "succeeded");

    let cluster = app.cluster();
    let name = app.namespace("acme").await;
    let namespace: Api<Namespace> = Api::all(cluster.clone());
    let ns = namespace.get(&name).await.unwrap();
    let labels = ns.metadata.labels.unwrap();
    assert_eq!(labels["storefleet.io/plan"], "starter");
    assert_eq!(labels["storefleet.io/subdomain"], "acme");
    assert_eq!(count::<Deployment>(&cluster, &name).await, 2);
    assert_eq!(count::<StatefulSet>(&cluster, &name).await, 1);
    assert_eq!(count::<ConfigMap>(&cluster, &name).await, 4);
    assert_eq!(count::<Secret>(&cluster, &name).await, 1);
    assert_eq!(count::<PersistentVolumeClaim>(&cluster, &name).await, 2);
    assert_eq!(count::<Service>(&cluster, &name).await, 3);
    assert_eq!(count::<Ingress>(&cluster, &name).await, 1);

    let events = tenants.events(&job_id, 0).await.unwrap();
    let done: Vec<&str> = events
        .iter()
        .filter(|e| e.kind.as_str() == "succeeded")
        .map(|e| e.step_name.as_str())
        .collect();
    assert_eq!(
        done,
        [
            "apply",
            "volumes",
            "database",
            "workloads",
            "address",
            "dns",
            "ready"
        ]
    );
    assert_eq!(events.last().unwrap().kind.as_str(), "finished");
    let later = tenants.events(&job_id, events[2].seq).await.unwrap();
    assert_eq!(
        later.len(),
        events.len() - 3,
        "a viewer resumes after the last event it saw"
    );
}

async fn bad_tenant_requests_create_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.signed_up("owner@example.com", "correct horse battery")
        .await;
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();

    let cases = [
        (
            "www",
            "starter",
            None,
            "\"www\" is reserved. Choose another subdomain.",
        ),
        (
            "-acme",
            "starter",
            None,
            "A subdomain cannot start or end with a hyphen.",
        ),
        (
            "xn--acme",
            "starter",
            None,
            "A subdomain cannot start with \"xn--\".",
        ),
        ("shop", "gold", None, "There is no plan named \"gold\"."),
        (
            "shop",
            "starter",
            Some("nobody@example.com"),
            "There is no account with the email nobody@example.com.",
        ),
    ];
    for (subdomain, plan, owner, message) in cases {
        let error = tenants
            .create(&operator(), subdomain, plan, owner)
            .await
            .unwrap_err();
        assert_eq!(error, AppError::Invalid(message.to_owned()), "{subdomain}");
    }
    let taken = tenants
        .create(&operator(), "ACME", "pro", None)
        .await
        .unwrap_err();
    assert_eq!(
        taken,
        AppError::Conflict("The subdomain \"acme\" is already taken.".into())
    );

    assert_eq!(app.scalar("SELECT COUNT(*) FROM tenants").await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, 1);
    // No tenant was recorded for them, so no namespace to look up: none carries their label.
    let namespaces: Api<Namespace> = Api::all(app.cluster());
    for refused in ["www", "shop"] {
        let labelled = ListParams::default().labels(&format!("storefleet.io/subdomain={refused}"));
        let found = namespaces.list(&labelled).await.unwrap().items;
        assert!(found.is_empty(), "{refused}: {found:?}");
    }
}

async fn a_store_that_never_starts_ends_in_failed_with_the_reason(backend: Backend) {
    let mut config = test_config();
    config.sim_failing_images = vec!["store-api:1.0.0".into()];
    // Far longer than the test takes: the failure must come from the cluster's events.
    config.job_step_timeout_secs = Some(120);
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();

    let detail = wait_for_state(&tenants, "acme", TenantState::Failed).await;
    let job = &detail.jobs[0];
    assert_eq!(job.state.as_str(), "failed");
    assert_eq!(
        job.steps_done, 3,
        "failed while waiting for the store to start"
    );
    let error = job.last_error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("Wait for the store to start: pod api-")
            && error.ends_with(": image ghcr.io/storefleet/store-api:1.0.0 not found"),
        "{error}"
    );
    let events = tenants.events(&job.id, 0).await.unwrap();
    assert_eq!(events.last().unwrap().kind.as_str(), "failed");
    assert!(
        !events.iter().any(|e| e.kind.as_str() == "retrying"),
        "a missing image is not retried"
    );
    let health = tenants
        .with_client(app.cluster())
        .health("acme")
        .await
        .unwrap();
    assert!(
        health.warnings.iter().any(|w| w.ends_with("not found")),
        "{:?}",
        health.warnings
    );
}

async fn a_store_whose_quota_is_too_small_fails_at_once_with_the_quota_reason(backend: Backend) {
    let mut config = test_config();
    config.job_step_timeout_secs = Some(120);
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    // The first starter plan: its CPU limits add up to 2.5. The fit check refuses such a
    // plan when it is stored; the database is changed behind its back.
    app.execute(
        r#"UPDATE plans SET quota = '{"cpu":"1","memory":"2Gi","storage":"20Gi","pods":10}' WHERE name = 'starter'"#,
    )
    .await;
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();

    let detail = wait_for_state(&tenants, "acme", TenantState::Failed).await;
    let job = &detail.jobs[0];
    // The workloads are applied at once, so which pod the quota admits first varies, as on a
    // real cluster; whichever is refused fails its wait at once, with the quota's words.
    let error = job.last_error.clone().unwrap_or_default();
    let waited = [
        "Wait for the database: pod ",
        "Wait for the store to start: pod ",
    ];
    assert!(
        waited.iter().any(|w| error.starts_with(w))
            && error.ends_with(" forbidden: exceeded quota: plan, limits.cpu"),
        "{error}"
    );
    assert!((2..=3).contains(&job.steps_done), "{}", job.steps_done);
    let events = tenants.events(&job.id, 0).await.unwrap();
    assert!(!events.iter().any(|e| e.kind.as_str() == "retrying"));

    // The cluster shows the same: the quota full with one pod, the others refused.
    let quotas: Api<ResourceQuota> = Api::namespaced(app.cluster(), &app.namespace("acme").await);
    let used = quotas
        .get("plan")
        .await
        .unwrap()
        .status
        .unwrap()
        .used
        .unwrap();
    assert!(
        ["500m", "1"].contains(&used["limits.cpu"].0.as_str()),
        "{:?}",
        used["limits.cpu"]
    );
    assert_eq!(used["pods"].0, "1");
    let health = tenants
        .with_client(app.cluster())
        .health("acme")
        .await
        .unwrap();
    assert_eq!(health.pods_total, 1);
    assert!(
        health
            .warnings
            .iter()
            .any(|w| w.ends_with(" forbidden: exceeded quota: plan, limits.cpu")),
        "{:?}",
        health.warnings
    );
}

async fn a_slow_wait_notes_the_clusters_reason_in_the_timeline(backend: Backend) {
    let mut config = test_config();
    config.sim_ready_delay_ms = 1500;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    // While the claims are not bound yet, the storage provisioner complains (as a real one
    // does about a missing StorageClass, until someone creates it).
    let namespace = app.namespace("acme").await;
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(app.cluster(), &namespace);
    for _ in 0..100 {
        if claims.get_opt("files").await.unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let events: Api<Event> = Api::namespaced(app.cluster(), &namespace);
    let complaint = Event {
        metadata: kube::api::ObjectMeta {
            name: Some("files.provisioning".into()),
            ..Default::default()
        },
        involved_object: ObjectReference {
            kind: Some("PersistentVolumeClaim".into()),
            name: Some("files".into()),
            namespace: Some(namespace.clone()),
            ..Default::default()
        },
        type_: Some("Warning".into()),
        reason: Some("ProvisioningFailed".into()),
        message: Some("storageclass.storage.k8s.io \"fast\" not found".into()),
        ..Default::default()
    };
    events
        .create(&PostParams::default(), &complaint)
        .await
        .unwrap();

    let detail = wait_for_state(&tenants, "acme", TenantState::Ready).await;
    let timeline = tenants.events(&detail.jobs[0].id, 0).await.unwrap();
    let notes: Vec<&str> = timeline
        .iter()
        .filter(|e| e.kind.as_str() == "waiting")
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        notes,
        ["Wait for volumes to be bound: persistentvolumeclaim files: ProvisioningFailed: storageclass.storage.k8s.io \"fast\" not found"],
        "noted once, and the step went on waiting"
    );
}

async fn deleting_removes_the_namespace_and_keeps_the_record(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let tenants = ready_acme(&app).await;
    let namespace = app.namespace("acme").await;

    tenants.delete(&operator(), "acme").await.unwrap();
    let detail = wait_for_state(&tenants, "acme", TenantState::Deleted).await;
    assert_eq!(detail.jobs.len(), 2);
    let namespaces: Api<Namespace> = Api::all(app.cluster());
    assert!(namespaces.get_opt(&namespace).await.unwrap().is_none());
    let again = tenants.delete(&operator(), "acme").await.unwrap_err();
    assert!(matches!(again, AppError::Conflict(_)), "{again:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenant_transitions WHERE tenant_id = (SELECT id FROM tenants WHERE subdomain = 'acme')").await,
        4,
        "provisioning → ready → deleting → deleted, each recorded"
    );
}

async fn applying_again_prunes_what_is_no_longer_rendered(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let tenants = ready_acme(&app).await;

    let cluster = app.cluster();
    let namespace = app.namespace("acme").await;
    let maps: Api<ConfigMap> = Api::namespaced(cluster.clone(), &namespace);
    // Labelled as the store's own objects are (its namespace key, subdomain, manager).
    let ours = maps
        .list(&ListParams::default().labels("storefleet.io/subdomain=acme"))
        .await
        .unwrap()
        .items;
    let mut stale = ConfigMap::default();
    stale.metadata.name = Some("stale".into());
    stale.metadata.labels = ours[0].metadata.labels.clone();
    maps.create(&PostParams::default(), &stale).await.unwrap();
    let mut foreign = ConfigMap::default();
    foreign.metadata.name = Some("operator-notes".into());
    maps.create(&PostParams::default(), &foreign).await.unwrap();
    assert_eq!(count::<ConfigMap>(&cluster, &namespace).await, 5);

    // A re-provision applies the same render again.
    app.execute("UPDATE tenants SET state = 'failed' WHERE subdomain = 'acme'")
        .await;
    let id: String = {
        let db = server::db::Db::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar("SELECT id FROM tenants WHERE subdomain = 'acme'")
            .fetch_one(&db.pool)
            .await
            .unwrap()
    };
    let db = server::db::Db::connect(&app.db.url).await.unwrap();
    server::db::tenants::transition(
        &db.pool,
        &id,
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

    assert!(maps.get_opt("stale").await.unwrap().is_none(), "pruned");
    assert!(
        maps.get_opt("operator-notes").await.unwrap().is_some(),
        "not ours: kept"
    );
    assert_eq!(count::<ConfigMap>(&cluster, &namespace).await, 4);
    assert_eq!(
        count::<Deployment>(&cluster, &namespace).await,
        2,
        "no duplicates"
    );
}
