//! `storefleet rollout …`: start, follow and steer rollouts, as the operator running the
//! command. A running `storefleet serve` moves them on.

use std::time::Duration;

use anyhow::bail;

use app::domain::rollout::{NewRollout, RolloutOptions, RolloutState, RolloutView};

use crate::cli::{RolloutCommand, RolloutStartArgs};
use crate::config::DbConfig;
use crate::rollouts::RolloutService;
use crate::serve;

use super::tenant::operator;

const POLL: Duration = Duration::from_millis(500);

/// Runs a rollout command.
pub async fn run(db: &DbConfig, command: RolloutCommand) -> anyhow::Result<()> {
    let database = serve::open_database(db).await?;
    let rollouts = RolloutService::new(database.pool.clone());
    let me = operator();
    let view = match command {
        RolloutCommand::Start(args) => {
            let wait = args.wait;
            let view = rollouts.start(&me, &request(args)?).await?;
            println!("rollout {} of {} started", view.id, view.release);
            print_view(&view);
            if wait {
                return follow(&rollouts, &view).await;
            }
            return Ok(());
        }
        RolloutCommand::Show { id, json } => {
            let view = rollouts.show(&id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
                return Ok(());
            }
            view
        }
        RolloutCommand::List => {
            for rollout in rollouts.list().await? {
                println!(
                    "{}\t{}/{}\t{}\t{}\t{}",
                    rollout.id,
                    rollout.blueprint,
                    rollout.release,
                    rollout.state.as_str(),
                    rollout.created_at,
                    rollout.created_by
                );
            }
            return Ok(());
        }
        RolloutCommand::Pause { id } => rollouts.pause(&me, &id).await?,
        RolloutCommand::Resume { id } => rollouts.resume(&me, &id).await?,
        RolloutCommand::Abort { id } => rollouts.abort(&me, &id).await?,
        RolloutCommand::Rollback { id, store: None } => rollouts.rollback(&me, &id).await?,
        RolloutCommand::Rollback {
            id,
            store: Some(store),
        } => rollouts.rollback_store(&me, &id, &store).await?,
    };
    print_view(&view);
    Ok(())
}

fn request(args: RolloutStartArgs) -> anyhow::Result<NewRollout> {
    Ok(NewRollout {
        release: args.release,
        blueprint: args.blueprint,
        plan: args.plan,
        stores: args.stores,
        options: RolloutOptions {
            canary: args.canary,
            waves: RolloutOptions::parse_waves(&args.waves)?,
            max_parallel: args.max_parallel,
            bake_secs: args.bake_secs,
            budget_percent: args.budget_percent,
            timeout_secs: args.timeout_secs,
            rollback_all: args.rollback_all,
        },
    })
}

/// One line per wave, e.g. `wave 2  12/20 done, 3 updating, 5 waiting`.
fn wave_lines(view: &RolloutView) -> Vec<String> {
    view.waves
        .iter()
        .map(|wave| {
            let c = wave.counts;
            let mut parts = vec![format!("{}/{} done", c.done, c.total())];
            for (count, what) in [
                (c.updating, "updating"),
                (c.waiting, "waiting"),
                (c.failed, "failed"),
                (c.rolled_back, "rolled back"),
                (c.skipped, "skipped"),
            ] {
                if count > 0 {
                    parts.push(format!("{count} {what}"));
                }
            }
            format!("  {:<11} {}", wave.name, parts.join(", "))
        })
        .collect()
}

fn print_view(view: &RolloutView) {
    let reason = view
        .reason
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    println!("{} {}{reason}", view.release, view.state.as_str());
    for line in wave_lines(view) {
        println!("{line}");
    }
    for wave in &view.waves {
        for store in wave.stores.iter().filter(|s| s.failed) {
            let why = store.reason.as_deref().unwrap_or("no reason given");
            println!(
                "  failed: {} ({}): {why}",
                store.subdomain,
                store.state.as_str()
            );
        }
    }
    for store in &view.left_out {
        let why = store.reason.as_deref().unwrap_or_default();
        println!("  left out: {}: {why}", store.subdomain);
    }
}

/// Prints the waves whenever they change, until the rollout ends.
async fn follow(rollouts: &RolloutService, start: &RolloutView) -> anyhow::Result<()> {
    let mut last = (start.state, wave_lines(start));
    loop {
        tokio::time::sleep(POLL).await;
        let view = rollouts.show(&start.id).await?;
        let now = (view.state, wave_lines(&view));
        if now != last {
            println!("{}", view.state.as_str());
            for line in &now.1 {
                println!("{line}");
            }
            last = now;
        }
        let settled = view
            .waves
            .iter()
            .flat_map(|w| &w.stores)
            .all(|s| !s.state.is_open());
        if view.state.is_final() && settled {
            print_view(&view);
            if view.state == RolloutState::Done {
                return Ok(());
            }
            bail!("rollout {} {}", view.id, view.state.as_str());
        }
    }
}
