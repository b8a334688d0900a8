//! What running a Job means on the host, read from the Job as stored: its containers in
//! order (init containers first), each with its argv and environment as the kubelet would
//! give them, its `emptyDir` volumes and its deadline. Pure, unit-tested in `tests.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::cluster::sim::pods::failing_container;

/// How long a Job without `spec.activeDeadlineSeconds` may run.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(3600);

/// One Job, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The Job's namespace.
    pub namespace: String,
    /// The Job's name.
    pub name: String,
    /// The Job's uid: a Job deleted and made again under the same name is another Job.
    pub uid: String,
    /// Why it cannot run at all (an image that cannot be pulled, a missing Secret), if so.
    pub refusal: Option<Refusal>,
    /// Its containers, in the order they run.
    pub steps: Vec<Step>,
    /// Its `emptyDir` volumes, by name: each is a fresh host directory for the run.
    pub volumes: Vec<String>,
    /// How long it may run before it is stopped.
    pub deadline: Duration,
}

/// Why a Job fails without running a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The container concerned.
    pub container: String,
    /// The kubelet's reason, e.g. `ImagePullBackOff`.
    pub reason: String,
    /// For people.
    pub message: String,
    /// The image that cannot be pulled, when that is why.
    pub image: Option<String>,
}

/// One container of the Job's pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The container's name.
    pub container: String,
    /// `command` then `args`, with `$(VAR)` references expanded as the kubelet does.
    pub argv: Vec<String>,
    /// The environment its spec gives it, in order, values resolved.
    pub env: Vec<(String, String)>,
    /// Its mounts: (volume name, mount path).
    pub mounts: Vec<(String, String)>,
}

/// Reads a Job. `lookup(plural, name)` gives the decoded data of a Secret (`secrets`) or
/// ConfigMap (`configmaps`) in the Job's namespace, if it exists.
pub fn plan(
    job: &Value,
    failing_images: &[String],
    lookup: impl Fn(&str, &str) -> Option<BTreeMap<String, String>>,
) -> Plan {
    let metadata = &job["metadata"];
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let spec = &job["spec"]["template"]["spec"];
    let mut refusal = failing_container(spec, failing_images).map(|(container, image)| Refusal {
        container,
        reason: "ImagePullBackOff".to_owned(),
        message: format!("Back-off pulling image {image:?}"),
        image: Some(image),
    });
    let mut steps = Vec::new();
    for container in ["initContainers", "containers"]
        .iter()
        .filter_map(|list| spec[list].as_array())
        .flatten()
    {
        let name = text(&container["name"]);
        let env = match environment(&container["env"], &lookup) {
            Ok(env) => env,
            Err(message) => {
                refusal.get_or_insert(Refusal {
                    container: name.clone(),
                    reason: "CreateContainerConfigError".to_owned(),
                    message,
                    image: None,
                });
                Vec::new()
            }
        };
        let argv = strings(&container["command"])
            .into_iter()
            .chain(strings(&container["args"]))
            .map(|arg| expand(&arg, &env))
            .collect();
        let mounts = container["volumeMounts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|mount| (text(&mount["name"]), text(&mount["mountPath"])))
            .collect();
        steps.push(Step {
            container: name,
            argv,
            env,
            mounts,
        });
    }
    let volumes = spec["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|volume| volume.get("emptyDir").is_some())
        .map(|volume| text(&volume["name"]))
        .collect();
    let deadline = job["spec"]["activeDeadlineSeconds"]
        .as_u64()
        .map_or(DEFAULT_DEADLINE, Duration::from_secs);
    Plan {
        namespace: text(&metadata["namespace"]),
        name: text(&metadata["name"]),
        uid: text(&metadata["uid"]),
        refusal,
        steps,
        volumes,
        deadline,
    }
}

fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

/// A container's `env`, in order: literal values (expanded over the ones before), and values
/// from a Secret's or ConfigMap's key. A missing Secret or key is an error, as the kubelet
/// reports it, unless the reference is `optional`.
fn environment(
    env: &Value,
    lookup: &impl Fn(&str, &str) -> Option<BTreeMap<String, String>>,
) -> Result<Vec<(String, String)>, String> {
    let mut resolved: Vec<(String, String)> = Vec::new();
    for variable in env.as_array().into_iter().flatten() {
        let Some(name) = variable["name"].as_str() else {
            continue;
        };
        let value = if let Some(value) = variable["value"].as_str() {
            Some(expand(value, &resolved))
        } else {
            from_source(&variable["valueFrom"], lookup)?
        };
        if let Some(value) = value {
            resolved.retain(|(known, _)| known != name);
            resolved.push((name.to_owned(), value));
        }
    }
    Ok(resolved)
}

fn from_source(
    source: &Value,
    lookup: &impl Fn(&str, &str) -> Option<BTreeMap<String, String>>,
) -> Result<Option<String>, String> {
    let (plural, kind, reference) = if source["secretKeyRef"].is_object() {
        ("secrets", "secret", &source["secretKeyRef"])
    } else if source["configMapKeyRef"].is_object() {
        ("configmaps", "configmap", &source["configMapKeyRef"])
    } else {
        return Ok(None);
    };
    let name = reference["name"].as_str().unwrap_or_default();
    let key = reference["key"].as_str().unwrap_or_default();
    let optional = reference["optional"] == true;
    let Some(data) = lookup(plural, name) else {
        return if optional {
            Ok(None)
        } else {
            Err(format!("{kind} {name:?} not found"))
        };
    };
    match data.get(key) {
        Some(value) => Ok(Some(value.clone())),
        None if optional => Ok(None),
        None => Err(format!(
            "couldn't find key {key} in {}{} {name}",
            kind[..1].to_uppercase(),
            &kind[1..]
        )),
    }
}

/// Expands `$(NAME)` from `env` as the kubelet does: an unknown name is left as written, and
/// `$$` stands for a literal `$`.
pub fn expand(text: &str, env: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some((name, tail)) = after
            .strip_prefix('(')
            .and_then(|inner| inner.split_once(')'))
        {
            match env.iter().rev().find(|(known, _)| known == name) {
                Some((_, value)) => out.push_str(value),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = tail;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `env`, with every value that is a mount path, or a path under one, moved to where that
/// volume is on the host. `volumes` maps a volume name to its host directory.
pub fn rewrite_paths(
    env: &[(String, String)],
    mounts: &[(String, String)],
    volumes: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    env.iter()
        .map(|(name, value)| {
            let moved = mounts.iter().find_map(|(volume, path)| {
                let host = volumes.get(volume)?;
                let path = path.trim_end_matches('/');
                if value.as_str() == path {
                    Some(host.clone())
                } else {
                    value
                        .strip_prefix(path)
                        .filter(|rest| rest.starts_with('/'))
                        .map(|rest| format!("{host}{rest}"))
                }
            });
            (name.clone(), moved.unwrap_or_else(|| value.clone()))
        })
        .collect()
}
