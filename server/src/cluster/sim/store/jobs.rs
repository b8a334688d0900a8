//! Jobs in the store: the API server's defaults and checks for a new Job, the work it hands
//! to the runner (`sim/jobs/`), and what the Job controller and kubelet write back while it
//! runs: the Job's stored `status`, its pod, and an Event when it fails.

use std::collections::BTreeMap;
use std::time::Instant;

use base64::Engine as _;
use serde_json::{json, Value};

use super::events::Report;
use super::{timestamp, Key, Store};
use crate::cluster::sim::api_error::{ApiError, Result};
use crate::cluster::sim::databases;
use crate::cluster::sim::jobs::plan::{plan, Plan, Refusal};
use crate::cluster::sim::jobs::rules::{find_started, merge_into};
use crate::cluster::sim::jobs::status::{self as job_status, Outcome};
use crate::cluster::sim::jobs::Chore;
use crate::cluster::sim::pods;
use crate::cluster::sim::resources::{jobs, pods as pod_kind, stateful_sets, Resource};
use crate::cluster::sim::rollout::random_suffix;
use crate::cluster::sim::selector::Selector;

/// Why a Job that was running when the cluster stopped failed.
pub const LOST_MESSAGE: &str = "the node running it went away";

/// What came of a Job's try to start its pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodStart {
    /// The pod runs, under this name.
    Started(String),
    /// Admission refused it (the quota has no room); the refusal is an Event on the Job.
    Refused,
    /// The Job is gone, or was made again.
    Gone,
}

impl Store {
    /// Hands `chore` to the runner, when there is one (a bare store in a unit test has none).
    fn hand_over(&self, chore: Chore) {
        if let Some(chores) = &self.chores {
            let _ = chores.send(chore);
        }
    }

    /// What a newly stored object asks of the host: a Job is run, a StatefulSet running
    /// PostgreSQL gets its tenant's real database.
    pub(super) fn on_new(&self, resource: &Resource, namespace: &str, name: &str) {
        if resource == jobs() {
            let key = Key::new(resource, Some(namespace), name);
            if let Some(entry) = self.objects.get(&key) {
                let plan = plan(&entry.object, &self.options.failing_images, |plural, of| {
                    self.data_of(plural, namespace, of)
                });
                self.hand_over(Chore::Run(Box::new(plan)));
            }
        } else if resource.kind == "StatefulSet" {
            let key = Key::new(resource, Some(namespace), name);
            if self
                .objects
                .get(&key)
                .is_some_and(|entry| databases::runs_postgres(&entry.object))
            {
                self.create_database(namespace);
            }
        }
    }

    /// Asks for the tenant database of `namespace`, when the cluster keeps real ones.
    pub(super) fn create_database(&self, namespace: &str) {
        if self.options.databases.is_some() && databases::database_name(namespace).is_some() {
            self.hand_over(Chore::CreateDatabase(namespace.to_owned()));
        }
    }

    /// Asks for the tenant database of a namespace that is gone to be dropped.
    pub(super) fn drop_database(&self, namespace: &str) {
        if self.options.databases.is_some() && databases::database_name(namespace).is_some() {
            self.hand_over(Chore::DropDatabase(namespace.to_owned()));
        }
    }

    /// The decoded data of a Secret or ConfigMap.
    fn data_of(
        &self,
        plural: &str,
        namespace: &str,
        name: &str,
    ) -> Option<BTreeMap<String, String>> {
        let resource = crate::cluster::sim::resources::RESOURCES
            .iter()
            .find(|r| r.plural == plural)?;
        let object = &self
            .objects
            .get(&Key::new(resource, Some(namespace), name))?
            .object;
        let mut data = BTreeMap::new();
        for (key, value) in object["data"].as_object().into_iter().flatten() {
            let text = value.as_str().unwrap_or_default();
            let value = if plural == "secrets" {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_default();
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                text.to_owned()
            };
            data.insert(key.clone(), value);
        }
        for (key, value) in object["stringData"].as_object().into_iter().flatten() {
            data.insert(key.clone(), value.as_str().unwrap_or_default().to_owned());
        }
        Some(data)
    }

    /// Whether the namespace's database answers: one of its StatefulSets has a ready replica.
    /// While none has, a pod's connection finds nothing behind the database's Service, as on
    /// a real cluster.
    pub fn database_serving(&mut self, namespace: &str, now: Instant) -> bool {
        let any = Selector::default();
        let sets = self.list(stateful_sets(), Some(namespace), &any, &any, now);
        sets["items"].as_array().is_some_and(|items| {
            items
                .iter()
                .any(|set| set["status"]["readyReplicas"].as_i64().unwrap_or(0) > 0)
        })
    }

    /// Whether the Job `plan` runs is still there: not deleted, nor made again.
    pub fn job_wanted(&self, plan: &Plan) -> bool {
        self.job(plan).is_some()
    }

