//! What the API server does to a new pod or claim before it stores it, in its order: the API
//! defaults (a request defaults to its limit), the LimitRange defaults, validation (a request
//! may not exceed its limit), and then every ResourceQuota of the namespace. Pure, over plain
//! data, so the simulated cluster, the plan fit check and their property test share one rule.

use std::collections::BTreeMap;

use serde_json::Value;

use super::quantity::Amount;

/// Amounts by resource name (`cpu`, `limits.memory`, `pods`, ...).
pub type Usage = BTreeMap<String, Amount>;

/// One container's requests and limits, by resource (`cpu`, `memory`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    /// The container's name.
    pub name: String,
    /// What it requests.
    pub requests: Usage,
    /// What it may use at most.
    pub limits: Usage,
}

/// The defaults of one LimitRange item of type `Container`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerDefaults {
    /// Requests given to containers that set none (`defaultRequest`).
    pub request: Usage,
    /// Limits given to containers that set none (`default`).
    pub limit: Usage,
}

/// A ResourceQuota: its name and what it allows (`spec.hard`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quota {
    /// The quota's name, as refusals name it.
    pub name: String,
    /// The most the namespace may use of each resource it counts.
    pub hard: Usage,
}

/// Why the API server refuses an object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 403 from quota admission; the text after `pods "x" is forbidden: `.
    #[error("{0}")]
    Forbidden(String),
    /// 422 from validation; the field error after `Pod "x" is invalid: `.
    #[error("{0}")]
    Invalid(String),
}

/// The quota rules of one namespace and what it uses now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespace {
    /// Its ResourceQuotas.
    pub quotas: Vec<Quota>,
    /// The `Container` items of its LimitRanges, in order.
    pub defaults: Vec<ContainerDefaults>,
    /// What its pods and claims use now.
    pub used: Usage,
}

impl Namespace {
    /// Admits a new pod with these containers: returns them with every default applied, and
    /// counts their usage, or says why the API server would refuse the pod.
    pub fn admit_pod(&mut self, containers: &[Container]) -> Result<Vec<Container>, Refusal> {
        let containers = with_defaults(containers, &self.defaults);
        validate(&containers)?;
        self.charge(&pod_usage(&containers), Some(&containers))?;
        Ok(containers)
    }

    /// Admits a new claim of `storage`, or says why the API server would refuse it.
    pub fn admit_claim(&mut self, storage: Amount) -> Result<(), Refusal> {
        self.charge(&claim_usage(storage), None)
    }

    /// Gives back what a removed pod or claim used.
    pub fn release(&mut self, usage: &Usage) {
        for (resource, amount) in usage {
            let used = self.used.entry(resource.clone()).or_default();
            *used = Amount(used.0 - amount.0);
        }
    }

    /// What `quota` counts now (its `status.used`): the namespace's use of each resource it
    /// limits.
    pub fn used_by(&self, quota: &Quota) -> Usage {
        quota
            .hard
            .keys()
            .map(|resource| {
                let used = self.used.get(resource).copied().unwrap_or_default();
                (resource.clone(), used)
            })
            .collect()
    }

