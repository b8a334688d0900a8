//! Jobs as the engine sees them: created through `kube::Api`, run on the host, their status,
//! pods and events read back. The database tests need `STOREFLEET_TEST_POSTGRES_URL`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod, Secret};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

use super::plan::{expand, plan, rewrite_paths};
use crate::cluster::sim::{SimCluster, SimOptions};

/// How long a test waits for a Job before it fails.
const PATIENCE: Duration = Duration::from_secs(30);

pub(super) async fn cluster(options: SimOptions) -> SimCluster {
    SimCluster::start(SimOptions {
        ready_delay: Duration::from_millis(50),
        namespace_delete_delay: Duration::from_millis(200),
        failing_images: vec!["never-pulled".to_owned()],
        ..options
    })
    .await
    .expect("simulated cluster starts")
}

pub(super) async fn namespace(sim: &SimCluster, name: &str) {
    let namespace: Namespace =
        serde_json::from_value(json!({ "metadata": { "name": name } })).unwrap();
    Api::<Namespace>::all(sim.client())
        .create(&PostParams::default(), &namespace)
        .await
        .expect("namespace created");
}

/// A Job with one container running `script`, an emptyDir at /work and `WORK=/work`.
pub(super) fn job(name: &str, image: &str, script: &str, env: serde_json::Value) -> Job {
    let mut all_env = vec![json!({ "name": "WORK", "value": "/work" })];
    all_env.extend(env.as_array().cloned().unwrap_or_default());
    serde_json::from_value(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": { "name": name },
        "spec": {
            "backoffLimit": 0,
            "template": { "spec": {
                "restartPolicy": "Never",
                "volumes": [{ "name": "work", "emptyDir": {} }],
                "containers": [{
                    "name": "main",
                    "image": image,
                    "command": ["sh", "-c", script],
                    "env": all_env,
                    "volumeMounts": [{ "name": "work", "mountPath": "/work" }],
                }],
            }},
        },
    }))
    .unwrap()
}

