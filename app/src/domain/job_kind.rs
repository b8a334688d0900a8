//! The kinds of job and the steps each one is made of, shared by the engine, the database
//! and the pages that show a job's progress.

use serde::{Deserialize, Serialize};

/// What a job does.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
    /// Put a backup's data back into the tenant's database: saved first, the store stopped
    /// meanwhile.
    Restore,
    /// A customer's store taking over a ready standby store of its plan: bound to the
    /// customer, published, and ready within seconds.
    Claim,
}

/// What a step does: one name in the engine, the timeline and the database.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
pub enum StepName {
    #[doc = "The `apply` step."]
    Apply,
    #[doc = "The `volumes` step."]
    Volumes,
    #[doc = "The `database` step."]
    Database,
    #[doc = "The `workloads` step."]
    Workloads,
    #[doc = "The `address` step."]
    Address,
    #[doc = "The `dns` step."]
    Dns,
    #[doc = "The `ready` step."]
    Ready,
    #[doc = "The `maintenance` step."]
    Maintenance,
    #[doc = "The `stopped` step."]
    Stopped,
    #[doc = "The `archived` step."]
    Archived,
    #[doc = "The `namespace` step."]
    Namespace,
    #[doc = "The `gone` step."]
    Gone,
    #[doc = "The `deleted` step."]
    Deleted,
    #[doc = "The `saved` step."]
    Saved,
    #[doc = "The `restored` step."]
    Restored,
    #[doc = "The `start` step."]
    Start,
}

impl StepName {
    /// Every step name.
    pub const ALL: [StepName; 16] = [
        StepName::Apply,
        StepName::Volumes,
        StepName::Database,
        StepName::Workloads,
        StepName::Address,
        StepName::Dns,
        StepName::Ready,
        StepName::Maintenance,
        StepName::Stopped,
        StepName::Archived,
        StepName::Namespace,
        StepName::Gone,
        StepName::Deleted,
        StepName::Saved,
        StepName::Restored,
        StepName::Start,
    ];

    /// The stored name, e.g. `apply`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One step of a job: a name for people and logs, and how long it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// What it does.
    pub name: StepName,
    /// What the progress view shows.
    pub title: &'static str,
    /// After this long without finishing, the attempt fails (and is retried).
    pub timeout_secs: u64,
}

const fn step(name: StepName, title: &'static str, timeout_secs: u64) -> Step {
    Step {
        name,
        title,
        timeout_secs,
    }
}

const PROVISION: &[Step] = &[
    step(StepName::Apply, "Create the namespace and its objects", 60),
    step(StepName::Volumes, "Wait for volumes to be bound", 300),
    step(StepName::Database, "Wait for the database", 600),
    step(StepName::Workloads, "Wait for the store to start", 600),
    step(StepName::Address, "Wait for a public address", 600),
    step(StepName::Dns, "Publish the store's DNS record", 120),
    step(StepName::Ready, "Mark the store ready", 30),
];

const UPDATE: &[Step] = &[
    step(StepName::Apply, "Update the configuration", 60),
    step(StepName::Workloads, "Wait for the store to restart", 600),
    step(StepName::Ready, "Mark the store ready", 30),
];

const SUSPEND: &[Step] = &[
    step(
        StepName::Apply,
        "Stop the store and show the maintenance page",
        60,
    ),
    step(StepName::Maintenance, "Wait for the maintenance page", 300),
    step(StepName::Stopped, "Wait for the store to stop", 300),
];

const RESUME: &[Step] = &[
    step(StepName::Apply, "Start the store again", 60),
    step(StepName::Database, "Wait for the database", 600),
    step(StepName::Workloads, "Wait for the store to start", 600),
    step(StepName::Ready, "Mark the store ready", 30),
];

const ARCHIVE: &[Step] = &[
    step(StepName::Start, "Start the database for a last backup", 60),
    step(StepName::Database, "Wait for the database", 600),
    step(StepName::Saved, "Back up the data a last time", 3600),
    step(StepName::Apply, "Remove the workloads, keep the data", 60),
    step(StepName::Stopped, "Wait for the workloads to be gone", 300),
    step(StepName::Archived, "Mark the store archived", 30),
];

const DELETE: &[Step] = &[
    step(StepName::Namespace, "Delete the namespace", 60),
    step(StepName::Gone, "Wait until everything is removed", 600),
    step(StepName::Dns, "Remove the DNS record", 120),
    step(StepName::Deleted, "Mark the tenant deleted", 30),
];

const RESTORE: &[Step] = &[
    step(StepName::Saved, "Back up the data as it is now", 3600),
    step(
        StepName::Apply,
        "Stop the store and show the maintenance page",
        60,
    ),
    step(StepName::Stopped, "Wait for the store to stop", 300),
    step(StepName::Restored, "Restore the backup's data", 3600),
    step(StepName::Start, "Start the store again", 60),
    step(StepName::Workloads, "Wait for the store to start", 600),
    step(StepName::Ready, "Mark the store ready", 30),
];

const CLAIM: &[Step] = &[
    step(
        StepName::Apply,
        "Take a ready standby store and set it up for you",
        60,
    ),
    step(
        StepName::Workloads,
        "Wait for the store with your settings",
        600,
    ),
    step(StepName::Address, "Wait for a public address", 600),
    step(StepName::Dns, "Publish the store's DNS record", 120),
    step(StepName::Ready, "Mark the store ready", 30),
];

/// Every kind of job.
pub const ALL_KINDS: [JobKind; 8] = [
    JobKind::Provision,
    JobKind::Delete,
    JobKind::Update,
    JobKind::Suspend,
    JobKind::Resume,
    JobKind::Archive,
    JobKind::Restore,
    JobKind::Claim,
];

impl JobKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
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
            JobKind::Restore => RESTORE,
            JobKind::Claim => CLAIM,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_have_uniquely_named_steps() {
        for kind in ALL_KINDS {
            assert_eq!(kind.as_str().parse::<JobKind>().ok(), Some(kind));
            let mut names: Vec<StepName> = kind.steps().iter().map(|s| s.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), kind.steps().len());
        }
    }
}
