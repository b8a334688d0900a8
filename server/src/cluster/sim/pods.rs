//! The simulated kubelet: how a pod fares once admitted. Its containers start `ready_delay`
//! after the pod was created (later on a cold start: see `store/cold_start.rs`), unless an
//! image is one of the failing ones, which is never pulled. Pure, unit-tested in `status/tests.rs`.

use std::time::Duration;

use serde_json::{json, Value};

use super::SimOptions;

/// Where a pod stands, as the kubelet would report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodState {
    /// Its containers are being created.
    Starting,
    /// Every container runs and passes its readiness probe.
    Ready,
    /// A container's image cannot be pulled: the container and its image.
    ImagePullBackOff {
        /// The container's name.
        container: String,
        /// The image.
        image: String,
    },
}

/// The annotation a pod slower than `ready_delay` carries: how long after its creation it
/// is ready, in ms (its images pulled, its database initialised).
pub const STARTS_AFTER: &str = "sim.storefleet.io/starts-after-ms";

/// How long after its creation this pod is ready.
pub fn start_delay(pod: &Value, options: &SimOptions) -> Duration {
    pod["metadata"]["annotations"][STARTS_AFTER]
        .as_str()
        .and_then(|ms| ms.parse().ok())
        .map_or(options.ready_delay, Duration::from_millis)
}

/// How this pod fares `since_creation` after it was created.
pub fn state(pod: &Value, since_creation: Duration, options: &SimOptions) -> PodState {
    if let Some((container, image)) = failing_container(&pod["spec"], &options.failing_images) {
        return PodState::ImagePullBackOff { container, image };
    }
    if since_creation >= start_delay(pod, options) {
        PodState::Ready
    } else {
        PodState::Starting
    }
}

/// The pod's `status` for its state.
pub fn status(pod: &Value, state: &PodState) -> Value {
    let containers = pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ready = *state == PodState::Ready;
    let statuses: Vec<Value> = containers
        .iter()
        .map(|container| {
            let name = container["name"].as_str().unwrap_or_default();
            let image = container["image"].as_str().unwrap_or_default();
            let state = match state {
                PodState::Ready => {
                    json!({ "running": { "startedAt": pod["metadata"]["creationTimestamp"] } })
                }
                PodState::ImagePullBackOff { container, image } if container == name => json!({
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": format!("Back-off pulling image {image:?}"),
                    },
                }),
                _ => json!({ "waiting": { "reason": "ContainerCreating" } }),
            };
            json!({
                "name": name,
                "image": image,
                "imageID": "",
                "ready": ready,
                "started": ready,
                "restartCount": 0,
                "state": state,
            })
        })
        .collect();
    let condition = |kind: &str, ok: bool| {
        let mut c = json!({ "type": kind, "status": if ok { "True" } else { "False" } });
        if !ok {
            c["reason"] = json!("ContainersNotReady");
        }
        c
    };
    json!({
        "phase": if ready { "Running" } else { "Pending" },
        "conditions": [
            { "type": "PodScheduled", "status": "True" },
            condition("Initialized", true),
            condition("ContainersReady", ready),
            condition("Ready", ready),
        ],
        "hostIP": "10.0.0.1",
        "podIP": "10.1.0.1",
        "startTime": pod["metadata"]["creationTimestamp"],
        "containerStatuses": statuses,
    })
}

/// What the kubelet reports when it cannot pull a container's image: (type, reason,
/// message), oldest first, as a real kubelet words them for an image that does not exist.
pub fn pull_failure_events(image: &str) -> [(&'static str, &'static str, String); 4] {
    let reference = if image.contains('/') {
        image.to_owned()
    } else {
        format!("docker.io/library/{image}")
    };
    [
        ("Normal", "Pulling", format!("Pulling image {image:?}")),
        (
            "Warning",
            "Failed",
            format!(
                "Failed to pull image {image:?}: rpc error: code = NotFound desc = failed to pull and unpack image {reference:?}: failed to resolve reference {reference:?}: {reference}: not found"
            ),
        ),
        ("Warning", "Failed", "Error: ErrImagePull".to_owned()),
        ("Warning", "Failed", "Error: ImagePullBackOff".to_owned()),
    ]
}

/// The first container (or init container) whose image contains a failing substring.
pub fn failing_container(pod_spec: &Value, failing_images: &[String]) -> Option<(String, String)> {
    ["initContainers", "containers"]
        .iter()
        .filter_map(|list| pod_spec[list].as_array())
        .flatten()
        .find_map(|container| {
            let image = container["image"].as_str()?;
            failing_images
                .iter()
                .any(|failing| !failing.is_empty() && image.contains(failing.as_str()))
                .then(|| {
                    let name = container["name"].as_str().unwrap_or_default();
                    (name.to_owned(), image.to_owned())
                })
        })
}
