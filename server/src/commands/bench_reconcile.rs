//! `storefleet bench reconcile`: what the reconciler costs a fleet when nothing drifts, and how
//! fast it puts back one store that did. Seeds ready stores straight into a fresh database
//! (a temporary SQLite file, or a new database on the PostgreSQL server of `--database-url`),
//! builds every one of them on an in-process simulated cluster through the engine, spreads
//! their next looks over one period as a running server would have, then runs the real
//! reconciler for `--seconds` and counts the engine's API requests (at the simulated API
//! server) and the database statements (every statement sqlx runs in this process).
//!
//! Then one store drifts as a hand edit would make it (its Deployment deleted, a ConfigMap
//! value changed), is made due ahead of the others, and the time until both are back is
//! measured. In a running server a store waits
//! for its turn at most one period (on average half of one) before that.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use kube::{Api, Client};
use rand::Rng;
use sqlx::AnyPool;
use tokio::sync::watch;

use crate::cli::ReconcileBenchArgs;
use crate::clock::now_ms;
use crate::cluster::sim::Traffic;
use crate::db::{self, tenants};
use crate::provision::engine::Engine;
use crate::provision::reconciler::{ReconcileOptions, Reconciler};
use crate::telemetry::{self, Statements};

use super::bench_admin::seed;
use super::scratch::{control_plane, ScratchDatabase};

/// Stores built at once while preparing.
const PREPARE_CONCURRENCY: usize = 16;
/// How often the drift measurement looks at the cluster.
const WATCH_POLL: Duration = Duration::from_millis(20);
/// A drifted store not repaired this long after it was due fails the benchmark.
const REPAIR_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the benchmark and prints its report.
pub async fn run(args: &ReconcileBenchArgs) -> anyhow::Result<()> {
    let statements = telemetry::init_counting_statements();
    let database = ScratchDatabase::create(args.database_url.as_deref()).await?;
    let result = measure(args, &database.url, &statements).await;
    database.drop_it().await;
    let report = result?;
    print!("{}", report.text());
    report.verdict().map_err(|problem| anyhow!(problem))
}

async fn measure(
    args: &ReconcileBenchArgs,
    url: &str,
    statements: &Statements,
) -> anyhow::Result<Report> {
    let (pool, cluster, engine) = control_plane(url, args.cluster.settings(), None).await?;
    let result = async {
        let started = Instant::now();
        seed::seed(&pool, args.tenants, 0, now_ms()).await?;
        prepare(&pool, &engine).await?;
        let period = Duration::from_secs(args.period_secs);
        spread(&pool, period).await?;
        eprintln!(
            "{} stores seeded and built in {:.0} s",
            args.tenants,
            started.elapsed().as_secs_f64()
        );
        let options = ReconcileOptions::every(period);
        let steady = steady(
            &pool,
            &engine,
            &options,
            &cluster.traffic(),
            statements,
            args,
        )
        .await?;
        let repair = repair(&pool, &engine, &options, &cluster.client(), args)
            .await
            .map_err(|e| format!("{e:#}"));
        anyhow::Ok(Report {
            tenants: args.tenants,
            database: db::redact(url).split(':').next().unwrap_or("?").to_owned(),
            period_secs: args.period_secs,
            concurrency: options.concurrency,
            steady,
            repair,
        })
    }
    .await;
    cluster.stop().await?;
    pool.close().await;
    result
}

/// Builds every seeded store on the cluster: its first look finds everything missing and
/// applies its render.
pub(super) async fn prepare(pool: &AnyPool, engine: &Engine) -> anyhow::Result<()> {
    let all = tenants::list(pool).await?;
    stream::iter(all)
        .map(|tenant| async move {
            engine
                .check(&tenant, true)
                .await
                .map_err(|e| anyhow!("building {}: {}", tenant.subdomain, e.message))
        })
        .buffer_unordered(PREPARE_CONCURRENCY)
        .try_for_each(|_| async { Ok(()) })
        .await
}

