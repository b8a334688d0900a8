//! What the Job controller and the kubelet write while a Job runs: the Job's `status` and
//! the `status` of the pod it runs in, as a real cluster words them. Pure, unit-tested in
//! `tests.rs`.

use serde_json::{json, Value};

/// How much of a failed container's standard error a Job's `Failed` condition quotes.
pub const MESSAGE_TAIL: usize = 500;

/// How a Job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every container exited 0.
    Complete,
    /// It failed: the condition's reason and message.
    Failed {
        /// `BackoffLimitExceeded`, `DeadlineExceeded`, ...
        reason: String,
        /// For people.
        message: String,
    },
}

/// A running Job's status, from `startTime` on.
pub fn running(start: &Value) -> Value {
    json!({
        "startTime": start,
        "active": 1,
        "ready": 0,
        "terminating": 0,
        "uncountedTerminatedPods": {},
    })
}

/// A finished Job's status.
pub fn finished(start: &Value, now: &Value, outcome: &Outcome) -> Value {
    let condition = |kind: &str, reason: &str, message: &str| {
        json!({
            "type": kind,
            "status": "True",
            "reason": reason,
            "message": message,
            "lastProbeTime": now,
            "lastTransitionTime": now,
        })
    };
    let mut status = json!({
        "startTime": start,
        "ready": 0,
        "terminating": 0,
        "uncountedTerminatedPods": {},
    });
    match outcome {
        Outcome::Complete => {
            status["succeeded"] = json!(1);
            status["completionTime"] = now.clone();
            let message = "Reached expected number of succeeded pods";
            status["conditions"] = json!([
                condition("SuccessCriteriaMet", "CompletionsReached", message),
                condition("Complete", "CompletionsReached", message),
            ]);
        }
        Outcome::Failed { reason, message } => {
            status["failed"] = json!(1);
            status["conditions"] = json!([
                condition("FailureTarget", reason, message),
                condition("Failed", reason, message),
            ]);
        }
    }
    status
}

/// Whether a Job's status says it has finished, either way.
pub fn is_finished(status: &Value) -> bool {
    status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| matches!(c["type"].as_str(), Some("Complete" | "Failed")) && c["status"] == "True")
}

/// The last `bytes` bytes of `text`, trimmed, cut at a character boundary.
pub fn tail(text: &str, bytes: usize) -> &str {
    let text = text.trim();
    let mut start = text.len().saturating_sub(bytes);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// A container's state before it runs.
pub fn waiting(reason: &str) -> Value {
    json!({ "waiting": { "reason": reason } })
}

/// A container's state while it runs.
pub fn started(at: &Value) -> Value {
    json!({ "running": { "startedAt": at } })
}

/// A container's state once it ended: `Completed` on 0, else `Error`, its exit code and the
/// message it left.
pub fn terminated(exit_code: i32, message: &str, started: &Value, now: &Value) -> Value {
    json!({
        "terminated": {
            "exitCode": exit_code,
            "reason": if exit_code == 0 { "Completed" } else { "Error" },
            "message": message,
            "startedAt": started,
            "finishedAt": now,
        },
    })
}

/// The status of a Job's pod as it starts: every container waiting, the first one about to
/// run. `phase` is `Pending` (init containers to run, or an image that cannot be pulled) or
/// `Running`.
pub fn pod(spec: &Value, start: &Value) -> Value {
    let statuses = |list: &str, reason: &str| -> Vec<Value> {
        spec[list]
            .as_array()
            .into_iter()
            .flatten()
            .map(|container| {
                json!({
                    "name": container["name"],
                    "image": container["image"],
                    "imageID": "",
                    "ready": false,
                    "started": false,
                    "restartCount": 0,
                    "state": waiting(reason),
                })
            })
            .collect()
    };
    let init = statuses("initContainers", "PodInitializing");
    let phase = if init.is_empty() {
        "Running"
    } else {
        "Pending"
    };
    let main_waiting = if init.is_empty() {
        "ContainerCreating"
    } else {
        "PodInitializing"
    };
    json!({
        "phase": phase,
        "conditions": [{ "type": "PodScheduled", "status": "True" }],
        "hostIP": "10.0.0.1",
        "podIP": "10.1.0.1",
        "startTime": start,
        "initContainerStatuses": init,
        "containerStatuses": statuses("containers", main_waiting),
    })
}

/// Sets the state of container `name` in a pod's `status`, wherever it is listed; a
/// terminated container is no longer ready.
pub fn set_container_state(status: &mut Value, name: &str, state: Value) {
    for list in ["initContainerStatuses", "containerStatuses"] {
        if let Some(entry) = status[list]
            .as_array_mut()
            .into_iter()
            .flatten()
            .find(|entry| entry["name"] == name)
        {
            let running = state.get("running").is_some();
            entry["started"] = json!(running);
            entry["ready"] = json!(running);
            entry["state"] = state;
            return;
        }
    }
}
