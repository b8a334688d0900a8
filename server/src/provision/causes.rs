//! Why a tenant's objects are not ready, from the namespace's Warning events: which events
//! are about the objects a step waits on, what they say in a few words, and whether waiting
//! longer can help. Pure, unit-tested below.

use k8s_openapi::api::core::v1::Event;
use k8s_openapi::jiff::Timestamp;

/// Why something is not ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// For people: `pod database-0 forbidden: exceeded quota: plan, limits.cpu`.
    pub text: String,
    /// Waiting cannot mend it (a quota exceeded, an invalid spec, an image that does not
    /// exist): the step fails at once.
    pub permanent: bool,
    /// When it last happened.
    pub at: Option<Timestamp>,
}

/// The kind of object a step waits on, and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// A Deployment: its ReplicaSets (`<name>-<hash>`) and pods (`<name>-<hash>-<suffix>`).
    Deployment(&'a str),
    /// A StatefulSet: its pods (`<name>-<ordinal>`).
    StatefulSet(&'a str),
    /// A PersistentVolumeClaim.
    Claim(&'a str),
    /// A Service or Ingress.
    Exposure(&'a str),
}

impl Target<'_> {
    /// Whether the event is about this object or one its controller made.
    pub fn concerns(&self, event: &Event) -> bool {
        let object = &event.involved_object;
        let kind = object.kind.as_deref().unwrap_or_default();
        let name = object.name.as_deref().unwrap_or_default();
        let rest = |owner: &str| name.strip_prefix(owner).and_then(|r| r.strip_prefix('-'));
        match *self {
            Target::Deployment(owner) => match kind {
                "Deployment" => name == owner,
                "ReplicaSet" => {
                    rest(owner).is_some_and(|hash| !hash.is_empty() && !hash.contains('-'))
                }
                "Pod" => rest(owner).is_some_and(|r| {
                    r.split_once('-').is_some_and(|(hash, suffix)| {
                        !hash.is_empty() && !suffix.is_empty() && !suffix.contains('-')
                    })
                }),
                _ => false,
            },
            Target::StatefulSet(owner) => match kind {
                "StatefulSet" => name == owner,
                "Pod" => rest(owner)
                    .is_some_and(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit())),
                _ => false,
            },
            Target::Claim(claim) => kind == "PersistentVolumeClaim" && name == claim,
            Target::Exposure(front) => matches!(kind, "Service" | "Ingress") && name == front,
        }
    }
}

/// When the event last happened, however it was recorded.
pub fn last_seen(event: &Event) -> Option<Timestamp> {
    event
        .last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| event.event_time.as_ref().map(|t| t.0))
        .or_else(|| event.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| event.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// What a Warning event means, in a few words. `None` for Normal events.
pub fn explain(event: &Event) -> Option<Cause> {
    if event.type_.as_deref() != Some("Warning") {
        return None;
    }
    let reason = event.reason.as_deref().unwrap_or("Warning");
    let message = event.message.as_deref().unwrap_or_default();
    let object = &event.involved_object;
    let about = match (object.kind.as_deref(), object.name.as_deref()) {
        (Some(kind), Some(name)) if !name.is_empty() => format!("{} {name}", kind.to_lowercase()),
        _ => reason.to_owned(),
    };
    let (text, permanent) = match reason {
        "FailedCreate" => {
            refusal(message).unwrap_or_else(|| (format!("{about}: {message}"), false))
        }
        "Failed" => image_failure(&about, message),
        "InspectFailed" => (format!("{about}: {message}"), true),
        "BackOff" => (format!("{about}: {message}"), false),
        "FailedScheduling" => (format!("{about} unschedulable: {message}"), false),
        _ => (format!("{about}: {reason}: {message}"), false),
    };
    Some(Cause {
        text,
        permanent,
        at: last_seen(event),
    })
}

/// A controller's `FailedCreate`, which quotes the API server's refusal: `... pods "x" is
/// forbidden: exceeded quota: plan, requested: limits.cpu=500m, used: ..., limited: ...`.
fn refusal(message: &str) -> Option<(String, bool)> {
    // Quota admission names the resource (`pods "x"`), validation the kind (`Pod "x"`).
    let (start, prefix) = ["pods \"", "Pod \""]
        .iter()
        .find_map(|prefix| message.find(prefix).map(|at| (at, prefix.len())))?;
    let quoted = &message[start + prefix..];
    let (pod, rest) = quoted.split_once('"')?;
    let rest = rest.trim_start();
    if let Some(why) = rest.strip_prefix("is forbidden: ") {
        if let Some(quota) = why.strip_prefix("exceeded quota: ") {
            let name = quota.split(',').next().unwrap_or_default();
            let resources: Vec<&str> = quota
                .split_once("requested: ")
                .map(|(_, r)| r.split(", used:").next().unwrap_or_default())
                .unwrap_or_default()
                .split(',')
                .filter_map(|pair| pair.split('=').next())
                .filter(|r| !r.is_empty())
                .collect();
            let text = format!(
                "pod {pod} forbidden: exceeded quota: {name}, {}",
                resources.join(", ")
            );
            return Some((text, true));
        }
        let permanent = why.starts_with("failed quota");
        return Some((format!("pod {pod} forbidden: {why}"), permanent));
    }
    let why = rest.strip_prefix("is invalid: ")?;
    Some((format!("pod {pod} invalid: {why}"), true))
}

/// A kubelet's `Failed` event: an image that cannot be pulled (permanent when the registry
/// says it does not exist or the name is invalid), or a container that cannot start.
fn image_failure(about: &str, message: &str) -> (String, bool) {
    if let Some(rest) = message.strip_prefix("Failed to pull image \"") {
        let image = rest.split('"').next().unwrap_or_default();
        let lower = message.to_ascii_lowercase();
        let missing = lower.ends_with("not found")
            || lower.contains("notfound")
            || lower.contains("manifest unknown")
            || lower.contains("repository does not exist");
        if missing {
            return (format!("{about}: image {image} not found"), true);
        }
        let tail = message.rsplit(": ").next().unwrap_or(message);
        return (
            format!("{about}: image {image} cannot be pulled: {tail}"),
            false,
        );
    }
    let permanent = message.contains("InvalidImageName");
    (
        format!("{about}: {}", message.trim_start_matches("Error: ")),
        permanent,
    )
}

/// The cause a wait reports: the newest permanent one if any (it decides the step), else the
/// newest of all; only events about `targets` last seen at or after `since`.
pub fn newest(events: &[Event], targets: &[Target<'_>], since: Option<Timestamp>) -> Option<Cause> {
    let causes: Vec<Cause> = events
        .iter()
        .filter(|e| targets.iter().any(|t| t.concerns(e)))
        .filter(|e| since.is_none_or(|since| last_seen(e).is_none_or(|at| at >= since)))
        .filter_map(explain)
        .collect();
    let latest = |permanent_only: bool| {
        causes
            .iter()
            .filter(|c| c.permanent || !permanent_only)
            .max_by_key(|c| c.at)
            .cloned()
    };
    latest(true).or_else(|| latest(false))
}

#[cfg(test)]
mod tests;