/// Spreads the stores' next looks evenly over one period from now, as the reconciler of a
/// server that has run for a while leaves them.
async fn spread(pool: &AnyPool, period: Duration) -> anyhow::Result<()> {
    let now = now_ms();
    let period = i64::try_from(period.as_millis())?;
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM tenants")
        .fetch_all(pool)
        .await?;
    let mut rng = rand::thread_rng();
    let mut tx = pool.begin().await?;
    for id in ids {
        sqlx::query("UPDATE tenants SET check_after = $1 WHERE id = $2")
            .bind(now + rng.gen_range(0..period))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Starts the real reconciler; it stops when the returned sender does.
fn start(
    pool: &AnyPool,
    engine: &Arc<Engine>,
    options: &ReconcileOptions,
) -> (watch::Sender<bool>, tokio::task::JoinHandle<usize>) {
    let reconciler = Reconciler::new(pool.clone(), engine.clone(), options.clone());
    let (stop, stopped) = watch::channel(false);
    (stop, tokio::spawn(reconciler.run(stopped)))
}

/// What the steady state cost.
struct Steady {
    seconds: f64,
    looks: u64,
    requests: u64,
    statements: u64,
    drifted: u64,
    /// Stores due but not looked at when the window closed, and how late the oldest was.
    behind: u64,
    oldest_late_ms: i64,
}

async fn steady(
    pool: &AnyPool,
    engine: &Arc<Engine>,
    options: &ReconcileOptions,
    traffic: &Traffic,
    statements: &Statements,
    args: &ReconcileBenchArgs,
) -> anyhow::Result<Steady> {
    let drift_before = drift_events(pool).await?;
    let (requests, queries) = (traffic.requests(), statements.count());
    let started = Instant::now();
    let (stop, task) = start(pool, engine, options);
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let _ = stop.send(true);
    let looks = task.await.context("the reconciler panicked")?;
    let seconds = started.elapsed().as_secs_f64();
    let (requests, queries) = (traffic.requests() - requests, statements.count() - queries);
    // The bookkeeping below is the benchmark's, not the reconciler's: counted after.
    let now = now_ms();
    let (behind, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(check_after) FROM tenants WHERE check_after <= $1")
            .bind(now)
            .fetch_one(pool)
            .await?;
    Ok(Steady {
        seconds,
        looks: u64::try_from(looks)?,
        requests,
        statements: queries,
        drifted: drift_events(pool).await? - drift_before,
        behind: u64::try_from(behind)?,
        oldest_late_ms: oldest.map_or(0, |at| now - at),
    })
}

async fn drift_events(pool: &AnyPool) -> anyhow::Result<u64> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM drift_events")
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(count)?)
}

/// How one drifted store was found and put back.
struct Repair {
    subdomain: String,
    millis: u128,
}

async fn repair(
    pool: &AnyPool,
    engine: &Arc<Engine>,
    options: &ReconcileOptions,
    client: &Client,
    args: &ReconcileBenchArgs,
) -> anyhow::Result<Repair> {
    let subdomain = seed::subdomain(args.tenants.div_ceil(2));
    let tenant = tenants::by_subdomain(pool, &subdomain)
        .await?
        .ok_or_else(|| anyhow!("no store {subdomain}"))?;
    let namespace = args.cluster.settings().namespace(&tenant.key);
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &namespace);
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &namespace);
    let deployment = deployments
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .next()
        .and_then(|d| d.metadata.name)
        .ok_or_else(|| anyhow!("{namespace} has no Deployment"))?;
    let (config_map, data) = config_maps
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .find_map(|c| Some((c.metadata.name?, c.data.filter(|d| !d.is_empty())?)))
        .ok_or_else(|| anyhow!("{namespace} has no ConfigMap with data"))?;

    // The hand edit, as `kubectl delete` and `kubectl apply --server-side --force-conflicts`
    // would make it.
    deployments
        .delete(&deployment, &DeleteParams::default())
        .await?;
    let mut edited: BTreeMap<String, String> = data.clone();
    if let Some(value) = edited.values_mut().next() {
        *value = "edited by hand".to_owned();
    }
    config_maps
        .patch(
            &config_map,
            &PatchParams::apply("kubectl").force(),
            &Patch::Apply(serde_json::json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": { "name": config_map },
                "data": edited,
            })),
        )
        .await?;

    // First in line: what is timed is the look, not the queue of stores due before it.
    sqlx::query("UPDATE tenants SET check_after = 0 WHERE id = $1")
        .bind(&tenant.id)
        .execute(pool)
        .await?;
    let (stop, task) = start(pool, engine, options);
    let due = Instant::now();
    let repaired = loop {
        let back = deployments.get_opt(&deployment).await?.is_some();
        let restored = config_maps.get(&config_map).await?.data.as_ref() == Some(&data);
        if back && restored {
            break Some(due.elapsed());
        }
        if due.elapsed() > REPAIR_TIMEOUT {
            break None;
        }
        tokio::time::sleep(WATCH_POLL).await;
    };
    let _ = stop.send(true);
    task.await.context("the reconciler panicked")?;
    let elapsed = repaired.ok_or_else(|| {
        anyhow!(
            "{subdomain} was not repaired {} s after it was due",
            REPAIR_TIMEOUT.as_secs()
        )
    })?;
    Ok(Repair {
        subdomain,
        millis: elapsed.as_millis(),
    })
}

struct Report {
    tenants: u32,
    database: String,
    period_secs: u64,
    concurrency: usize,
    steady: Steady,
    repair: Result<Repair, String>,
}

impl Report {
    fn text(&self) -> String {
        let s = &self.steady;
        let per_minute = |count: u64| count as f64 * 60.0 / s.seconds;
        let per_look = |count: u64| count as f64 / s.looks.max(1) as f64;
        let expected = f64::from(self.tenants) * 60.0 / self.period_secs as f64;
        format!(
            "reconcile benchmark: {} ready stores ({}), each looked at every {} s, {} looks at once\n\
             steady state, nothing drifting, {:.0} s measured:\n\
             \x20 looks            {:>9.0} /min  (the period asks for {:.0} /min)\n\
             \x20 API requests     {:>9.0} /min  {:>6.1} per look\n\
             \x20 DB statements    {:>9.0} /min  {:>6.1} per look\n\
             \x20 drift found      {:>9}\n\
             \x20 behind schedule  {:>9} stores at the end, the oldest {:.1} s late\n\
             one store drifted (Deployment deleted, ConfigMap value edited), made due first:\n\
             \x20 {}\n",
            self.tenants,
            self.database,
            self.period_secs,
            self.concurrency,
            s.seconds,
            per_minute(s.looks),
            expected,
            per_minute(s.requests),
            per_look(s.requests),
            per_minute(s.statements),
            per_look(s.statements),
            s.drifted,
            s.behind,
            s.oldest_late_ms as f64 / 1000.0,
            match &self.repair {
                Ok(repair) => format!("{}: found and put back in {} ms", repair.subdomain, repair.millis),
                Err(problem) => format!("not repaired: {problem}"),
            },
        )
    }

    /// A problem the figures show, if any.
    fn verdict(&self) -> Result<(), String> {
        if self.steady.drifted > 0 {
            return Err(format!(
                "{} stores reported drift where nothing had changed",
                self.steady.drifted
            ));
        }
        if self.steady.looks == 0 {
            return Err("the reconciler looked at no store".to_owned());
        }
        self.repair.as_ref().map(|_| ()).map_err(Clone::clone)
    }
}
