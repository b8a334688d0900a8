//! `storefleet bench progress`: progress pages while stores are built. Starts the real server
//! in-process on a fresh database (a temporary SQLite file, or a new database on the
//! PostgreSQL server of `--database-url`) and the simulated cluster, signs an admin in, then
//! runs twice: one progress stream per store, then `--viewers` streams spread over the same
//! number of stores. Each run creates `--tenants` stores at once, opens the streams, and reads
//! each to the end of its job.
//!
//! It reports the event-to-browser latency, from the moment an event was written (its `at`)
//! to its arrival in a stream, for events written after that stream opened; and the reads of
//! jobs' progress the streams caused (the server's `storefleet_progress_reads` counter), per
//! second: the catch-up reads, a watched job's first, and the fan-out reads, a watched job
//! read again; neither depends on the number of viewers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::future::try_join_all;
use reqwest::Client;

use app::domain::{Actor, Email, JobProgress, Password, Role};
use app::ports::TenantAdmin;

use super::bench_admin::logged_in;
use super::measure::percentile;
use super::scratch::ScratchDatabase;
use crate::accounts::AccountService;
use crate::cli::ProgressBenchArgs;
use crate::clock::now_ms;
use crate::config::{ClusterMode, DbConfig, ServeConfig};
use crate::serve;
use crate::tenants::TenantService;

const ADMIN_EMAIL: &str = "admin@bench.example";
const ADMIN_PASSWORD: &str = "benchmark admin password";

/// What one run measured.
struct Report {
    streams: usize,
    events: usize,
    latencies_ms: Vec<i64>,
    seconds: f64,
    fan_out: f64,
    catch_up: f64,
}

impl Report {
    fn line(&self) -> String {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_unstable();
        let at = |p| percentile(&sorted, p).map_or("-".to_owned(), |v| format!("{v} ms"));
        format!(
            "{:>4} streams: {:>6} events pushed   latency p50 {:>6}   p99 {:>6}   max {:>6}   \
             progress reads {:>6.1}/s fan-out + {:>6.1}/s catch-up over {:.1} s",
            self.streams,
            self.events,
            at(50.0),
            at(99.0),
            at(100.0),
            self.fan_out / self.seconds,
            self.catch_up / self.seconds,
            self.seconds
        )
    }
}

/// Runs the benchmark and prints its report.
pub async fn run(args: &ProgressBenchArgs) -> anyhow::Result<()> {
    let database = ScratchDatabase::create(args.database_url.as_deref()).await?;
    let result = measure(args, &database.url).await;
    database.drop_it().await;
    for report in result? {
        println!("{}", report.line());
    }
    Ok(())
}

async fn measure(args: &ProgressBenchArgs, url: &str) -> anyhow::Result<Vec<Report>> {
    let db_config = DbConfig {
        database_url: url.to_owned(),
    };
    let token = uuid::Uuid::new_v4().simple().to_string();
    let mut config = ServeConfig::from_env()?;
    config.bind = "127.0.0.1:0".parse()?;
    config.cluster_mode = ClusterMode::Simulated;
    config.site_root = PathBuf::from("target/site");
    config.sim_ready_delay_ms = args.ready_delay_ms;
    config.job_concurrency = args.tenants as usize;
    config.metrics_token = Some(token.clone().into());
    let running = serve::start(&db_config, &config).await?;
    let base = format!("http://{}", running.addr);
    let result = async {
        let database = serve::open_database(&db_config).await?;
        AccountService::new(database.pool.clone(), config.login_limits())
            .create(
                Email::parse(ADMIN_EMAIL)?,
                Password::parse(ADMIN_PASSWORD, ADMIN_EMAIL)?,
                Role::Admin,
            )
            .await?;
        let tenants = TenantService::new(database.pool.clone(), config.cluster.settings());
        let client = logged_in(&base, &config.public_origin(), ADMIN_EMAIL, ADMIN_PASSWORD).await?;
        println!(
            "progress benchmark: {} stores built at once per run, pods ready after {} ms ({})",
            args.tenants,
            args.ready_delay_ms,
            crate::db::redact(url).split(':').next().unwrap_or("?"),
        );
        let mut reports = Vec::new();
        for (run, viewers) in [args.tenants, args.viewers].into_iter().enumerate() {
            let run = Run {
                client: &client,
                base: &base,
                token: &token,
                tenants: &tenants,
                name: format!("run{run}"),
            };
            reports.push(run.measure(args.tenants, viewers).await?);
        }
        database.pool.close().await;
        anyhow::Ok(reports)
    }
    .await;
    running.stop().await?;
    result
}

/// One run's means.
struct Run<'a> {
    client: &'a Client,
    base: &'a str,
    token: &'a str,
    tenants: &'a TenantService,
    name: String,
}

impl Run<'_> {
    async fn measure(&self, stores: u32, viewers: u32) -> anyhow::Result<Report> {
        let before = self.reads().await?;
        let started = Instant::now();
        let mut jobs = Vec::new();
        for n in 0..stores {
            let subdomain = format!("{}-{n:04}", self.name);
            let (_, job_id) = self
                .tenants
                .create(&Actor::operator("bench"), &subdomain, "starter", None)
                .await
                .with_context(|| format!("creating {subdomain}"))?;
            jobs.push(job_id.as_str().to_owned());
        }
        let streams = (0..viewers as usize).map(|i| self.follow(&jobs[i % jobs.len()]));
        let followed = try_join_all(streams).await?;
        let seconds = started.elapsed().as_secs_f64();
        let after = self.reads().await?;
        let read = |reason: &str| {
            after.get(reason).copied().unwrap_or(0.0) - before.get(reason).copied().unwrap_or(0.0)
        };
        let latencies_ms: Vec<i64> = followed.into_iter().flatten().collect();
        Ok(Report {
            streams: viewers as usize,
            events: latencies_ms.len(),
            latencies_ms,
            seconds,
            fan_out: read("fan_out"),
            catch_up: read("catch_up"),
        })
    }

    /// Reads a job's stream to its end; the latency of each event written after it opened.
    async fn follow(&self, job_id: &str) -> anyhow::Result<Vec<i64>> {
        let opened = now_ms();
        let mut response = self
            .client
            .get(format!("{}/api/jobs/{job_id}/events", self.base))
            .send()
            .await?
            .error_for_status()?;
        let mut latencies = Vec::new();
        let mut buffer = String::new();
        while let Some(chunk) = tokio::time::timeout(Duration::from_secs(120), response.chunk())
            .await
            .context("a stream was silent for two minutes")??
        {
            let arrived = now_ms();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) else {
                    continue;
                };
                let progress: JobProgress = serde_json::from_str(data.trim_start())?;
                latencies.extend(
                    progress
                        .events
                        .iter()
                        .filter(|e| e.at >= opened)
                        .map(|e| arrived - e.at),
                );
                if progress.job.is_finished() {
                    return Ok(latencies);
                }
            }
        }
        bail!("the stream of job {job_id} ended before the job")
    }

    /// The server's progress reads so far, by reason.
    async fn reads(&self) -> anyhow::Result<HashMap<String, f64>> {
        let text = self
            .client
            .get(format!("{}/metrics", self.base))
            .bearer_auth(self.token)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        Ok(text
            .lines()
            .filter_map(|line| line.strip_prefix("storefleet_progress_reads_total{reason=\""))
            .filter_map(|rest| {
                let (reason, value) = rest.split_once("\"} ")?;
                Some((reason.to_owned(), value.trim().parse().ok()?))
            })
            .collect())
    }
}
