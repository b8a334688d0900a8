//! What the cluster says about a tenant: its workloads' health and its objects.

use serde::{Deserialize, Serialize};

/// One Deployment or StatefulSet: ready replicas of those wanted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadHealth {
    /// The workload's name (the blueprint component).
    pub name: String,
    /// Ready replicas.
    pub ready: i32,
    /// Wanted replicas.
    pub desired: i32,
}

/// A tenant's health as read from its namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantHealth {
    /// Its workloads.
    pub workloads: Vec<WorkloadHealth>,
    /// Pods ready, of all pods.
    pub pods_ready: usize,
    /// All pods.
    pub pods_total: usize,
    /// Container restarts, summed over the pods.
    pub restarts: i32,
    /// Recent warning events, newest first: "reason: message".
    pub warnings: Vec<String>,
    /// Why a store meant to serve does not (a workload short of ready replicas: a crash
    /// loop, an eviction), with the newest warning. Its lifecycle state does not change.
    pub degraded: Option<String>,
    /// What differs from the store's render, as the reconciler last saw it.
    pub drift: Option<String>,
    /// The reconciler's latest findings, newest first, e.g.
    /// "12:03 UTC · Deployment web missing · repaired".
    pub repairs: Vec<String>,
    /// Whether drift is put back, or only reported.
    pub self_heal: bool,
}

impl TenantHealth {
    /// Why the workloads do not serve as they should, if they do not: each one short of its
    /// ready replicas, and the newest warning.
    pub fn shortfall(&self) -> Option<String> {
        let short: Vec<String> = self
            .workloads
            .iter()
            .filter(|w| w.ready < w.desired)
            .map(|w| format!("{} {}/{} ready", w.name, w.ready, w.desired))
            .collect();
        if short.is_empty() {
            return None;
        }
        let mut reason = short.join(", ");
        if let Some(warning) = self.warnings.first() {
            reason.push_str(" (");
            reason.push_str(warning);
            reason.push(')');
        }
        Some(reason)
    }
}

/// One object of a tenant on the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterObjectView {
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its status in a few words, e.g. "1/1 ready" or "Bound".
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(workloads: &[(&str, i32, i32)], warnings: &[&str]) -> TenantHealth {
        TenantHealth {
            workloads: workloads
                .iter()
                .map(|(name, ready, desired)| WorkloadHealth {
                    name: (*name).to_owned(),
                    ready: *ready,
                    desired: *desired,
                })
                .collect(),
            pods_ready: 0,
            pods_total: 0,
            restarts: 0,
            warnings: warnings.iter().map(|w| (*w).to_owned()).collect(),
            degraded: None,
            drift: None,
            repairs: Vec::new(),
            self_heal: true,
        }
    }

    #[test]
    fn a_workload_short_of_ready_replicas_says_which_and_why() {
        assert_eq!(
            health(&[("web", 1, 1), ("api", 1, 1)], &["x"]).shortfall(),
            None
        );
        assert_eq!(
            health(
                &[("web", 0, 1), ("api", 1, 1)],
                &["BackOff: restarting failed container"]
            )
            .shortfall()
            .as_deref(),
            Some("web 0/1 ready (BackOff: restarting failed container)")
        );
        assert_eq!(
            health(&[("web", 0, 2)], &[]).shortfall().as_deref(),
            Some("web 0/2 ready")
        );
    }
}
