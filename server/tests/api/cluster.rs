//! The simulated cluster, seen the way the engine sees any cluster: through typed
//! `kube::Api` calls. No database is needed.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, Event, Namespace, PersistentVolumeClaim, PersistentVolumeClaimSpec, Pod,
    PodSpec, PodTemplateSpec, Service, ServicePort, ServiceSpec, VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::Client;
use server::cluster::{SimCluster, SimOptions};

const MANAGER: &str = "storefleet";
const DELAY: Duration = Duration::from_millis(200);
/// How long a poll waits for the simulated controllers before the test fails.
const DEADLINE: Duration = Duration::from_secs(5);

async fn cluster(options: SimOptions) -> SimCluster {
    SimCluster::start(SimOptions {
        ready_delay: DELAY,
        namespace_delete_delay: DELAY,
        ..options
    })
    .await
    .expect("simulated cluster starts")
}

fn apply() -> PatchParams {
    PatchParams::apply(MANAGER).force()
}

fn meta(name: &str, labels: &[(&str, &str)]) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        labels: Some(
            labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ),
        ..Default::default()
    }
}

async fn namespace(client: &Client, name: &str) -> Namespace {
    let namespace = Namespace {
        metadata: meta(name, &[("storefleet.io/tenant", name)]),
        ..Default::default()
    };
    Api::<Namespace>::all(client.clone())
        .patch(name, &apply(), &Patch::Apply(&namespace))
        .await
        .expect("namespace applied")
}

fn config_map(name: &str, labels: &[(&str, &str)], value: &str) -> ConfigMap {
    ConfigMap {
        metadata: meta(name, labels),
        data: Some(BTreeMap::from([("value".to_owned(), value.to_owned())])),
        ..Default::default()
    }
}

