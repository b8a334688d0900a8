//! `storefleet bench backup`: how fast the control plane backs a fleet up, beside the ceiling
//! of the same work done bare. Seeds ready stores into a fresh database (a temporary SQLite
//! file, or a new database on the PostgreSQL server of `--database-url`), builds them on an
//! in-process simulated cluster that makes each one a real database on
//! `--sim-postgres-url`, fills each with `--megabytes` of random rows, then queues one manual
//! backup per store and runs the real backup worker, `--parallel` dumps at once: its dump
//! Jobs run `pg_dump` on the host
//! and upload to the storage through presigned links, and each backup is done once storage
//! holds it and it has been read back for its size and SHA-256.
//!
//! Then the ceiling: the same databases dumped by `pg_dump --format=custom | curl` alone,
//! `--parallel` at once. Both report MB per second (stored bytes over wall time) and each
//! store's time (p50, p95); the control plane's also its process's resident memory, before,
//! at its peak and after (the dumps run in child processes, which it does not count).

mod ceiling;
mod fill;

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use tokio::sync::watch;

use app::domain::backup::{BackupKind, BackupState};
use app::domain::Actor;

use crate::backups::{BackupOptions, BackupService, BackupWorker};
use crate::cli::BackupBenchArgs;
use crate::clock::now_ms;
use crate::cluster::sim::databases;
use crate::db::{self, backups, tenants};
use crate::storage::Storage;

use super::bench_admin::seed;
use super::bench_reconcile::prepare;
use super::measure::memory;
use super::scratch::{control_plane, ScratchDatabase};

/// The backup worker's tick: small, so that waiting adds little.
const TICK: Duration = Duration::from_millis(20);
/// Backups not all settled this long after they were asked for fail the benchmark.
const TIMEOUT: Duration = Duration::from_secs(3600);
/// The namespace prefix the simulated cluster makes databases for.
const PREFIX: &str = "store";
/// Bytes in a MB, as the report counts them.
const MB: f64 = 1024.0 * 1024.0;

/// Runs the benchmark and prints its report.
pub async fn run(args: &BackupBenchArgs) -> anyhow::Result<()> {
    if args.cluster.namespace_prefix != PREFIX {
        bail!("the simulated cluster makes databases for `{PREFIX}-` namespaces only");
    }
    args.storage.check()?;
    let storage = Storage::from_config(&args.storage)?
        .context("backups need a bucket: set STOREFLEET_S3_BUCKET and its keys")?;
    let database = ScratchDatabase::create(args.database_url.as_deref()).await?;
    let result = measure(args, &database.url, &storage).await;
    database.drop_it().await;
    print!("{}", result?);
    Ok(())
}

