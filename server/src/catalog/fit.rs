//! Whether a plan's quota holds what its blueprint runs. Pure: the same rules as the API
//! server's admission (`cluster::admission`) over the objects the manifests would render, so
//! a plan that passes gets every pod admitted, during updates, backups and suspensions too.
//!
//! What a tenant needs, for every resource its ResourceQuota counts: each component's pod
//! (requests and limits, LimitRange defaults applied) times its replicas, and each volume;
//! and on top, at the worst moment, either the extra pods of a rolling update (`maxSurge` of
//! every Deployment that surges) with a backup's dump Job running meanwhile, or the
//! maintenance page started before the store stops.

use serde_json::json;

use app::domain::{Blueprint, Plan};

use crate::cluster::admission::{self, Container, Usage};
use crate::cluster::quantity::{Amount, QuantityError};
use crate::provision::manifests::{data_jobs, maintenance, namespace, workloads};

/// Why a plan does not fit its blueprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    /// Its quota is too small: what each short resource needs and allows.
    #[error("{plan}: {}", shortfalls.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    TooSmall {
        /// The plan.
        plan: String,
        /// Every resource it lacks.
        shortfalls: Vec<Shortfall>,
    },
    /// A quantity in the plan or blueprint cannot be read.
    #[error("{plan}: {what}: {source}")]
    Quantity {
        /// The plan.
        plan: String,
        /// Where the quantity is.
        what: String,
        /// Why.
        #[source]
        source: QuantityError,
    },
    /// A component's pod would be refused as invalid whatever the quota.
    #[error("{plan}: component {component} would be refused: {message}")]
    Invalid {
        /// The plan.
        plan: String,
        /// The component.
        component: String,
        /// The API server's field error.
        message: String,
    },
    /// The plan names another blueprint than the one given.
    #[error("{plan}: runs blueprint {wanted}, which does not exist")]
    NoBlueprint {
        /// The plan.
        plan: String,
        /// The blueprint it names.
        wanted: String,
    },
}

/// Result of a fit check.
pub type Result<T> = std::result::Result<T, FitError>;

/// One resource a quota holds too little of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// The quota's resource name, e.g. `limits.cpu`.
    pub resource: String,
    /// What the tenant uses while it serves.
    pub needs: Amount,
    /// What it uses on top during updates, backups and suspensions, at most.
    pub extra: Amount,
    /// What the quota allows.
    pub allows: Amount,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.resource.as_str();
        write!(f, "{r} needs {}", self.needs.human(r))?;
        if self.extra > Amount::ZERO {
            write!(f, " (+{} during updates and backups)", self.extra.human(r))?;
        }
        write!(f, ", quota allows {}", self.allows.human(r))
    }
}

/// What a blueprint's tenant uses: while serving, and on top at the worst moment of an
/// update or a suspension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// Every pod and claim of a serving tenant.
    pub serving: Usage,
    /// The most a rolling update with a dump Job, or the maintenance page, adds, per resource.
    pub extra: Usage,
}

/// Checks that `plan`'s quota holds `blueprint`'s workloads, with room for updates.
pub fn check(plan: &Plan, blueprint: &Blueprint) -> Result<()> {
    let name = plan.name.as_str();
    let needs = needs(name, blueprint)?;
    let hard = hard(plan)?;
    let shortfalls: Vec<Shortfall> = hard
        .iter()
        .filter_map(|(resource, allows)| {
            let needs_now = needs.serving.get(resource).copied().unwrap_or_default();
            let extra = needs.extra.get(resource).copied().unwrap_or_default();
            (needs_now.plus(extra) > *allows).then(|| Shortfall {
                resource: resource.clone(),
                needs: needs_now,
                extra,
                allows: *allows,
            })
        })
        .collect();
    if shortfalls.is_empty() {
        Ok(())
    } else {
        Err(FitError::TooSmall {
            plan: name.to_owned(),
            shortfalls,
        })
    }
}

