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