    fn charge(&mut self, usage: &Usage, pod: Option<&[Container]>) -> Result<(), Refusal> {
        for quota in &self.quotas {
            if let Some(containers) = pod {
                unspecified(quota, containers)?;
            }
            let exceeded: Vec<&String> = quota
                .hard
                .iter()
                .filter(|(resource, hard)| {
                    usage.get(*resource).is_some_and(|wanted| {
                        let used = self.used.get(*resource).copied().unwrap_or_default();
                        used.plus(*wanted) > **hard
                    })
                })
                .map(|(resource, _)| resource)
                .collect();
            if !exceeded.is_empty() {
                let list = |of: &dyn Fn(&str) -> Amount| {
                    exceeded
                        .iter()
                        .map(|r| format!("{r}={}", of(r).canonical(r)))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                let amount = |map: &Usage, r: &str| map.get(r).copied().unwrap_or_default();
                return Err(Refusal::Forbidden(format!(
                    "exceeded quota: {}, requested: {}, used: {}, limited: {}",
                    quota.name,
                    list(&|r| amount(usage, r)),
                    list(&|r| amount(&self.used, r)),
                    list(&|r| amount(&quota.hard, r)),
                )));
            }
        }
        for (resource, amount) in usage {
            let used = self.used.entry(resource.clone()).or_default();
            *used = used.plus(*amount);
        }
        Ok(())
    }
}

/// A quota on `requests.cpu` (say) refuses pods with a container that requests no cpu.
fn unspecified(quota: &Quota, containers: &[Container]) -> Result<(), Refusal> {
    let mut missing = Vec::new();
    for resource in quota.hard.keys() {
        let (limits, name) = match resource.split_once('.') {
            Some(("requests", name)) => (false, name),
            Some(("limits", name)) => (true, name),
            _ if resource == "cpu" || resource == "memory" => (false, resource.as_str()),
            _ => continue,
        };
        if name != "cpu" && name != "memory" {
            continue;
        }
        let without: Vec<&str> = containers
            .iter()
            .filter(|c| {
                let set = if limits { &c.limits } else { &c.requests };
                !set.contains_key(name)
            })
            .map(|c| c.name.as_str())
            .collect();
        if !without.is_empty() {
            missing.push(format!("{resource} for: {}", without.join(",")));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Forbidden(format!(
            "failed quota: {}: must specify {}",
            quota.name,
            missing.join("; ")
        )))
    }
}

/// The containers as the API server stores them: a request left out defaults to the
/// container's limit, then the first LimitRange default for what is still unset.
pub fn with_defaults(containers: &[Container], defaults: &[ContainerDefaults]) -> Vec<Container> {
    containers
        .iter()
        .map(|container| {
            let mut container = container.clone();
            for (resource, limit) in &container.limits {
                container.requests.entry(resource.clone()).or_insert(*limit);
            }
            for item in defaults {
                for (resource, limit) in &item.limit {
                    container.limits.entry(resource.clone()).or_insert(*limit);
                }
                for (resource, request) in &item.request {
                    container
                        .requests
                        .entry(resource.clone())
                        .or_insert(*request);
                }
            }
            container
        })
        .collect()
}

/// No container may request more than its limit.
pub fn validate(containers: &[Container]) -> Result<(), Refusal> {
    for (index, container) in containers.iter().enumerate() {
        for (resource, request) in &container.requests {
            if let Some(limit) = container.limits.get(resource) {
                if request > limit {
                    return Err(Refusal::Invalid(format!(
                        "spec.containers[{index}].resources.requests: Invalid value: \"{}\": \
                         must be less than or equal to {resource} limit of {}",
                        request.canonical(resource),
                        limit.canonical(resource),
                    )));
                }
            }
        }
    }
    Ok(())
}

/// What a pod with these (defaulted) containers counts against a quota.
pub fn pod_usage(containers: &[Container]) -> Usage {
    let mut usage = Usage::new();
    let mut add = |resource: String, amount: Amount| {
        let entry = usage.entry(resource).or_default();
        *entry = entry.plus(amount);
    };
    for container in containers {
        for (resource, amount) in &container.requests {
            add(format!("requests.{resource}"), *amount);
            if resource == "cpu" || resource == "memory" {
                add(resource.clone(), *amount);
            }
        }
        for (resource, amount) in &container.limits {
            add(format!("limits.{resource}"), *amount);
        }
    }
    usage.insert("pods".to_owned(), Amount::units(1));
    usage.insert("count/pods".to_owned(), Amount::units(1));
    usage
}

/// What a claim of `storage` counts against a quota.
pub fn claim_usage(storage: Amount) -> Usage {
    Usage::from([
        ("requests.storage".to_owned(), storage),
        ("persistentvolumeclaims".to_owned(), Amount::units(1)),
        ("count/persistentvolumeclaims".to_owned(), Amount::units(1)),
    ])
}

/// Reads a `{name: quantity}` map of an object; unreadable quantities are left out (the
/// API server would not have stored them).
pub fn usage_of(map: &Value) -> Usage {
    map.as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(resource, quantity)| {
                    let amount = Amount::parse(quantity.as_str()?).ok()?;
                    Some((resource.clone(), amount))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The containers of a pod spec (`spec.containers`), as plain data.
pub fn containers_of(pod_spec: &Value) -> Vec<Container> {
    pod_spec["containers"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|c| Container {
                    name: c["name"].as_str().unwrap_or_default().to_owned(),
                    requests: usage_of(&c["resources"]["requests"]),
                    limits: usage_of(&c["resources"]["limits"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The `Container` items of a LimitRange object.
pub fn defaults_of(limit_range: &Value) -> Vec<ContainerDefaults> {
    limit_range["spec"]["limits"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|item| item["type"] == "Container")
                .map(|item| {
                    let limit = usage_of(&item["default"]);
                    let mut request = usage_of(&item["defaultRequest"]);
                    // The API server stores a LimitRange with `defaultRequest` defaulted to
                    // `default`.
                    for (resource, amount) in &limit {
                        request.entry(resource.clone()).or_insert(*amount);
                    }
                    ContainerDefaults { request, limit }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A ResourceQuota object as plain data.
pub fn quota_of(quota: &Value) -> Quota {
    Quota {
        name: quota["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        hard: usage_of(&quota["spec"]["hard"]),
    }
}

#[cfg(test)]
mod tests;
