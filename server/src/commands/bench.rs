//! `storefleet bench provision`: creates tenants in a burst against a throw-away SQLite database
//! and an in-process simulated cluster, runs the real worker and provisioning engine on them,
//! and reports how long each tenant took from its creation to its provision job succeeded (the
//! jobs table's `created_at` and `finished_at`).
//!
//! What bounds the figures: the worker looks for due jobs every [`WORKER_POLL`] when idle; a
//! readiness step that finds the cluster not ready yet (`--ready-delay-ms` above 0) waits the
//! engine's own 500 ms before looking again; and with more tenants than `--concurrency`, most
//! of a tenant's time is spent queued behind the others, which the report shows apart.

use std::collections::BTreeMap;
use std::fmt::{Debug, Write as _};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use kube::api::{DynamicObject, ListParams};
use kube::{Api, Client};
use sqlx::AnyPool;
use tokio::sync::watch;

use app::domain::{Actor, EventKind, Subdomain};
use app::ports::TenantAdmin;

use crate::cli::{BenchCommand, ProvisionBenchArgs};
use crate::clock::now_ms;
use crate::cluster::{SimCluster, SimOptions};
use crate::config::DbConfig;
use crate::db::catalog;
use crate::db::jobs::{self, JobRecord, JobState};
use crate::jobs::{JobKind, Worker, WorkerOptions};
use crate::provision::engine::Engine;
use crate::provision::labels;
use crate::provision::manifests::{self, ClusterSettings, Mode, TenantSpec};
use crate::provision::watch::{ClusterWatch, Watching};
use crate::serve;
use crate::tenants::TenantService;

use super::measure::{Percentiles, ScratchFolder};

/// The plan every benchmark tenant gets.
const PLAN: &str = "starter";
/// The worker's idle poll: small, so that claiming a new job adds little to the figures.
const WORKER_POLL: Duration = Duration::from_millis(20);
/// How often the benchmark looks at the job it is waiting for.
const WATCH_POLL: Duration = Duration::from_millis(50);

/// Runs a benchmark command.
pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Provision(args) => provision(&args).await,
        BenchCommand::AdminPage(args) => super::bench_admin::run(&args).await,
        BenchCommand::Reconcile(args) => super::bench_reconcile::run(&args).await,
        BenchCommand::Rollout(args) => super::bench_rollout::run(&args).await,
        BenchCommand::Backup(args) => super::bench_backup::run(&args).await,
        BenchCommand::Pool(args) => super::bench_pool::run(&args).await,
        BenchCommand::Progress(args) => super::bench_progress::run(&args).await,
    }
}

async fn provision(args: &ProvisionBenchArgs) -> anyhow::Result<()> {
    let folder = ScratchFolder::create()?;
    let database = serve::open_database(&DbConfig {
        database_url: folder.database_url(),
    })
    .await?;
    let cluster = SimCluster::start(SimOptions {
        ready_delay: Duration::from_millis(args.ready_delay_ms),
        request_latency: Duration::from_millis(args.api_latency_ms),
        ..SimOptions::default()
    })
    .await?;
    let settings = args.cluster.settings();
    let client = cluster.engine_client()?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let watching = Watching::default();
    let cluster_watch = ClusterWatch::new(
        client.clone(),
        database.pool.clone(),
        &settings.namespace_prefix,
        wake.clone(),
        watching.clone(),
    );
    let engine =
        Engine::new(database.pool.clone(), client, settings.clone()).with_watching(watching);
    let worker = Worker::new(
        database.pool.clone(),
        Arc::new(engine),
        WorkerOptions {
            concurrency: args.concurrency as usize,
            poll: WORKER_POLL,
            wake,
            ..WorkerOptions::new()
        },
    );
    let (stop_worker, worker_stopped) = watch::channel(false);
    let cluster_watch = tokio::spawn(cluster_watch.run(worker_stopped.clone()));
    let worker = tokio::spawn(worker.run(worker_stopped));

    let traffic = cluster.traffic();
    let measured = measure(args, &database.pool, &cluster.client(), &settings)
        .await
        .map(|report| Report {
            requests: traffic.requests(),
            ..report
        });

    let _ = stop_worker.send(true);
    worker.await.context("the worker panicked")?;
    cluster_watch.await.context("the cluster watch panicked")?;
    cluster.stop().await?;
    database.pool.close().await;
    drop(folder);

    let report = measured?;
    print!("{}", report.text());
    report.verdict().map_err(|problem| anyhow!(problem))
}

