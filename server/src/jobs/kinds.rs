//! The kinds of job and the steps each one is made of.

use serde::{Deserialize, Serialize};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Create everything a new tenant runs, and wait until it serves.
    Provision,
    /// Remove a tenant's namespace (its record is kept as deleted).
    Delete,
}

/// One step of a job: a name for people and logs, and how long it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Stable name, e.g. `apply`.
    pub name: &'static str,
    /// What the progress view shows.
    pub title: &'static str,
    /// After this long without finishing, the attempt fails (and is retried).
    pub timeout_secs: u64,
}

const fn step(name: &'static str, title: &'static str, timeout_secs: u64) -> Step {
    Step {
        name,
        title,
        timeout_secs,
    }
}

const PROVISION: &[Step] = &[
    step("apply", "Create the namespace and its objects", 60),
    step("volumes", "Wait for volumes to be bound", 300),
    step("database", "Wait for the database", 600),
    step("workloads", "Wait for the store to start", 600),
    step("address", "Wait for a public address", 600),
    step("ready", "Mark the store ready", 30),
];

const DELETE: &[Step] = &[
    step("namespace", "Delete the namespace", 60),
    step("gone", "Wait until everything is removed", 600),
    step("deleted", "Mark the tenant deleted", 30),
];

impl JobKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Provision => "provision",
            JobKind::Delete => "delete",
        }
    }

    /// Reads a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "provision" => Some(JobKind::Provision),
            "delete" => Some(JobKind::Delete),
            _ => None,
        }
    }

    /// The steps, in order.
    pub fn steps(self) -> &'static [Step] {
        match self {
            JobKind::Provision => PROVISION,
            JobKind::Delete => DELETE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_have_uniquely_named_steps() {
        for kind in [JobKind::Provision, JobKind::Delete] {
            assert_eq!(JobKind::from_name(kind.as_str()), Some(kind));
            let mut names: Vec<&str> = kind.steps().iter().map(|s| s.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), kind.steps().len());
        }
    }
}