/// Checks every plan against its blueprint; every plan that does not fit, with why.
pub fn check_all(plans: &[Plan], blueprints: &[Blueprint]) -> Vec<FitError> {
    plans
        .iter()
        .filter_map(|plan| {
            let Some(blueprint) = blueprints.iter().find(|b| b.name == plan.blueprint) else {
                return Some(FitError::NoBlueprint {
                    plan: plan.name.clone(),
                    wanted: plan.blueprint.clone(),
                });
            };
            check(plan, blueprint).err()
        })
        .collect()
}

/// The quota the plan's namespace gets, as amounts.
fn hard(plan: &Plan) -> Result<Usage> {
    namespace::quota_hard(&plan.quota)
        .into_iter()
        .map(|(resource, quantity)| {
            let amount = Amount::parse(&quantity.0).map_err(|source| FitError::Quantity {
                plan: plan.name.clone(),
                what: format!("quota {resource}"),
                source,
            })?;
            Ok((resource, amount))
        })
        .collect()
}

/// What a tenant of `blueprint` uses, as admission would count it.
pub fn needs(plan: &str, blueprint: &Blueprint) -> Result<Needs> {
    let defaults = admission::defaults_of(&json!({
        "spec": { "limits": [namespace::container_defaults()] },
    }));
    let pod = |component: &app::domain::blueprint::Component| -> Result<Usage> {
        let resources = serde_json::to_value(workloads::resources(component)).unwrap_or_default();
        for side in ["requests", "limits"] {
            for (resource, quantity) in resources[side].as_object().into_iter().flatten() {
                let text = quantity.as_str().unwrap_or_default();
                Amount::parse(text).map_err(|source| FitError::Quantity {
                    plan: plan.to_owned(),
                    what: format!("component {} {side}.{resource}", component.name),
                    source,
                })?;
            }
        }
        let container = Container {
            name: component.name.clone(),
            requests: admission::usage_of(&resources["requests"]),
            limits: admission::usage_of(&resources["limits"]),
        };
        let containers = admission::with_defaults(&[container], &defaults);
        admission::validate(&containers).map_err(|refusal| FitError::Invalid {
            plan: plan.to_owned(),
            component: component.name.clone(),
            message: refusal.to_string(),
        })?;
        Ok(admission::pod_usage(&containers))
    };

    let mut serving = Usage::new();
    let mut surge = Usage::new();
    for component in &blueprint.components {
        let usage = pod(component)?;
        let replicas = i64::from(workloads::replicas(component).max(0));
        add(&mut serving, &usage, replicas);
        if workloads::surges(component) {
            let extra = i64::from(workloads::max_surge(workloads::replicas(component)));
            add(&mut surge, &usage, extra);
        }
    }
    for volume in &blueprint.volumes {
        let size = Amount::parse(&volume.size).map_err(|source| FitError::Quantity {
            plan: plan.to_owned(),
            what: format!("volume {} size", volume.name),
            source,
        })?;
        add(&mut serving, &admission::claim_usage(size), 1);
    }
    let job = data_jobs::resources();
    let job = admission::with_defaults(
        &[Container {
            name: "dump".to_owned(),
            requests: admission::usage_of(&serde_json::to_value(&job.requests).unwrap_or_default()),
            limits: admission::usage_of(&serde_json::to_value(&job.limits).unwrap_or_default()),
        }],
        &defaults,
    );
    add(&mut surge, &admission::pod_usage(&job), 1);
    let maintenance = pod(&maintenance::component())?;
    let mut extra = surge;
    for (resource, amount) in maintenance {
        let worst = extra.entry(resource).or_default();
        *worst = (*worst).max(amount);
    }
    Ok(Needs { serving, extra })
}

fn add(total: &mut Usage, usage: &Usage, times: i64) {
    for (resource, amount) in usage {
        let entry = total.entry(resource.clone()).or_default();
        *entry = entry.plus(amount.times(times));
    }
}

#[cfg(test)]
mod tests;
