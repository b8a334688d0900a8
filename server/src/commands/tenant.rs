//! `storefleet tenant …`: a thin client of the database; a running server does the work.

use std::time::{Duration, Instant};

use anyhow::bail;
use serde::Serialize;

use app::domain::{Actor, EventKind, JobEventView, JobId, JobState, JobView, TenantView};
use app::ports::TenantAdmin;

use crate::cli::{TenantArgs, TenantCommand};
use crate::config::DbConfig;
use crate::rollouts::RolloutService;
use crate::serve;
use crate::tenants::{TenantDetail, TenantService};

const POLL: Duration = Duration::from_millis(250);
/// After this long with the job still queued, say that no server seems to be running.
const UNCLAIMED_HINT: Duration = Duration::from_secs(20);

/// The operator running the command, by login name, as the audit log records them.
pub fn operator() -> Actor {
    let login = ["STOREFLEET_OPERATOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()));
    Actor::operator(login.as_deref().unwrap_or("unknown"))
}

/// Runs a tenant command.
pub async fn run(db: &DbConfig, args: TenantArgs) -> anyhow::Result<()> {
    let database = serve::open_database(db).await?;
    // A job cancelled here is said to the servers' progress pages (on PostgreSQL; on SQLite
    // they read it within their fallback period).
    let tenants = TenantService::new(database.pool.clone(), args.cluster.settings())
        .with_signals(crate::jobs::JobSignals::on(&database));
    match args.command {
        TenantCommand::Create {
            subdomain,
            plan,
            owner_email,
            wait,
        } => {
            let (tenant, job_id) = tenants
                .create(&operator(), &subdomain, &plan, owner_email.as_deref())
                .await?;
            println!(
                "created tenant {} ({}), job {job_id}",
                tenant.subdomain, tenant.url
            );
            if wait {
                follow(&tenants, &job_id).await?;
            }
            Ok(())
        }
        TenantCommand::Seed { count, owners } => {
            let existing: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM tenants WHERE subdomain = 'shop-00001'")
                    .fetch_one(&database.pool)
                    .await?;
            if existing > 0 {
                println!("{existing} demo tenants are there already; nothing seeded");
                return Ok(());
            }
            super::bench_admin::seed::seed(&database.pool, count, owners, crate::clock::now_ms())
                .await?;
            println!("seeded {count} tenants owned by {owners} accounts");
            Ok(())
        }
        TenantCommand::List { json } => {
            let list = tenants.list().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                print_table(&list);
            }
            Ok(())
        }
        TenantCommand::Show { subdomain, json } => {
            let detail = tenants.show(&subdomain).await?;
            let events = match detail.jobs.first() {
                Some(job) => tenants.events(&job.id, 0).await?,
                None => Vec::new(),
            };
            let shown = Shown {
                detail,
                last_events: events,
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                let t = &shown.detail.tenant;
                println!(
                    "{}  {}  {}  {}  {}",
                    t.subdomain,
                    t.state.as_str(),
                    t.plan,
                    t.namespace,
                    t.url
                );
                for event in &shown.last_events {
                    println!("  {}", line(event));
                }
            }
            Ok(())
        }
        TenantCommand::SeedData {
            subdomain,
            sim_postgres_url,
        } => {
            let shown = tenants.show(&subdomain).await?;
            let namespace = shown.tenant.namespace;
            super::sample_data::seed(&sim_postgres_url, &namespace, &subdomain).await?;
            println!("sample data written to {subdomain}'s database");
            Ok(())
        }
        TenantCommand::Pin { subdomain, reason } => {
            let rollouts = RolloutService::new(database.pool.clone());
            rollouts.pin(&operator(), &subdomain, Some(&reason)).await?;
            println!(
                "tenant {subdomain} pinned to its release: {}",
                reason.trim()
            );
            Ok(())
        }
        TenantCommand::Unpin { subdomain } => {
            let rollouts = RolloutService::new(database.pool.clone());
            rollouts.pin(&operator(), &subdomain, None).await?;
            println!("tenant {subdomain} unpinned");
            Ok(())
        }
        TenantCommand::Canary { subdomain, off } => {
            let rollouts = RolloutService::new(database.pool.clone());
            rollouts.set_canary(&operator(), &subdomain, !off).await?;
            let now = if off {
                "no longer a canary"
            } else {
                "a canary"
            };
            println!("tenant {subdomain} is {now}");
            Ok(())
        }
        TenantCommand::Cancel { subdomain } => {
            let job_id = tenants.cancel(&operator(), &subdomain).await?;
            println!("cancelled job {job_id} of tenant {subdomain}");
            Ok(())
        }
        TenantCommand::Retry { subdomain, wait } => {
            let job_id = tenants.retry(&operator(), &subdomain).await?;
            println!("retrying job {job_id} of tenant {subdomain}");
            if wait {
                follow(&tenants, &job_id).await?;
            }
            Ok(())
        }
        TenantCommand::Delete { subdomain, wait } => {
            let job_id = tenants.delete(&operator(), &subdomain).await?;
            println!("deleting tenant {subdomain}, job {job_id}");
            if wait {
                follow(&tenants, &job_id).await?;
            }
            Ok(())
        }
    }
}

#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    detail: TenantDetail,
    last_events: Vec<JobEventView>,
}

fn print_table(list: &[TenantView]) {
    println!(
        "{:<24} {:<16} {:<10} {:<28} URL",
        "SUBDOMAIN", "STATE", "PLAN", "OWNER"
    );
    for t in list {
        println!(
            "{:<24} {:<16} {:<10} {:<28} {}",
            t.subdomain,
            t.state.as_str(),
            t.plan,
            t.owner_email.as_deref().unwrap_or("-"),
            t.url
        );
    }
}

fn line(event: &JobEventView) -> String {
    if event.kind == EventKind::Finished {
        return event.message.clone();
    }
    format!(
        "step {} {:<9} {}",
        event.step + 1,
        event.kind.as_str(),
        event.message
    )
}

/// Prints a job's events as they come until it ends; an error when it failed.
async fn follow(tenants: &TenantService, job_id: &JobId) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut seen = 0;
    let mut hinted = false;
    loop {
        for event in tenants.events(job_id, seen).await? {
            seen = event.seq;
            println!(
                "[{:>6.1}s] {}",
                started.elapsed().as_secs_f64(),
                line(&event)
            );
        }
        let job: JobView = tenants.job(job_id).await?;
        match job.state {
            JobState::Succeeded => return Ok(()),
            JobState::Failed => bail!(
                "job failed: {}",
                job.last_error.unwrap_or_else(|| "unknown error".to_owned())
            ),
            JobState::Queued if !hinted && started.elapsed() > UNCLAIMED_HINT => {
                hinted = true;
                eprintln!("still queued: is `storefleet serve` running against this database?");
            }
            _ => {}
        }
        tokio::time::sleep(POLL).await;
    }
}
