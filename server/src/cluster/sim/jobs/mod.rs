//! batch/v1 Jobs, as the store keeps them: what a new Job's pod would run, with the
//! environment the kubelet would give it (`plan.rs`), the API's rules and defaults for Jobs
//! (`rules.rs`), and what a Job controller and kubelet report back (`status.rs`, and
//! `store/jobs.rs`). The store hands the work over as [`Chore`]s to the runner
//! (`sim/runner`), which does it on the host, off the store's lock.

pub mod plan;
pub mod rules;
pub mod status;

use plan::Plan;

/// Work the store asks of the host.
#[derive(Debug)]
pub enum Chore {
    /// Run a new Job.
    Run(Box<Plan>),
    /// Make the tenant database of a namespace.
    CreateDatabase(String),
    /// Drop the tenant database of a namespace that is gone.
    DropDatabase(String),
}

#[cfg(test)]
mod database_tests;
#[cfg(test)]
mod tests;