async fn measure(args: &BackupBenchArgs, url: &str, storage: &Storage) -> anyhow::Result<String> {
    let admin = args.sim_postgres_url.as_str();
    let (pool, cluster, engine) =
        control_plane(url, args.cluster.settings(), Some(admin.to_owned())).await?;
    let parallel = args.parallel as usize;
    let mut namespaces = Vec::new();
    let result = async {
        let prepared = Instant::now();
        seed::seed(&pool, args.stores, 0, now_ms()).await?;
        prepare(&pool, &engine).await?;
        let stores = tenants::list(&pool).await?;
        let subdomains: Vec<String> = stores.iter().map(|t| t.subdomain.to_string()).collect();
        namespaces = stores
            .iter()
            .map(|t| format!("{PREFIX}-{}", t.key))
            .collect();
        let sizes: Vec<i64> = stream::iter(&namespaces)
            .map(|namespace| fill::fill(admin, namespace, args.megabytes))
            .buffer_unordered(parallel)
            .try_collect()
            .await?;
        let on_disk = sizes.iter().sum::<i64>() as f64 / MB;
        eprintln!(
            "{} stores built and filled ({on_disk:.0} MB on disk) in {:.0} s",
            args.stores,
            prepared.elapsed().as_secs_f64()
        );

        let rss_before = memory("VmRSS");
        // Writing 5 resets the peak to what is resident now, so the peak is this phase's.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let (stop, stopped) = watch::channel(false);
        let worker = BackupWorker::new(
            pool.clone(),
            engine.clone(),
            storage.clone(),
            BackupOptions {
                tick: TICK,
                // A retry would hide a failure behind its backoff: one try each.
                attempts: 1,
                // As many dumps at once as the ceiling runs.
                parallel: i64::try_from(parallel).unwrap_or(i64::MAX),
                ..BackupOptions::default()
            },
        );
        let worker = tokio::spawn(worker.run(stopped));
        let service = BackupService::new(pool.clone(), Some(storage.clone()));
        let me = Actor::operator("bench");
        let began = Instant::now();
        let mut ids = Vec::new();
        for subdomain in &subdomains {
            ids.push(service.request(&me, subdomain, BackupKind::Manual).await?.id);
        }
        let records = loop {
            let mut records = Vec::new();
            for id in &ids {
                records.push(backups::get(&pool, id).await?.context("a backup vanished")?);
            }
            if records
                .iter()
                .all(|r| matches!(r.state, BackupState::Done | BackupState::Failed))
            {
                break records;
            }
            if began.elapsed() > TIMEOUT {
                bail!("the backups did not end within {} s", TIMEOUT.as_secs());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let wall = began.elapsed();
        let _ = stop.send(true);
        worker.await.context("the backup worker panicked")?;
        let (rss_peak, rss_after) = (memory("VmHWM"), memory("VmRSS"));
        if let Some(failed) = records.iter().find(|r| r.state == BackupState::Failed) {
            bail!(
                "the backup of {} failed: {}",
                failed.subdomain,
                failed.error.as_deref().unwrap_or("no reason given")
            );
        }
        let bytes: i64 = records.iter().filter_map(|r| r.size).sum();
        let times: Vec<i64> = records
            .iter()
            .filter_map(|r| Some(r.finished_at? - r.created_at))
            .collect();
        let control = Figures::new(bytes as f64, wall, times);

        let (dumped, wall) = ceiling::run(admin, storage, &namespaces, parallel).await?;
        let bytes = dumped.iter().map(|d| d.bytes).sum::<u64>() as f64;
        let ceiling = Figures::new(bytes, wall, dumped.iter().map(|d| d.millis).collect());

        let database = db::redact(url).split(':').next().unwrap_or("?").to_owned();
        anyhow::Ok(format!(
            "backup of {} stores of {} MB each ({on_disk:.0} MB on disk), control plane on {database}\n\
             {:<28} {:>9} {:>8} {:>8} {:>10} {:>10}\n\
             {}{}\
             control plane memory (RSS): {} before, {} peak, {} after\n\
             (the worker runs as many dumps at once as the ceiling; its time per store \
             includes reading the object back for its size and SHA-256)\n",
            args.stores,
            args.megabytes,
            "",
            "MB",
            "wall s",
            "MB/s",
            "p50 ms",
            "p95 ms",
            control.row("control plane (worker)"),
            ceiling.row(&format!("pg_dump | curl, {parallel} at once")),
            rss_before,
            rss_peak,
            rss_after,
        ))
    }
    .await;
    cluster.stop().await?;
    pool.close().await;
    for namespace in &namespaces {
        databases::drop_database(admin, namespace).await;
    }
    result
}

/// One way of backing the fleet up, measured.
struct Figures {
    megabytes: f64,
    seconds: f64,
    /// Each store's time in milliseconds, in order.
    times: Vec<i64>,
}

impl Figures {
    fn new(bytes: f64, wall: Duration, mut times: Vec<i64>) -> Self {
        times.sort_unstable();
        Self {
            megabytes: bytes / MB,
            seconds: wall.as_secs_f64(),
            times,
        }
    }

    fn at(&self, q: f64) -> i64 {
        if self.times.is_empty() {
            return 0;
        }
        self.times[((self.times.len() - 1) as f64 * q).round() as usize]
    }

    fn row(&self, name: &str) -> String {
        format!(
            "{name:<28} {:>9.1} {:>8.1} {:>8.1} {:>10} {:>10}\n",
            self.megabytes,
            self.seconds,
            self.megabytes / self.seconds,
            self.at(0.5),
            self.at(0.95),
        )
    }
}