fn deployment(name: &str, image: &str, replicas: i32) -> Deployment {
    let labels = [("app", name)];
    Deployment {
        metadata: meta(name, &labels),
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector {
                match_labels: meta(name, &labels).labels,
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(meta(name, &labels)),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "app".to_owned(),
                        image: Some(image.to_owned()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn version(meta: &ObjectMeta) -> u64 {
    let version = meta.resource_version.as_deref().expect("resourceVersion");
    version.parse().expect("numeric resourceVersion")
}

fn names<K: kube::Resource>(objects: impl IntoIterator<Item = K>) -> Vec<String> {
    let mut names: Vec<String> = objects
        .into_iter()
        .map(|o| o.meta().name.clone().unwrap_or_default())
        .collect();
    names.sort();
    names
}

fn is_ready(deployment: &Deployment) -> bool {
    let wanted = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let status = deployment.status.clone().unwrap_or_default();
    status.observed_generation == deployment.metadata.generation
        && status.updated_replicas.unwrap_or(0) == wanted
        && status.ready_replicas.unwrap_or(0) == wanted
        && status.available_replicas.unwrap_or(0) == wanted
}

/// Polls `check` until it gives a value or the deadline passes.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn api_error(result: Result<impl std::fmt::Debug, kube::Error>) -> (u16, String) {
    match result {
        Err(kube::Error::Api(status)) => (status.code, status.reason),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn apply_creates_then_updates() {
    let sim = cluster(SimOptions::default()).await;
    let client = sim.client();
    let ns = namespace(&client, "store-alice").await;
    assert_eq!(ns.status.and_then(|s| s.phase).as_deref(), Some("Active"));
    let fetched = Api::<Namespace>::all(client.clone())
        .get("store-alice")
        .await
        .unwrap();
    assert!(fetched.metadata.uid.is_some());
    assert!(fetched.metadata.creation_timestamp.is_some());
    let labels = fetched.metadata.labels.unwrap_or_default();
    assert_eq!(labels["storefleet.io/tenant"], "store-alice");
    assert_eq!(labels["kubernetes.io/metadata.name"], "store-alice");

    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "store-alice");
    let first = maps
        .patch(
            "settings",
            &apply(),
            &Patch::Apply(config_map("settings", &[], "one")),
        )
        .await
        .unwrap();
    let again = maps
        .patch(
            "settings",
            &apply(),
            &Patch::Apply(config_map("settings", &[], "one")),
        )
        .await
        .unwrap();
    assert_eq!(
        version(&again.metadata),
        version(&first.metadata),
        "a no-op apply"
    );

    maps.patch(
        "settings",
        &apply(),
        &Patch::Apply(config_map("settings", &[], "two")),
    )
    .await
    .unwrap();
    let updated = maps.get("settings").await.unwrap();
    assert_eq!(updated.data.unwrap()["value"], "two");
    assert!(version(&updated.metadata) > version(&first.metadata));
    assert_eq!(updated.metadata.uid, first.metadata.uid);
    assert_eq!(updated.metadata.namespace.as_deref(), Some("store-alice"));
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn label_selectors_return_exactly_the_matching_objects() {
    let sim = cluster(SimOptions::default()).await;
    let client = sim.client();
    for ns in ["store-a", "store-b"] {
        namespace(&client, ns).await;
    }
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "store-a");
    for (name, labels) in [
        ("web", &[("tier", "web"), ("app", "shop")][..]),
        ("db", &[("tier", "db"), ("app", "shop")][..]),
        ("plain", &[("app", "blog")][..]),
    ] {
        maps.create(&PostParams::default(), &config_map(name, labels, "x"))
            .await
            .unwrap();
    }
    let elsewhere: Api<ConfigMap> = Api::namespaced(client.clone(), "store-b");
    elsewhere
        .create(
            &PostParams::default(),
            &config_map("web", &[("tier", "web")], "x"),
        )
        .await
        .unwrap();

    for (selector, expected) in [
        ("tier=web", &["web"][..]),
        ("tier!=web", &["db", "plain"][..]),
        ("tier", &["db", "web"][..]),
        ("!tier", &["plain"][..]),
        ("app=shop,tier!=db", &["web"][..]),
        ("app=none", &[][..]),
    ] {
        let list = maps
            .list(&ListParams::default().labels(selector))
            .await
            .unwrap();
        assert_eq!(names(list), expected, "{selector}");
    }
    let everywhere: Api<ConfigMap> = Api::all(client.clone());
    let list = everywhere
        .list(&ListParams::default().labels("tier=web"))
        .await
        .unwrap();
    let places: Vec<_> = list
        .items
        .iter()
        .map(|m| m.metadata.namespace.clone().unwrap_or_default())
        .collect();
    assert_eq!(places, ["store-a", "store-b"]);

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "store-b");
    deployments
        .patch(
            "web",
            &apply(),
            &Patch::Apply(deployment("web", "shop:1", 1)),
        )
        .await
        .unwrap();
    let all = Api::<Deployment>::all(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(names(all), ["web"]);
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn refusals_carry_the_api_servers_codes() {
    let sim = cluster(SimOptions::default()).await;
    let client = sim.client();
    namespace(&client, "store-a").await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "store-a");
    let settings = config_map("settings", &[], "x");
    maps.create(&PostParams::default(), &settings)
        .await
        .unwrap();

    assert_eq!(
        api_error(maps.create(&PostParams::default(), &settings).await),
        (409, "AlreadyExists".to_owned())
    );
    assert_eq!(
        api_error(maps.get("missing").await),
        (404, "NotFound".to_owned())
    );
    let nowhere: Api<ConfigMap> = Api::namespaced(client.clone(), "no-such-namespace");
    assert_eq!(
        api_error(nowhere.create(&PostParams::default(), &settings).await),
        (404, "NotFound".to_owned())
    );
    let renamed = maps
        .patch("other", &apply(), &Patch::Apply(&settings))
        .await;
    assert_eq!(api_error(renamed), (422, "Invalid".to_owned()));
    // A kind the simulated cluster does not serve.
    let cron_jobs: Api<k8s_openapi::api::batch::v1::CronJob> =
        Api::namespaced(client.clone(), "store-a");
    assert_eq!(
        api_error(cron_jobs.list(&ListParams::default()).await),
        (404, "NotFound".to_owned())
    );

    let deleted = maps
        .delete("settings", &DeleteParams::default())
        .await
        .unwrap();
    assert!(
        deleted.is_right(),
        "a ConfigMap's deletion answers with a Status"
    );
    assert_eq!(
        api_error(maps.get("settings").await),
        (404, "NotFound".to_owned())
    );
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_deployment_becomes_ready_after_the_delay() {
    let sim = cluster(SimOptions::default()).await;
    let client = sim.client();
    namespace(&client, "store-a").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "store-a");
    let applied = deployments
        .patch(
            "web",
            &apply(),
            &Patch::Apply(deployment("web", "shop:1", 2)),
        )
        .await
        .unwrap();
    assert!(!is_ready(&applied), "not ready the moment it is created");

    let ready = eventually("web ready", || async {
        deployments.get("web").await.ok().filter(is_ready)
    })
    .await;
    assert_eq!(ready.status.unwrap().ready_replicas, Some(2));

    let rolled = deployments
        .patch(
            "web",
            &apply(),
            &Patch::Apply(deployment("web", "shop:2", 2)),
        )
        .await
        .unwrap();
    assert_eq!(rolled.metadata.generation, Some(2));
    assert!(!is_ready(&rolled), "a new image restarts the rollout");
    eventually("web ready again", || async {
        deployments.get("web").await.ok().filter(is_ready)
    })
    .await;
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_deployment_with_a_failing_image_never_becomes_ready() {
    let sim = cluster(SimOptions {
        failing_images: vec!["broken".to_owned()],
        ..SimOptions::default()
    })
    .await;
    let client = sim.client();
    namespace(&client, "store-a").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "store-a");
    for (name, image) in [("good", "shop:1"), ("bad", "registry.example/broken:1")] {
        deployments
            .patch(name, &apply(), &Patch::Apply(deployment(name, image, 1)))
            .await
            .unwrap();
    }
    // The healthy one becoming ready shows the delay has passed for both.
    eventually("good ready", || async {
        deployments.get("good").await.ok().filter(is_ready)
    })
    .await;
    tokio::time::sleep(DELAY * 4).await;

    let bad = deployments.get("bad").await.unwrap();
    assert!(!is_ready(&bad));
    // As on a real cluster, the reason is on the pod and in the namespace's events.
    let pods: Api<Pod> = Api::namespaced(client.clone(), "store-a");
    let stuck = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|p| {
            p.metadata
                .name
                .as_deref()
                .unwrap_or_default()
                .starts_with("bad-")
        })
        .expect("the bad Deployment's pod");
    let waiting = stuck.status.unwrap().container_statuses.unwrap()[0]
        .state
        .clone()
        .unwrap()
        .waiting
        .unwrap();
    assert_eq!(waiting.reason.as_deref(), Some("ImagePullBackOff"));
    let events: Api<Event> = Api::namespaced(client.clone(), "store-a");
    let pulls: Vec<String> = events
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| {
            e.involved_object.name == stuck.metadata.name && e.type_.as_deref() == Some("Warning")
        })
        .filter_map(|e| e.message)
        .collect();
    assert!(
        pulls
            .iter()
            .any(|m| m.starts_with("Failed to pull image \"registry.example/broken:1\"")),
        "{pulls:?}"
    );
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_deleted_namespace_terminates_and_then_its_objects_are_gone() {
    let sim = cluster(SimOptions::default()).await;
    let client = sim.client();
    namespace(&client, "store-gone").await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "store-gone");
    maps.create(&PostParams::default(), &config_map("settings", &[], "x"))
        .await
        .unwrap();
    let namespaces: Api<Namespace> = Api::all(client.clone());

    let deleted = namespaces
        .delete("store-gone", &DeleteParams::default())
        .await
        .unwrap();
    let terminating = deleted
        .left()
        .expect("a Namespace's deletion answers with the Namespace");
    assert!(terminating.metadata.deletion_timestamp.is_some());
    assert_eq!(
        terminating.status.and_then(|s| s.phase).as_deref(),
        Some("Terminating")
    );
    let refused = maps
        .create(&PostParams::default(), &config_map("late", &[], "x"))
        .await;
    assert_eq!(api_error(refused), (403, "Forbidden".to_owned()));

    eventually("namespace gone", || async {
        matches!(namespaces.get("store-gone").await, Err(kube::Error::Api(s)) if s.code == 404)
            .then_some(())
    })
    .await;
    assert_eq!(
        api_error(maps.get("settings").await),
        (404, "NotFound".to_owned())
    );
    assert!(maps
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .is_empty());
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn load_balancers_claims_and_ingresses_are_provisioned() {
    let sim = cluster(SimOptions {
        load_balancer_address: "203.0.113.7".to_owned(),
        ..SimOptions::default()
    })
    .await;
    let client = sim.client();
    namespace(&client, "store-a").await;
    let services: Api<Service> = Api::namespaced(client.clone(), "store-a");
    let service = |name: &str, type_: &str| Service {
        metadata: meta(name, &[]),
        spec: Some(ServiceSpec {
            type_: Some(type_.to_owned()),
            ports: Some(vec![ServicePort {
                port: 80,
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    services
        .patch(
            "public",
            &apply(),
            &Patch::Apply(service("public", "LoadBalancer")),
        )
        .await
        .unwrap();
    services
        .patch(
            "internal",
            &apply(),
            &Patch::Apply(service("internal", "ClusterIP")),
        )
        .await
        .unwrap();
    let ip = eventually("load balancer address", || async {
        let status = services.get("public").await.ok()?.status?;
        status.load_balancer?.ingress?.first()?.ip.clone()
    })
    .await;
    assert_eq!(ip, "203.0.113.7");
    let internal = services.get("internal").await.unwrap();
    assert_eq!(
        internal
            .status
            .and_then(|s| s.load_balancer)
            .and_then(|lb| lb.ingress),
        None
    );

    let ingresses: Api<Ingress> = Api::namespaced(client.clone(), "store-a");
    let ingress = Ingress {
        metadata: meta("public", &[]),
        ..Default::default()
    };
    ingresses
        .patch("public", &apply(), &Patch::Apply(ingress))
        .await
        .unwrap();
    let ip = eventually("ingress address", || async {
        let status = ingresses.get("public").await.ok()?.status?;
        status.load_balancer?.ingress?.first()?.ip.clone()
    })
    .await;
    assert_eq!(ip, "203.0.113.7");

    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), "store-a");
    let claim = PersistentVolumeClaim {
        metadata: meta("data", &[]),
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity("5Gi".to_owned()),
                )])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let created = claims
        .patch("data", &apply(), &Patch::Apply(claim))
        .await
        .unwrap();
    assert_eq!(
        created.status.and_then(|s| s.phase).as_deref(),
        Some("Pending")
    );
    let bound = eventually("claim bound", || async {
        let status = claims.get("data").await.ok()?.status?;
        (status.phase.as_deref() == Some("Bound")).then_some(status)
    })
    .await;
    assert_eq!(
        bound.capacity.unwrap()["storage"],
        Quantity("5Gi".to_owned())
    );
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn the_cluster_answers_a_version_check() {
    let sim = cluster(SimOptions::default()).await;
    let info = sim.client().apiserver_version().await.unwrap();
    assert_eq!((info.major.as_str(), info.minor.as_str()), ("1", "34"));
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn only_a_client_with_the_clusters_token_is_answered() {
    let cluster = cluster(SimOptions::default()).await;
    let stranger = reqwest::Client::new();
    for token in [None, Some("Bearer guessed")] {
        let mut request = stranger.get(format!("{}/api/v1/secrets", cluster.url()));
        if let Some(token) = token {
            request = request.header("Authorization", token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{token:?}");
        let status: serde_json::Value = response.json().await.unwrap();
        assert_eq!(status["reason"], "Unauthorized");
    }
    // Its own clients are answered.
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::all(cluster.client());
    assert!(secrets.list(&ListParams::default()).await.is_ok());
}

#[tokio::test]
async fn a_cluster_with_a_state_file_comes_back_with_its_objects() {
    let folder = tempfile::tempdir().unwrap();
    let options = SimOptions {
        state_file: Some(folder.path().join("cluster.json")),
        ..SimOptions::default()
    };
    let first = cluster(options.clone()).await;
    let created = namespace(&first.client(), "store-acme").await;
    let configs: Api<ConfigMap> = Api::namespaced(first.client(), "store-acme");
    configs
        .patch(
            "config",
            &apply(),
            &Patch::Apply(&config_map("config", &[], "Acme")),
        )
        .await
        .unwrap();
    first.stop().await.unwrap();

    let second = cluster(options).await;
    let namespaces: Api<Namespace> = Api::all(second.client());
    let again = namespaces.get("store-acme").await.unwrap();
    assert_eq!(again.metadata.uid, created.metadata.uid);
    assert_eq!(version(&again.metadata), version(&created.metadata));
    let configs: Api<ConfigMap> = Api::namespaced(second.client(), "store-acme");
    let config = configs.get("config").await.unwrap();
    assert_eq!(config.data.unwrap().values().next().unwrap(), "Acme");
    second.stop().await.unwrap();
}