/// Creates the Job and waits until it has finished; its last status.
pub(super) async fn finished(sim: &SimCluster, namespace: &str, job: Job) -> Job {
    let jobs = Api::<Job>::namespaced(sim.client(), namespace);
    let name = job.metadata.name.clone().unwrap();
    jobs.create(&PostParams::default(), &job)
        .await
        .expect("job created");
    let start = Instant::now();
    loop {
        let job = jobs.get(&name).await.expect("job read");
        let done = conditions(&job)
            .iter()
            .any(|(kind, _, _)| kind == "Complete" || kind == "Failed");
        if done {
            return job;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "job {name} never finished: {:?}",
            job.status
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (type, reason, message) of each true condition.
fn conditions(job: &Job) -> Vec<(String, String, String)> {
    let list = job
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    list.into_iter()
        .filter(|c| c.status == "True")
        .map(|c| {
            (
                c.type_,
                c.reason.unwrap_or_default(),
                c.message.unwrap_or_default(),
            )
        })
        .collect()
}

pub(super) fn has(job: &Job, kind: &str) -> Option<(String, String)> {
    conditions(job)
        .into_iter()
        .find(|(k, _, _)| k == kind)
        .map(|(_, reason, message)| (reason, message))
}

async fn job_pod(sim: &SimCluster, namespace: &str, job: &str) -> Pod {
    let pods = Api::<Pod>::namespaced(sim.client(), namespace)
        .list(&ListParams::default().labels(&format!("job-name={job}")))
        .await
        .expect("pods listed");
    assert_eq!(pods.items.len(), 1, "one pod per Job run");
    pods.items.into_iter().next().unwrap()
}

fn terminated(pod: &Pod) -> (i32, String) {
    let status = &pod
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0];
    let ended = status
        .state
        .as_ref()
        .unwrap()
        .terminated
        .as_ref()
        .expect("terminated");
    (ended.exit_code, ended.message.clone().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_writing_to_its_empty_dir_completes() {
    let sim = cluster(SimOptions::default()).await;
    namespace(&sim, "store-acme").await;
    let script = r#"echo hi > "$WORK/x" && test -s "$WORK/x" && cat "$WORK/x""#;
    let done = finished(
        &sim,
        "store-acme",
        job("write", "busybox", script, json!([])),
    )
    .await;
    let status = done.status.clone().unwrap();
    assert_eq!(status.succeeded, Some(1), "{status:?}");
    assert!(status.start_time.is_some() && status.completion_time.is_some());
    assert!(has(&done, "Complete").is_some(), "{status:?}");
    assert!(has(&done, "Failed").is_none());
    let pod = job_pod(&sim, "store-acme", "write").await;
    assert_eq!(terminated(&pod).0, 0);
    let annotations = pod.metadata.annotations.unwrap_or_default();
    assert_eq!(annotations["sim.storefleet.io/stdout.main"], "hi\n");
    assert_eq!(pod.status.unwrap().phase.as_deref(), Some("Succeeded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_command_fails_the_job_with_what_it_said() {
    let sim = cluster(SimOptions::default()).await;
    namespace(&sim, "store-acme").await;
    let script = "echo 'relation \"orders\" does not exist' >&2; exit 3";
    let done = finished(
        &sim,
        "store-acme",
        job("broken", "busybox", script, json!([])),
    )
    .await;
    let status = done.status.clone().unwrap();
    assert_eq!((status.failed, status.succeeded), (Some(1), None));
    let (reason, message) = has(&done, "Failed").expect("failed condition");
    assert_eq!(reason, "BackoffLimitExceeded");
    assert_eq!(message, "relation \"orders\" does not exist");
    let pod = job_pod(&sim, "store-acme", "broken").await;
    assert_eq!(
        terminated(&pod),
        (3, "relation \"orders\" does not exist\n".to_owned())
    );
    let events = Api::<Event>::namespaced(sim.client(), "store-acme")
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(
        events
            .items
            .iter()
            .any(|e| e.involved_object.name.as_deref() == Some("broken")
                && e.reason.as_deref() == Some("BackoffLimitExceeded")
                && e.type_.as_deref() == Some("Warning")),
        "a warning event about the Job"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_from_a_secret_reaches_the_command() {
    let sim = cluster(SimOptions::default()).await;
    namespace(&sim, "store-acme").await;
    let secret: Secret = serde_json::from_value(json!({
        "metadata": { "name": "store" },
        "data": { "token": "czNjcmV0" },
    }))
    .unwrap();
    Api::<Secret>::namespaced(sim.client(), "store-acme")
        .patch(
            "store",
            &PatchParams::apply("storefleet").force(),
            &Patch::Apply(&secret),
        )
        .await
        .unwrap();
    let env = json!([{ "name": "TOKEN", "valueFrom": { "secretKeyRef": { "name": "store", "key": "token" } } }]);
    let done = finished(
        &sim,
        "store-acme",
        job("token", "busybox", r#"test "$TOKEN" = s3cret"#, env),
    )
    .await;
    assert!(has(&done, "Complete").is_some(), "{:?}", done.status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_image_cannot_be_pulled_fails_without_running() {
    let sim = cluster(SimOptions::default()).await;
    namespace(&sim, "store-acme").await;
    let marker = std::env::temp_dir().join(format!("never-{}", uuid::Uuid::new_v4()));
    let script = format!("touch {}", marker.display());
    let done = finished(
        &sim,
        "store-acme",
        job("pull", "registry/never-pulled:1", &script, json!([])),
    )
    .await;
    let (reason, message) = has(&done, "Failed").expect("failed");
    assert_eq!(reason, "ImagePullBackOff");
    assert!(message.contains("never-pulled"), "{message}");
    assert!(!marker.exists(), "the command did not run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_job_takes_its_pod_and_a_late_one_meets_its_deadline() {
    let sim = cluster(SimOptions::default()).await;
    namespace(&sim, "store-acme").await;
    let mut slow = job("slow", "busybox", "sleep 30", json!([]));
    slow.spec.as_mut().unwrap().active_deadline_seconds = Some(1);
    let done = finished(&sim, "store-acme", slow).await;
    let (reason, _) = has(&done, "Failed").expect("failed");
    assert_eq!(reason, "DeadlineExceeded");
    let jobs = Api::<Job>::namespaced(sim.client(), "store-acme");
    jobs.delete("slow", &DeleteParams::background())
        .await
        .unwrap();
    let pods = Api::<Pod>::namespaced(sim.client(), "store-acme")
        .list(&ListParams::default().labels("job-name=slow"))
        .await
        .unwrap();
    assert!(pods.items.is_empty(), "the Job's pod went with it");
    assert!(jobs.get_opt("slow").await.unwrap().is_none());
}

#[test]
fn the_plan_reads_the_kubelet_environment() {
    let job = json!({
        "metadata": { "name": "j", "namespace": "store-a", "uid": "u" },
        "spec": { "activeDeadlineSeconds": 5, "template": { "spec": {
            "initContainers": [{ "name": "first", "command": ["true"] }],
            "containers": [{
                "name": "main",
                "command": ["sh", "-c"],
                "args": ["echo $(GREETING) $$(x)"],
                "env": [
                    { "name": "NAME", "value": "world" },
                    { "name": "GREETING", "value": "hello $(NAME)" },
                    { "name": "KEY", "valueFrom": { "configMapKeyRef": { "name": "c", "key": "k" } } },
                    { "name": "GONE", "valueFrom": { "secretKeyRef": { "name": "s", "key": "k", "optional": true } } },
                ],
            }],
        }}},
    });
    let data = BTreeMap::from([("k".to_owned(), "v".to_owned())]);
    let read = plan(&job, &[], |plural, name| {
        (plural == "configmaps" && name == "c").then(|| data.clone())
    });
    assert_eq!(read.refusal, None);
    assert_eq!(read.deadline, Duration::from_secs(5));
    let names: Vec<&str> = read.steps.iter().map(|s| s.container.as_str()).collect();
    assert_eq!(names, ["first", "main"]);
    assert_eq!(read.steps[1].argv, ["sh", "-c", "echo hello world $(x)"]);
    let env: Vec<(&str, &str)> = read.steps[1]
        .env
        .iter()
        .map(|(k, v)| (&**k, &**v))
        .collect();
    assert_eq!(
        env,
        [("NAME", "world"), ("GREETING", "hello world"), ("KEY", "v")]
    );
    let missing = plan(&job, &[], |_, _| None)
        .refusal
        .expect("config map missing");
    assert_eq!(missing.reason, "CreateContainerConfigError");
}

#[test]
fn mount_paths_in_env_move_to_the_host() {
    let env = vec![
        ("WORK".to_owned(), "/work".to_owned()),
        ("DUMP".to_owned(), "/work/db.dump".to_owned()),
        ("OTHER".to_owned(), "/workshop".to_owned()),
    ];
    let mounts = vec![("scratch".to_owned(), "/work".to_owned())];
    let volumes = BTreeMap::from([("scratch".to_owned(), "/tmp/v0".to_owned())]);
    let moved = rewrite_paths(&env, &mounts, &volumes);
    let values: Vec<&str> = moved.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(values, ["/tmp/v0", "/tmp/v0/db.dump", "/workshop"]);
    assert_eq!(expand("$(A)-$(B)", &[("A".into(), "1".into())]), "1-$(B)");
}