/// Creates the tenants, waits for their jobs and gathers the figures.
async fn measure(
    args: &ProvisionBenchArgs,
    pool: &AnyPool,
    client: &Client,
    settings: &ClusterSettings,
) -> anyhow::Result<Report> {
    let objects_per_tenant = rendered_objects(pool, settings).await?;
    let tenants = TenantService::new(pool.clone(), settings.clone());
    let started = now_ms();
    let mut job_ids = Vec::new();
    for number in 1..=args.tenants {
        let (_, job_id) = tenants
            .create(
                &Actor::operator("benchmark"),
                &subdomain(number),
                PLAN,
                None,
            )
            .await
            .with_context(|| format!("creating tenant {}", subdomain(number)))?;
        job_ids.push(job_id.to_string());
    }
    let timeout = Duration::from_secs(args.timeout_secs);
    let records = wait_for_all(pool, &job_ids, timeout).await?;

    let mut total = Vec::new();
    let mut queued = Vec::new();
    for job in records.iter().filter(|j| j.state == JobState::Succeeded) {
        let finished = job.finished_at.unwrap_or(job.created_at);
        total.push(finished - job.created_at);
        let events = jobs::events_after(pool, &job.id, 0).await?;
        if let Some(first) = events.iter().find(|e| e.kind == EventKind::Started) {
            queued.push(first.at - job.created_at);
        }
    }
    let durations =
        jobs::recent_step_durations(pool, JobKind::Provision, i64::from(args.tenants)).await?;
    let steps = JobKind::Provision
        .steps()
        .iter()
        .zip(durations)
        .map(|(step, samples)| (step.name.as_str(), Percentiles::of(&samples)))
        .collect();
    let failed: Vec<&JobRecord> = records
        .iter()
        .filter(|j| j.state == JobState::Failed)
        .collect();
    let finished_last = records.iter().filter_map(|j| j.finished_at).max();
    Ok(Report {
        tenants: args.tenants as usize,
        concurrency: args.concurrency as usize,
        ready_delay_ms: args.ready_delay_ms,
        api_latency_ms: args.api_latency_ms,
        requests: 0,
        wall_ms: finished_last.unwrap_or(started) - started,
        total: Percentiles::of(&total),
        queued: Percentiles::of(&queued),
        steps,
        failed: failed.len(),
        first_error: failed.iter().find_map(|j| j.last_error.clone()),
        objects: cluster_objects(client).await?,
        objects_per_tenant,
    })
}

/// The `number`-th benchmark tenant's subdomain: `bench-0001`, `bench-0002`, …
fn subdomain(number: u32) -> String {
    format!("bench-{number:04}")
}

/// How many objects the engine renders for one tenant of [`PLAN`] with default settings.
async fn rendered_objects(pool: &AnyPool, settings: &ClusterSettings) -> anyhow::Result<usize> {
    let plan = catalog::plan(pool, PLAN)
        .await?
        .ok_or_else(|| anyhow!("no plan named {PLAN:?}"))?;
    let blueprint = catalog::blueprint(pool, &plan.blueprint)
        .await?
        .ok_or_else(|| anyhow!("plan {PLAN} names a missing blueprint {}", plan.blueprint))?;
    let first = Subdomain::parse(&subdomain(1))?;
    let spec = TenantSpec {
        subdomain: &first,
        key: first.as_str(),
        owner: None,
        standby: false,
        plan: &plan,
        blueprint: &blueprint,
        settings: &BTreeMap::new(),
        release: &BTreeMap::new(),
        database_password: "unused",
        mode: Mode::Serving,
    };
    Ok(manifests::render(&spec, settings)?.len())
}

/// Waits until every job has finished (succeeded or failed), one after the other, so that
/// watching costs one query per job and per [`WATCH_POLL`].
async fn wait_for_all(
    pool: &AnyPool,
    ids: &[String],
    timeout: Duration,
) -> anyhow::Result<Vec<JobRecord>> {
    let deadline = Instant::now() + timeout;
    let mut finished = Vec::with_capacity(ids.len());
    for id in ids {
        loop {
            let job = jobs::get(pool, id)
                .await?
                .ok_or_else(|| anyhow!("job {id} disappeared"))?;
            if matches!(job.state, JobState::Succeeded | JobState::Failed) {
                finished.push(job);
                break;
            }
            if Instant::now() >= deadline {
                let mut all = Vec::with_capacity(ids.len());
                for id in ids {
                    all.extend(jobs::get(pool, id).await?);
                }
                bail!("{}", timed_out(&all, ids.len(), timeout));
            }
            tokio::time::sleep(WATCH_POLL).await;
        }
    }
    Ok(finished)
}

