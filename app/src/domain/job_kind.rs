//! The kinds of job and the steps each one is made of, shared by the engine, the database
//! and the pages that show a job's progress.

use serde::{Deserialize, Serialize};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Create everything a new tenant runs, and wait until it serves.
    Provision,
    /// Remove a tenant's namespace (its record is kept as deleted).
    Delete,
    /// Apply changed settings or a new release, roll the pods and wait for them.
    Update,
    /// Scale the workloads to zero and serve the maintenance page; data is kept.
    Suspend,
    /// Bring a suspended tenant's workloads back and wait until it serves.
    Resume,
    /// Remove the workloads of a suspended tenant for good; volumes are kept.
    Archive,
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
    step("dns", "Publish the store's DNS record", 120),
    step("ready", "Mark the store ready", 30),
];

const UPDATE: &[Step] = &[
    step("apply", "Update the configuration", 60),
    step("workloads", "Wait for the store to restart", 600),
    step("ready", "Mark the store ready", 30),
];

const SUSPEND: &[Step] = &[
    step("apply", "Stop the store and show the maintenance page", 60),
    step("maintenance", "Wait for the maintenance page", 300),
    step("stopped", "Wait for the store to stop", 300),
];

const RESUME: &[Step] = &[
    step("apply", "Start the store again", 60),
    step("database", "Wait for the database", 600),
    step("workloads", "Wait for the store to start", 600),
    step("ready", "Mark the store ready", 30),
];

const ARCHIVE: &[Step] = &[
    step("apply", "Remove the workloads, keep the data", 60),
    step("stopped", "Wait for the workloads to be gone", 300),
    step("archived", "Mark the store archived", 30),
];

const DELETE: &[Step] = &[
    step("namespace", "Delete the namespace", 60),
    step("gone", "Wait until everything is removed", 600),
    step("dns", "Remove the DNS record", 120),
    step("deleted", "Mark the tenant deleted", 30),
];

/// Every kind of job.
pub const ALL_KINDS: [JobKind; 6] = [
    JobKind::Provision,
    JobKind::Delete,
    JobKind::Update,
    JobKind::Suspend,
    JobKind::Resume,
    JobKind::Archive,
];

impl JobKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Provision => "provision",
            JobKind::Delete => "delete",
            JobKind::Update => "update",
            JobKind::Suspend => "suspend",
            JobKind::Resume => "resume",
            JobKind::Archive => "archive",
        }
    }

    /// Reads a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        ALL_KINDS.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The steps, in order.
    pub fn steps(self) -> &'static [Step] {
        match self {
            JobKind::Provision => PROVISION,
            JobKind::Delete => DELETE,
            JobKind::Update => UPDATE,
            JobKind::Suspend => SUSPEND,
            JobKind::Resume => RESUME,
            JobKind::Archive => ARCHIVE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_have_uniquely_named_steps() {
        for kind in ALL_KINDS {
            assert_eq!(JobKind::from_name(kind.as_str()), Some(kind));
            let mut names: Vec<&str> = kind.steps().iter().map(|s| s.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), kind.steps().len());
        }
    }
}
