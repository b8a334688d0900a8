//! `storefleet bench admin-page`: the admin tenants page at a fleet's size. Starts the real
//! server in-process on 127.0.0.1 with a fresh database (a temporary SQLite file, or a new
//! database on the PostgreSQL server of `--database-url`), seeds tenants and their owners
//! straight into it, logs in as an admin over HTTP, then runs concurrent clients against the
//! server-rendered tenants pages, a search, and `/healthz` of the same server, one after the
//! other, and reports requests per second, p50 and p99 of each.
//!
//! The clients run in the same process as the server, so on a small machine they take part
//! of its CPU: the figures are a floor, and `/healthz` shows what the HTTP stack alone costs.

mod load;
pub mod seed;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use app::domain::{Email, Password, Role};

use crate::accounts::AccountService;
use crate::cli::AdminPageBenchArgs;
use crate::clock::now_ms;
use crate::config::{ClusterMode, DbConfig, ServeConfig};
use crate::db;
use crate::serve;

use super::measure::memory;
use super::scratch::ScratchDatabase;

use load::{Phase, PhaseReport};

const ADMIN_EMAIL: &str = "admin@bench.example";
const ADMIN_PASSWORD: &str = "benchmark admin password";
/// Whatever a request does, the clients give up on it after this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the benchmark and prints its report.
pub async fn run(args: &AdminPageBenchArgs) -> anyhow::Result<()> {
    let database = ScratchDatabase::create(args.database_url.as_deref()).await?;
    let result = measure(args, &database.url).await;
    database.drop_it().await;
    let reports = result?;
    for report in &reports {
        println!("{}", report.line());
    }
    if reports.iter().any(|r| r.errors > 0 || r.ok == 0) {
        bail!("some requests failed");
    }
    Ok(())
}

async fn measure(args: &AdminPageBenchArgs, url: &str) -> anyhow::Result<Vec<PhaseReport>> {
    let db_config = DbConfig {
        database_url: url.to_owned(),
    };
    let mut config = ServeConfig::from_env()?;
    config.bind = "127.0.0.1:0".parse()?;
    config.cluster_mode = ClusterMode::Simulated;
    config.site_root = PathBuf::from("target/site");
    let running = serve::start(&db_config, &config).await?;
    let rss_started = memory("VmRSS");
    let base = format!("http://{}", running.addr);
    let result = async {
        let database = serve::open_database(&db_config).await?;
        let started = std::time::Instant::now();
        seed::seed(&database.pool, args.tenants, args.owners, now_ms()).await?;
        seed::audit(&database.pool, args.audit_entries, now_ms()).await?;
        let rss_seeded = memory("VmRSS");
        println!(
            "admin-page benchmark: {} tenants, {} owners, {} audit entries seeded in {:.1} s ({}); \
             {} clients, {} s per phase",
            args.tenants,
            args.owners,
            args.audit_entries,
            started.elapsed().as_secs_f64(),
            db::redact(url).split(':').next().unwrap_or("?"),
            args.clients,
            args.seconds
        );
        let accounts = AccountService::new(database.pool.clone(), config.login_limits());
        accounts
            .create(
                Email::parse(ADMIN_EMAIL)?,
                Password::parse(ADMIN_PASSWORD, ADMIN_EMAIL)?,
                Role::Admin,
            )
            .await?;
        database.pool.close().await;
        let client = logged_in(&base, &config.public_origin(), ADMIN_EMAIL, ADMIN_PASSWORD).await?;
        let duration = Duration::from_secs(args.seconds);
        let mut reports = Vec::new();
        for phase in phases(args.tenants, args.audit_entries) {
            reports.push(load::run(&client, &base, &phase, args.clients as usize, duration).await);
        }
        println!(
            "resident memory of the process (server and clients): {rss_started} once serving, \
             {rss_seeded} with the tenants seeded, {} after the phases",
            memory("VmRSS")
        );
        anyhow::Ok(reports)
    }
    .await;
    running.stop().await?;
    result
}

/// The phases, in order: pages of the whole table, a search, pages of the audit log, and the
/// health probe.
fn phases(tenants: u32, audit_entries: u32) -> Vec<Phase> {
    let page_paths = spread("/admin/tenants", tenants);
    let search_paths = (0..20u32)
        .map(|i| {
            format!(
                "/admin/tenants?q=owner-{:04}&sort=subdomain",
                i * 37 % 1000 + 1
            )
        })
        .collect();
    vec![
        Phase {
            name: "GET /admin/tenants?page=N".into(),
            paths: page_paths,
            expect: "data-testid=\"tenants-table\"",
        },
        Phase {
            name: "GET /admin/tenants?q=owner".into(),
            paths: search_paths,
            expect: "data-testid=\"tenants-table\"",
        },
        Phase {
            name: "GET /admin/audit?page=N".into(),
            paths: spread("/admin/audit", audit_entries),
            expect: "data-testid=\"audit-table\"",
        },
        Phase {
            name: "GET /healthz".into(),
            paths: vec!["/healthz".into()],
            expect: "ok",
        },
    ]
}

/// 20 pages of a table of `rows` at `path`, spread over it: near its start and its end alike.
fn spread(path: &str, rows: u32) -> Vec<String> {
    let pages = rows.div_ceil(app::domain::paging::PAGE_SIZE).max(1);
    (0..20u32)
        .map(|i| format!("{path}?page={}", i * pages / 20 + 1))
        .collect()
}

/// A client with the session cookie of the account `email`, logged in at `base`.
pub(super) async fn logged_in(
    base: &str,
    origin: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let response = client
        .post(format!("{base}/api/log_in"))
        .header("origin", origin)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .context("logging in")?;
    if !(response.status().is_success() || response.status().is_redirection()) {
        bail!("logging in answered {}", response.status());
    }
    Ok(client)
}