/// What to say when the deadline passed with jobs still unfinished.
fn timed_out(jobs: &[JobRecord], expected: usize, timeout: Duration) -> String {
    let done = |state| jobs.iter().filter(|j| j.state == state).count();
    let (succeeded, failed) = (done(JobState::Succeeded), done(JobState::Failed));
    let first_error = jobs
        .iter()
        .find_map(|j| j.last_error.as_deref())
        .unwrap_or("none recorded");
    format!(
        "after {} s, {} of {expected} provision jobs are unfinished ({succeeded} succeeded, \
         {failed} failed); first error: {first_error}",
        timeout.as_secs(),
        expected - succeeded - failed,
    )
}

/// Every object storefleet manages in the cluster, of every kind a tenant is made of.
async fn cluster_objects(client: &Client) -> anyhow::Result<usize> {
    let selector = format!("{}={}", labels::MANAGED_BY, labels::MANAGER);
    let mut total = 0;
    for kind in manifests::kinds() {
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &kind.resource);
        let list = api
            .list(&ListParams::default().labels(&selector))
            .await
            .with_context(|| format!("listing {}s", kind.name()))?;
        total += list.items.len();
    }
    Ok(total)
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Report {
    tenants: usize,
    concurrency: usize,
    ready_delay_ms: u64,
    /// The round trip every API request was given.
    api_latency_ms: u64,
    /// API requests the engine sent.
    requests: u64,
    /// From before the first tenant was created to the last job finished.
    wall_ms: i64,
    /// Per succeeded tenant: creation to provision job succeeded.
    total: Option<Percentiles>,
    /// Per succeeded tenant: creation to its job's first step started.
    queued: Option<Percentiles>,
    /// Per step, in order: its first attempt started to it succeeded, waits included.
    steps: Vec<(&'static str, Option<Percentiles>)>,
    failed: usize,
    first_error: Option<String>,
    /// Objects managed by storefleet in the simulated cluster at the end.
    objects: usize,
    objects_per_tenant: usize,
}

impl Report {
    /// The plain-text report.
    fn text(&self) -> String {
        let figures =
            |p: &Option<Percentiles>| p.map_or("no samples".to_owned(), |p| p.to_string());
        let seconds = self.wall_ms as f64 / 1000.0;
        let rate = if self.wall_ms > 0 {
            format!("{:.1}", self.tenants as f64 / seconds)
        } else {
            "-".to_owned()
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "provision benchmark: {} tenants (plan {PLAN}), simulated cluster, ready delay {} ms, \
             API round trip {} ms",
            self.tenants, self.ready_delay_ms, self.api_latency_ms
        );
        let _ = writeln!(
            out,
            "concurrency     {} jobs at once, worker poll {} ms",
            self.concurrency,
            WORKER_POLL.as_millis()
        );
        let _ = writeln!(out, "wall time       {seconds:.2} s ({rate} tenants/s)");
        let _ = writeln!(
            out,
            "per tenant      {}   (creation to job succeeded)",
            figures(&self.total)
        );
        let _ = writeln!(
            out,
            "  queued        {}   (creation to first step started)",
            figures(&self.queued)
        );
        for (name, step) in &self.steps {
            let _ = writeln!(out, "  {name:<13} {}", figures(step));
        }
        let _ = writeln!(
            out,
            "API requests    {} ({:.1} per tenant)",
            self.requests,
            self.requests as f64 / self.tenants.max(1) as f64
        );
        let _ = writeln!(
            out,
            "objects         {} in the cluster ({} expected: {} per tenant)",
            self.objects,
            self.expected_objects(),
            self.objects_per_tenant
        );
        let _ = writeln!(out, "failed jobs     {}", self.failed);
        out
    }

    fn expected_objects(&self) -> usize {
        self.tenants * self.objects_per_tenant
    }

    /// `Err` saying what is wrong when a job failed or the cluster holds the wrong objects.
    fn verdict(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if self.failed > 0 {
            problems.push(format!(
                "{} of {} provision jobs failed; first error: {}",
                self.failed,
                self.tenants,
                self.first_error.as_deref().unwrap_or("none recorded")
            ));
        }
        if self.objects != self.expected_objects() {
            problems.push(format!(
                "the simulated cluster holds {} objects, {} expected",
                self.objects,
                self.expected_objects()
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::measure::percentile;
    use super::*;

    #[test]
    fn percentiles_of_nothing_are_none() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(Percentiles::of(&[]), None);
    }

    #[test]
    fn every_percentile_of_one_sample_is_that_sample() {
        assert_eq!(percentile(&[42], 50.0), Some(42));
        assert_eq!(percentile(&[42], 95.0), Some(42));
        assert_eq!(
            Percentiles::of(&[42]),
            Some(Percentiles {
                p50: 42,
                p95: 42,
                max: 42
            })
        );
    }

    #[test]
    fn percentiles_take_the_nearest_rank_of_unsorted_samples() {
        let mut samples: Vec<i64> = (1..=100).map(|n| n * 10).collect();
        samples.reverse();
        assert_eq!(
            Percentiles::of(&samples),
            Some(Percentiles {
                p50: 500,
                p95: 950,
                max: 1000
            })
        );
        let sorted = [3, 5, 7, 9];
        assert_eq!(percentile(&sorted, 50.0), Some(5));
        assert_eq!(percentile(&sorted, 95.0), Some(9));
        assert_eq!(percentile(&sorted, 100.0), Some(9));
    }

    #[test]
    fn subdomains_are_numbered_and_valid() {
        assert_eq!(subdomain(1), "bench-0001");
        assert_eq!(subdomain(200), "bench-0200");
        assert!(Subdomain::parse(&subdomain(12345)).is_ok());
    }

    fn report() -> Report {
        Report {
            tenants: 4,
            concurrency: 2,
            ready_delay_ms: 0,
            api_latency_ms: 0,
            requests: 84,
            wall_ms: 2000,
            total: Percentiles::of(&[100, 200, 300, 400]),
            queued: Percentiles::of(&[0, 0, 150, 250]),
            steps: vec![("apply", Percentiles::of(&[40, 50])), ("ready", None)],
            failed: 0,
            first_error: None,
            objects: 76,
            objects_per_tenant: 19,
        }
    }

    #[test]
    fn the_report_shows_rate_percentiles_and_objects() {
        let text = report().text();
        assert!(text.contains("4 tenants"), "{text}");
        assert!(text.contains("2 jobs at once"), "{text}");
        assert!(text.contains("2.00 s (2.0 tenants/s)"), "{text}");
        assert!(
            text.contains("p50    200 ms   p95    400 ms   max    400 ms"),
            "{text}"
        );
        assert!(text.contains("apply"), "{text}");
        assert!(text.contains("ready         no samples"), "{text}");
        assert!(text.contains("76 in the cluster (76 expected"), "{text}");
        assert!(text.contains("84 (21.0 per tenant)"), "{text}");
        assert_eq!(report().verdict(), Ok(()));
    }

    #[test]
    fn failures_and_missing_objects_fail_the_run() {
        let bad = Report {
            failed: 1,
            first_error: Some("cluster: refused".into()),
            objects: 75,
            ..report()
        };
        let problem = bad.verdict().unwrap_err();
        assert!(
            problem.contains("1 of 4 provision jobs failed"),
            "{problem}"
        );
        assert!(problem.contains("cluster: refused"), "{problem}");
        assert!(
            problem.contains("holds 75 objects, 76 expected"),
            "{problem}"
        );
    }

    #[test]
    fn a_timeout_says_how_many_are_unfinished() {
        let job = |state, error: Option<&str>| JobRecord {
            id: "j".into(),
            tenant_id: None,
            kind: JobKind::Provision,
            state,
            step: 0,
            attempts: 0,
            step_started_at: None,
            next_run_at: 0,
            lease_owner: None,
            last_error: error.map(str::to_owned),
            created_at: 0,
            finished_at: None,
            outage_since: None,
        };
        let jobs = [
            job(JobState::Succeeded, None),
            job(JobState::Running, Some("cluster: timed out")),
            job(JobState::Queued, None),
        ];
        let message = timed_out(&jobs, 3, Duration::from_secs(60));
        assert_eq!(
            message,
            "after 60 s, 2 of 3 provision jobs are unfinished (1 succeeded, 0 failed); \
             first error: cluster: timed out"
        );
    }
}
