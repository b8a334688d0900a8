//! Running one Job on the host: a working directory and one directory per `emptyDir` volume,
//! made fresh and removed afterwards; each container run in turn, its environment completed
//! with the host's `PATH` and the tenant database's libpq variables; the outcome written to
//! the store after each container.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::process::{self, Ending, Finished};
use crate::cluster::sim::databases::connection_env;
use crate::cluster::sim::jobs::plan::{rewrite_paths, Plan, Step};
use crate::cluster::sim::jobs::status::{tail, Outcome, MESSAGE_TAIL};
use crate::cluster::sim::store::PodStart;
use crate::cluster::sim::store::Store;

type Shared = Arc<Mutex<Store>>;

/// How long the Job controller waits before trying again to create a refused pod.
const POD_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs the Job `plan` describes, once, reporting to `store` as it goes.
pub async fn run(plan: Plan, store: Shared, databases: Option<String>) {
    // A pod the quota refuses is tried again, as the Job controller does, until the Job's
    // deadline.
    let until = Instant::now() + plan.deadline;
    let pod = loop {
        let started = lock(&store).job_started(&plan, Instant::now());
        match started {
            PodStart::Started(pod) => break pod,
            PodStart::Gone => return,
            PodStart::Refused if Instant::now() >= until => {
                let outcome = Outcome::Failed {
                    reason: "DeadlineExceeded".to_owned(),
                    message: "Job was active longer than specified deadline".to_owned(),
                };
                lock(&store).job_finished(&plan, None, &outcome, Instant::now());
                return;
            }
            PodStart::Refused => tokio::time::sleep(POD_RETRY).await,
        }
    };
    if let Some(refusal) = &plan.refusal {
        lock(&store).job_refused(&plan, &pod, refusal, Instant::now());
        return;
    }
    let scratch = std::env::temp_dir().join(format!("storefleet-job-{}", uuid::Uuid::new_v4()));
    let outcome = match prepare(&scratch, &plan.volumes) {
        Ok(volumes) => steps(&plan, &pod, &store, &scratch, &volumes, databases).await,
        Err(error) => Some(Outcome::Failed {
            reason: "BackoffLimitExceeded".to_owned(),
            message: format!("could not make the pod's volumes on the host: {error}"),
        }),
    };
    if let Err(error) = tokio::fs::remove_dir_all(&scratch).await {
        tracing::debug!(dir = %scratch.display(), %error, "a Job's directories could not be removed");
    }
    if let Some(outcome) = outcome {
        lock(&store).job_finished(&plan, Some(&pod), &outcome, Instant::now());
    }
}

/// Makes `scratch/work` (the working directory) and one directory per volume, by name.
fn prepare(scratch: &Path, volumes: &[String]) -> std::io::Result<BTreeMap<String, String>> {
    std::fs::create_dir_all(scratch.join("work"))?;
    let mut made = BTreeMap::new();
    for (index, volume) in volumes.iter().enumerate() {
        let dir = scratch.join(format!("volume-{index}"));
        std::fs::create_dir_all(&dir)?;
        made.insert(volume.clone(), dir.display().to_string());
    }
    Ok(made)
}

/// Runs the containers in order; the outcome, or `None` when the Job went away meanwhile.
async fn steps(
    plan: &Plan,
    pod: &str,
    store: &Shared,
    scratch: &Path,
    volumes: &BTreeMap<String, String>,
    databases: Option<String>,
) -> Option<Outcome> {
    let until = Instant::now() + plan.deadline;
    let mut database = databases
        .as_deref()
        .and_then(|admin| connection_env(admin, &plan.namespace))
        .unwrap_or_default();
    if !lock(store).database_serving(&plan.namespace, Instant::now()) {
        // Nothing behind the database's Service: the connection finds no server.
        let nowhere = scratch.join("no-database").display().to_string();
        for (name, value) in &mut database {
            if name == "PGHOST" {
                value.clone_from(&nowhere);
            }
        }
    }
    for step in &plan.steps {
        let env = environment(step, volumes, &database, scratch);
        lock(store).job_container_started(plan, pod, &step.container);
        let finished = {
            let (argv, store, plan, workdir) = (
                step.argv.clone(),
                store.clone(),
                plan.clone(),
                scratch.join("work"),
            );
            let ran = tokio::task::spawn_blocking(move || {
                process::run(&argv, &env, &workdir, until, || {
                    lock(&store).job_wanted(&plan)
                })
            });
            match ran.await {
                Ok(finished) => finished,
                Err(error) => Finished {
                    ending: Ending::NotStarted(format!("the runner failed: {error}")),
                    stdout: String::new(),
                    stderr: String::new(),
                },
            }
        };
        let code = match &finished.ending {
            Ending::Exited(code) => *code,
            Ending::DeadlineExceeded => 137,
            Ending::Cancelled => return None,
            Ending::NotStarted(_) => 128,
        };
        let mut stderr = finished.stderr.clone();
        if let Ending::NotStarted(why) = &finished.ending {
            stderr = why.clone();
        }
        let output = (finished.stdout.as_str(), stderr.as_str());
        lock(store).job_container_done(plan, pod, &step.container, code, output);
        match finished.ending {
            Ending::Exited(0) => {}
            Ending::DeadlineExceeded => {
                return Some(Outcome::Failed {
                    reason: "DeadlineExceeded".to_owned(),
                    message: "Job was active longer than specified deadline".to_owned(),
                })
            }
            _ => {
                let said = tail(&stderr, MESSAGE_TAIL);
                let message = if said.is_empty() {
                    format!("container {:?} exited with code {code}", step.container)
                } else {
                    said.to_owned()
                };
                return Some(Outcome::Failed {
                    reason: "BackoffLimitExceeded".to_owned(),
                    message,
                });
            }
        }
    }
    Some(Outcome::Complete)
}

/// A container's whole environment: `PATH` and `HOME` of the host, then its spec's, mount
/// paths moved to the host, then the tenant database's connection over whatever the spec
/// said.
fn environment(
    step: &Step,
    volumes: &BTreeMap<String, String>,
    database: &[(String, String)],
    scratch: &Path,
) -> Vec<(String, String)> {
    let mut env = vec![
        ("PATH".to_owned(), host_path()),
        (
            "HOME".to_owned(),
            scratch.join("work").display().to_string(),
        ),
    ];
    for (name, value) in rewrite_paths(&step.env, &step.mounts, volumes)
        .into_iter()
        .chain(database.iter().cloned())
    {
        env.retain(|(known, _)| *known != name);
        env.push((name, value));
    }
    env
}

/// The host's `PATH`, with the newest PostgreSQL client programs after it.
fn host_path() -> String {
    let mut path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned());
    if let Some(postgres) = newest_postgres_bin() {
        path.push(':');
        path.push_str(&postgres.display().to_string());
    }
    path
}

/// `/usr/lib/postgresql/<newest version>/bin`, if there is one.
fn newest_postgres_bin() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let version: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let bin = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin"));
            bin.is_dir().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
}
