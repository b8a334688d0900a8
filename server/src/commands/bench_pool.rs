//! `storefleet bench pool`: what a pool of standby stores does for sign-ups on a cluster with a
//! realistic cold start. Two runs, each on a throw-away SQLite database and a fresh in-process
//! simulated cluster (no image pulled yet): one where a pool as large as the sign-ups is
//! filled first, one with no pool. In each, the customers sign up one after another and every
//! store's time from its sign-up to ready (its first job's `created_at` to `finished_at`) is
//! taken; the report prints p50 and p95 of both runs side by side.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use sqlx::AnyPool;
use tokio::sync::watch;

use app::domain::{Actor, JobState};
use app::ports::TenantAdmin;

use super::measure::{Percentiles, ScratchFolder};
use crate::cli::PoolBenchArgs;
use crate::cluster::{SimCluster, SimOptions};
use crate::config::DbConfig;
use crate::db::{jobs, pools};
use crate::jobs::{Worker, WorkerOptions};
use crate::pools::refill::{RefillOptions, RefillWorker};
use crate::provision::engine::Engine;
use crate::serve;
use crate::tenants::TenantService;

/// The plan the customers sign up for.
const PLAN: &str = "starter";
/// How often the benchmark looks at what it waits for.
const WATCH: Duration = Duration::from_millis(100);

/// What one run measured.
struct Run {
    pool_size: u32,
    fill: Option<Duration>,
    claimed: usize,
    ready: Option<Percentiles>,
}

/// Runs both and prints the comparison.
pub async fn run(args: &PoolBenchArgs) -> anyhow::Result<()> {
    println!(
        "{} sign-ups, {} ms apart; cold start: image pull {} ms, database init {} ms, \
         pod ready {} ms",
        args.customers,
        args.interval_ms,
        args.image_pull_ms,
        args.database_init_ms,
        args.ready_delay_ms
    );
    let with = one_run(args, args.customers).await?;
    let without = one_run(args, 0).await?;
    for run in [&with, &without] {
        let fill = run.fill.map_or(String::new(), |d| {
            format!(", filled in {:.1} s", d.as_secs_f64())
        });
        let ready = run
            .ready
            .map_or("no store ready".to_owned(), |p| p.to_string());
        println!(
            "pool {:>3}{fill}: {} of {} claimed a standby; sign-up to ready {ready}",
            run.pool_size, run.claimed, args.customers
        );
    }
    Ok(())
}

/// One run: a fresh cluster and database, the pool filled to `pool_size`, then the sign-ups.
async fn one_run(args: &PoolBenchArgs, pool_size: u32) -> anyhow::Result<Run> {
    let folder = ScratchFolder::create()?;
    let database = serve::open_database(&DbConfig {
        database_url: folder.database_url(),
    })
    .await?;
    let cluster = SimCluster::start(SimOptions {
        ready_delay: Duration::from_millis(args.ready_delay_ms),
        image_pull_delay: Duration::from_millis(args.image_pull_ms),
        database_init_delay: Duration::from_millis(args.database_init_ms),
        ..SimOptions::default()
    })
    .await?;
    let settings = args.cluster.settings();
    let engine = Engine::new(
        database.pool.clone(),
        cluster.engine_client()?,
        settings.clone(),
    );
    let worker = Worker::new(
        database.pool.clone(),
        Arc::new(engine),
        WorkerOptions {
            concurrency: (args.customers + args.fill_parallel) as usize,
            poll: Duration::from_millis(20),
            ..WorkerOptions::new()
        },
    );
    let refill = RefillWorker::new(
        database.pool.clone(),
        RefillOptions {
            tick: Duration::from_millis(200),
            parallel: args.fill_parallel,
            ..RefillOptions::default()
        },
    );
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(worker.run(stopped.clone()));
    let refill = tokio::spawn(refill.run(stopped));

    let measured = measure(args, &database.pool, &settings, pool_size).await;

    let _ = stop.send(true);
    worker.await.context("the worker panicked")?;
    refill.await.context("the refill worker panicked")?;
    cluster.stop().await?;
    database.pool.close().await;
    drop(folder);
    measured
}

async fn measure(
    args: &PoolBenchArgs,
    pool: &AnyPool,
    settings: &crate::provision::manifests::ClusterSettings,
    pool_size: u32,
) -> anyhow::Result<Run> {
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let fill = if pool_size > 0 {
        let started = Instant::now();
        pools::set(pool, PLAN, pool_size, crate::clock::now_ms()).await?;
        wait(pool, deadline, "the pool to fill", |standbys, _| {
            standbys >= i64::from(pool_size)
        })
        .await?;
        Some(started.elapsed())
    } else {
        None
    };
    let tenants = TenantService::new(pool.clone(), settings.clone());
    let actor = Actor::operator("benchmark");
    for number in 1..=args.customers {
        let subdomain = format!("customer-{number:04}");
        tenants
            .create(&actor, &subdomain, PLAN, None)
            .await
            .with_context(|| format!("signing {subdomain} up"))?;
        tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
    }
    let customers = i64::from(args.customers);
    wait(pool, deadline, "every store to be ready", |_, done| {
        done >= customers
    })
    .await?;

    let mut took = Vec::new();
    let mut claimed = 0;
    for job in customer_jobs(pool).await? {
        if job.state != JobState::Succeeded {
            bail!(
                "a store's {} job {}: {}",
                job.kind.as_str(),
                job.state.as_str(),
                job.last_error.unwrap_or_default()
            );
        }
        claimed += usize::from(job.kind == crate::jobs::JobKind::Claim);
        took.push(job.finished_at.unwrap_or(job.created_at) - job.created_at);
    }
    Ok(Run {
        pool_size,
        fill,
        claimed,
        ready: Percentiles::of(&took),
    })
}

/// The first job of every customer's store.
async fn customer_jobs(pool: &AnyPool) -> anyhow::Result<Vec<jobs::JobRecord>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT j.id FROM jobs j JOIN tenants t ON t.id = j.tenant_id \
         WHERE t.standby = 0 AND j.kind IN ('provision', 'claim') ORDER BY j.created_at",
    )
    .fetch_all(pool)
    .await?;
    let mut records = Vec::new();
    for id in ids {
        records.extend(jobs::get(pool, &id).await?);
    }
    Ok(records)
}

/// Waits until `done(ready standbys, finished customer jobs)`, or fails at `deadline`.
async fn wait(
    pool: &AnyPool,
    deadline: Instant,
    what: &str,
    done: impl Fn(i64, i64) -> bool,
) -> anyhow::Result<()> {
    loop {
        let standbys: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tenants WHERE standby = 1 AND state = 'ready' \
             AND claimed_by IS NULL",
        )
        .fetch_one(pool)
        .await?;
        let finished: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs j JOIN tenants t ON t.id = j.tenant_id \
             WHERE t.standby = 0 AND j.kind IN ('provision', 'claim') \
             AND j.state IN ('succeeded', 'failed')",
        )
        .fetch_one(pool)
        .await?;
        if done(standbys, finished) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("gave up waiting for {what}: {standbys} standbys ready, {finished} stores done");
        }
        tokio::time::sleep(WATCH).await;
    }
}
