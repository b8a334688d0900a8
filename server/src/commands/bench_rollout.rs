//! `storefleet bench rollout`: how fast a rollout moves a fleet when the cluster is not what
//! holds it back. Seeds ready stores into a fresh database (a temporary SQLite file, or a new
//! database on the PostgreSQL server of `--database-url`), builds them on an in-process
//! simulated cluster whose pods are ready at once, then runs the real job worker and rollout
//! driver over a rollout of a new release: every store is updated (rendered, applied, its
//! workloads awaited) and passes its health gate, with no bake time. Reports stores updated
//! per second and the time each store took from the start of its update to the end of its
//! gate (p50, p95): the control plane's own cost per store.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::sync::watch;

use app::domain::rollout::{NewRollout, RolloutOptions, RolloutState, StepState};
use app::domain::{Actor, NewRelease};

use crate::cli::RolloutBenchArgs;
use crate::clock::now_ms;
use crate::db::{self, rollout_steps};
use crate::jobs::{Worker, WorkerOptions};
use crate::releases::ReleaseService;
use crate::rollouts::{DriveOptions, Driver, RolloutService};

use super::bench_admin::seed;
use super::bench_reconcile::prepare;
use super::scratch::{control_plane, ScratchDatabase};

/// The worker's idle poll and the driver's tick: small, so that waiting adds little.
const POLL: Duration = Duration::from_millis(20);
/// A rollout not settled this long after it began fails the benchmark.
const TIMEOUT: Duration = Duration::from_secs(3600);

/// Runs the benchmark and prints its report.
pub async fn run(args: &RolloutBenchArgs) -> anyhow::Result<()> {
    let database = ScratchDatabase::create(args.database_url.as_deref()).await?;
    let result = measure(args, &database.url).await;
    database.drop_it().await;
    print!("{}", result?);
    Ok(())
}

async fn measure(args: &RolloutBenchArgs, url: &str) -> anyhow::Result<String> {
    let options = RolloutOptions {
        canary: 1,
        waves: RolloutOptions::parse_waves(&args.waves)?,
        max_parallel: args.max_parallel as usize,
        bake_secs: 0,
        budget_percent: 2,
        timeout_secs: 600,
        rollback_all: false,
    };
    options.check()?;
    let (pool, cluster, engine) = control_plane(url, args.cluster.settings(), None).await?;
    let (stop, stopped) = watch::channel(false);
    let worker = Worker::new(
        pool.clone(),
        engine.clone(),
        WorkerOptions {
            concurrency: options.max_parallel,
            poll: POLL,
            ..WorkerOptions::new()
        },
    );
    let driver = Driver::new(
        pool.clone(),
        engine.clone(),
        DriveOptions {
            tick: POLL,
            ..DriveOptions::default()
        },
    );
    let result = async {
        let prepared = Instant::now();
        seed::seed(&pool, args.tenants, 0, now_ms()).await?;
        prepare(&pool, &engine).await?;
        eprintln!(
            "{} stores seeded and built in {:.0} s",
            args.tenants,
            prepared.elapsed().as_secs_f64()
        );
        let me = Actor::operator("bench");
        ReleaseService::new(pool.clone())
            .create(
                &me,
                &NewRelease {
                    blueprint: "store".into(),
                    name: "bench".into(),
                    images: BTreeMap::from([("api".to_owned(), "2.0.0".to_owned())]),
                    notes: String::new(),
                },
            )
            .await?;
        let worker = tokio::spawn(worker.run(stopped.clone()));
        let driver = tokio::spawn(driver.run(stopped.clone()));
        let rollouts = RolloutService::new(pool.clone());
        let began = Instant::now();
        let started = rollouts
            .start(
                &me,
                &NewRollout {
                    release: "bench".into(),
                    blueprint: None,
                    plan: None,
                    stores: Vec::new(),
                    options: options.clone(),
                },
            )
            .await?;
        let view = loop {
            let view = rollouts.show(&started.id).await?;
            if view.state.is_final() {
                break view;
            }
            if began.elapsed() > TIMEOUT {
                bail!("the rollout did not end within {} s", TIMEOUT.as_secs());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let elapsed = began.elapsed().as_secs_f64();
        let _ = stop.send(true);
        worker.await.context("the worker panicked")?;
        driver.await.context("the driver panicked")?;
        if view.state != RolloutState::Done {
            bail!(
                "the rollout ended {}: {:?}",
                view.state.as_str(),
                view.reason
            );
        }
        let steps = rollout_steps::for_rollout(&pool, &started.id).await?;
        let mut times: Vec<i64> = steps
            .iter()
            .filter(|s| s.state == StepState::Done)
            .filter_map(|s| Some(s.finished_at? - s.started_at?))
            .collect();
        if times.len() != args.tenants as usize {
            bail!(
                "{} of {} stores reached the release",
                times.len(),
                args.tenants
            );
        }
        times.sort_unstable();
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        let waves: Vec<String> = view
            .waves
            .iter()
            .map(|w| w.counts.total().to_string())
            .collect();
        let database = db::redact(url).split(':').next().unwrap_or("?").to_owned();
        anyhow::Ok(format!(
            "rollout of {} stores on {database}, simulated cluster with no readiness delay\n\
             waves (canary first): {}\n\
             at most {} updating at once, no bake time\n\
             rolled out in {elapsed:.1} s: {:.1} stores per second\n\
             per store, update start to gate passed: p50 {} ms, p95 {} ms, max {} ms\n",
            args.tenants,
            waves.join(" + "),
            options.max_parallel,
            f64::from(args.tenants) / elapsed,
            at(0.5),
            at(0.95),
            at(1.0),
        ))
    }
    .await;
    let _ = stop.send(true);
    cluster.stop().await?;
    pool.close().await;
    result
}