    fn job(&self, plan: &Plan) -> Option<&Value> {
        let key = Key::new(jobs(), Some(&plan.namespace), &plan.name);
        let entry = self.objects.get(&key)?;
        (entry.object["metadata"]["uid"] == plan.uid.as_str()).then_some(&entry.object)
    }

    fn job_mut(&mut self, plan: &Plan) -> Option<&mut Value> {
        let revision = self.next_revision();
        let key = Key::new(jobs(), Some(&plan.namespace), &plan.name);
        let entry = self.objects.get_mut(&key)?;
        let object = &mut entry.object;
        (object["metadata"]["uid"] == plan.uid.as_str()).then(|| {
            object["metadata"]["resourceVersion"] = json!(revision);
            object
        })
    }

    /// The Job starts: `startTime` and `active` set, its pod made through admission. A pod
    /// the namespace's quota refuses is not made: the refusal is recorded on the Job, as the
    /// Job controller does, and the caller tries again later.
    pub fn job_started(&mut self, plan: &Plan, now: Instant) -> PodStart {
        let Some(job) = self.job(plan).cloned() else {
            return PodStart::Gone;
        };
        let start = timestamp();
        let pod_name = format!("{}-{}", plan.name, random_suffix());
        let mut labels = job["spec"]["template"]["metadata"]["labels"].clone();
        if !labels.is_object() {
            labels = json!({});
        }
        let spec = job["spec"]["template"]["spec"].clone();
        let mut pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": pod_name,
                "namespace": plan.namespace,
                "labels": labels,
                "ownerReferences": [{
                    "apiVersion": "batch/v1",
                    "kind": "Job",
                    "name": plan.name,
                    "uid": plan.uid,
                    "controller": true,
                    "blockOwnerDeletion": true,
                }],
            },
            "spec": spec,
        });
        pod["spec"]["nodeName"] = json!("simulated-node");
        if let Err(error) = self.admit_pod(&plan.namespace, &pod_name, &mut pod) {
            let mut event = report(
                &job,
                "Warning",
                "FailedCreate",
                format!("Error creating: {error}"),
            );
            event.aggregate = true;
            self.record(event, now);
            return PodStart::Refused;
        }
        pod["status"] = job_status::pod(&pod["spec"], &start);
        let key = Key::new(pod_kind(), Some(&plan.namespace), &pod_name);
        self.insert_new(pod_kind(), key, pod, now);
        let message = format!("Created pod: {pod_name}");
        self.record(report(&job, "Normal", "SuccessfulCreate", message), now);
        match self.job_mut(plan) {
            Some(stored) => {
                stored["status"] = job_status::running(&start);
                PodStart::Started(pod_name)
            }
            None => PodStart::Gone,
        }
    }

    /// Changes the stored pod of a running Job.
    fn change_pod(&mut self, namespace: &str, pod: &str, change: impl FnOnce(&mut Value)) {
        let revision = self.next_revision();
        let key = Key::new(pod_kind(), Some(namespace), pod);
        if let Some(entry) = self.objects.get_mut(&key) {
            change(&mut entry.object);
            entry.object["metadata"]["resourceVersion"] = json!(revision);
        }
    }

    /// A container of the Job's pod starts.
    pub fn job_container_started(&mut self, plan: &Plan, pod: &str, container: &str) {
        let init = self.is_init_container(plan, container);
        self.change_pod(&plan.namespace, pod, |pod| {
            let status = &mut pod["status"];
            job_status::set_container_state(status, container, job_status::started(&timestamp()));
            if !init {
                status["phase"] = json!("Running");
            }
        });
    }

    fn is_init_container(&self, plan: &Plan, container: &str) -> bool {
        self.job(plan).is_some_and(|job| {
            job["spec"]["template"]["spec"]["initContainers"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["name"] == container)
        })
    }

    /// A container of the Job's pod ended: its exit code, and the tails of its output, kept
    /// on the pod (`terminated.message`: standard error; annotations: both streams).
    pub fn job_container_done(
        &mut self,
        plan: &Plan,
        pod: &str,
        container: &str,
        exit_code: i32,
        output: (&str, &str),
    ) {
        let (stdout, stderr) = output;
        self.change_pod(&plan.namespace, pod, |pod| {
            let started = find_started(&pod["status"], container);
            let state = job_status::terminated(exit_code, stderr, &started, &timestamp());
            job_status::set_container_state(&mut pod["status"], container, state);
            let annotations = &mut pod["metadata"]["annotations"];
            if !annotations.is_object() {
                *annotations = json!({});
            }
            annotations[format!("{OUTPUT_ANNOTATION}stdout.{container}")] = json!(stdout);
            annotations[format!("{OUTPUT_ANNOTATION}stderr.{container}")] = json!(stderr);
        });
    }

    /// The Job could not run a command: its pod waits forever for what it lacks, so the Job
    /// fails with the kubelet's reason, and the kubelet's events are recorded.
    pub fn job_refused(&mut self, plan: &Plan, pod: &str, refusal: &Refusal, now: Instant) {
        self.change_pod(&plan.namespace, pod, |pod| {
            let state =
                json!({ "waiting": { "reason": refusal.reason, "message": refusal.message } });
            job_status::set_container_state(&mut pod["status"], &refusal.container, state);
            pod["status"]["phase"] = json!("Pending");
        });
        let key = Key::new(pod_kind(), Some(&plan.namespace), pod);
        if let (Some(image), Some(entry)) = (&refusal.image, self.objects.get(&key)) {
            let pod = entry.object.clone();
            for (type_, reason, message) in pods::pull_failure_events(image) {
                let mut event = report(&pod, type_, reason, message);
                event.source = "kubelet";
                self.record(event, now);
            }
        }
        let outcome = Outcome::Failed {
            reason: refusal.reason.clone(),
            message: format!("container {:?}: {}", refusal.container, refusal.message),
        };
        self.job_finished(plan, Some(pod), &outcome, now);
    }

    /// The Job ended: its status says how, its pod's phase too, and a failure is an Event.
    pub fn job_finished(
        &mut self,
        plan: &Plan,
        pod: Option<&str>,
        outcome: &Outcome,
        now: Instant,
    ) {
        if let Some(pod) = pod {
            let phase = match outcome {
                Outcome::Complete => "Succeeded",
                Outcome::Failed { .. } => "Failed",
            };
            self.change_pod(&plan.namespace, pod, |pod| {
                if pod["status"]["phase"] != "Pending" || phase == "Succeeded" {
                    pod["status"]["phase"] = json!(phase);
                }
            });
        }
        let Some(job) = self.job_mut(plan) else {
            return;
        };
        let start = job["status"]["startTime"].clone();
        job["status"] = job_status::finished(&start, &timestamp(), outcome);
        let job = job.clone();
        if let Outcome::Failed { reason, message } = outcome {
            self.record(report(&job, "Warning", reason, message.clone()), now);
        } else {
            let message = "Job completed".to_owned();
            self.record(report(&job, "Normal", "Completed", message), now);
        }
    }

    /// Jobs that had not finished when the cluster stopped: their pods went with it.
    pub(super) fn lose_running_jobs(&mut self) {
        let now = timestamp();
        let revision = (self.revision + 1).to_string();
        let mut lost_any = false;
        for (key, entry) in self.objects.iter_mut() {
            let object = &mut entry.object;
            let lost = (key.plural == jobs().plural && !job_status::is_finished(&object["status"]))
                || (key.plural == pod_kind().plural
                    && object["status"]["phase"]
                        .as_str()
                        .is_some_and(|phase| matches!(phase, "Pending" | "Running")));
            if !lost {
                continue;
            }
            if key.plural == pod_kind().plural {
                object["status"]["phase"] = json!("Failed");
                object["status"]["reason"] = json!("NodeLost");
                object["status"]["message"] = json!(LOST_MESSAGE);
            } else {
                let start = object["status"]["startTime"].clone();
                let outcome = Outcome::Failed {
                    reason: "PodLost".to_owned(),
                    message: LOST_MESSAGE.to_owned(),
                };
                object["status"] = job_status::finished(&start, &now, &outcome);
            }
            object["metadata"]["resourceVersion"] = json!(revision);
            lost_any = true;
        }
        if lost_any {
            self.next_revision();
        }
    }

    /// Writes the `status` subresource: replaced (`PUT`), or merged into (`PATCH`).
    pub fn write_status(
        &mut self,
        resource: &'static Resource,
        namespace: Option<&str>,
        name: &str,
        status: Value,
        merge: bool,
        now: Instant,
    ) -> Result<Value> {
        self.reap(now);
        let revision = self.next_revision();
        let key = Key::new(resource, namespace, name);
        let entry = self
            .objects
            .get_mut(&key)
            .ok_or_else(|| ApiError::not_found(resource, name))?;
        if merge {
            merge_into(&mut entry.object["status"], status);
        } else {
            entry.object["status"] = status;
        }
        entry.object["metadata"]["resourceVersion"] = json!(revision);
        self.rendered(resource, namespace, name, now)
    }
}

/// Where a Job's pod keeps its containers' output: `<this>stdout.<container>` and
/// `<this>stderr.<container>`, the last 4 KB of each.
pub const OUTPUT_ANNOTATION: &str = "sim.storefleet.io/";

fn report<'a>(about: &'a Value, type_: &'a str, reason: &'a str, message: String) -> Report<'a> {
    Report {
        about,
        type_,
        reason,
        message,
        source: "job-controller",
        aggregate: false,
    }
}
