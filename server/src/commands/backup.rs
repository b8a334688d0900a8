//! `storefleet backup …`: ask for a store's backup or restore drill, follow it, list a store's
//! backups and the fleet's drill health, as the operator running the command. A running
//! `storefleet serve` takes them.

use std::time::Duration;

use anyhow::bail;

use app::domain::backup::{BackupKind, BackupState, BackupView};
use app::domain::drill::{DrillHealth, DrillState, DrillView};

use crate::backups::BackupService;
use crate::cli::{BackupArgs, BackupCommand};
use crate::config::DbConfig;
use crate::drills::DrillService;
use crate::serve;
use crate::storage::Storage;

use super::tenant::operator;

const POLL: Duration = Duration::from_millis(500);

/// Runs a backup command.
pub async fn run(db: &DbConfig, args: BackupArgs) -> anyhow::Result<()> {
    args.storage.check()?;
    let database = serve::open_database(db).await?;
    let storage = Storage::from_config(&args.storage)?;
    let drills_on = storage.is_some() && args.drills.postgres_url().is_some();
    let drills = DrillService::new(
        database.pool.clone(),
        drills_on,
        args.drills.drill_every_hours,
    );
    let backups = BackupService::new(database.pool.clone(), storage);
    match args.command {
        BackupCommand::Now { store, wait } => {
            let mut view = backups
                .request(&operator(), &store, BackupKind::Manual)
                .await?;
            println!("backup {} of {} queued", view.id, view.subdomain);
            if !wait {
                return Ok(());
            }
            while !view.state.is_final() {
                tokio::time::sleep(POLL).await;
                view = backups.show(&view.id).await?;
            }
            println!("{}", line(&view));
            if view.state == BackupState::Failed {
                bail!("backup {} failed", view.id);
            }
        }
        BackupCommand::Restore {
            store,
            backup,
            confirm,
        } => {
            let job = backups
                .restore(&operator(), &store, &backup, &confirm)
                .await?;
            println!("restore of backup {backup} into {store} queued as job {job}");
        }
        BackupCommand::List { store } => {
            for view in backups.list(&store).await? {
                println!("{}", line(&view));
            }
        }
        BackupCommand::Show { id } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&backups.show(&id).await?)?
            );
        }
        BackupCommand::Drill { store, wait } => {
            let mut view = drills.drill_now(&operator(), &store).await?;
            println!(
                "drill {} of backup {} of {} queued",
                view.id, view.backup_id, view.subdomain
            );
            if !wait {
                return Ok(());
            }
            while !view.state.is_final() {
                tokio::time::sleep(POLL).await;
                view = drills.show(&view.id).await?;
            }
            println!("{}", drill_line(&view));
            if view.state == DrillState::Failed {
                bail!("drill {} failed", view.id);
            }
        }
        BackupCommand::Health { json } => {
            let health = drills.health().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&health)?);
            } else {
                print_health(&health);
            }
        }
    }
    Ok(())
}

/// `id  state  backup  finished  tables  error`, tab-separated; tables as `name=rows,…`.
fn drill_line(view: &DrillView) -> String {
    let tables: Vec<String> = view
        .tables
        .iter()
        .map(|(name, rows)| format!("{name}={rows}"))
        .collect();
    [
        view.id.clone(),
        view.state.as_str().to_owned(),
        view.backup_id.clone(),
        view.finished_at.clone().unwrap_or_else(|| "-".into()),
        tables.join(","),
        view.error.clone().unwrap_or_default(),
    ]
    .join("\t")
}

/// One line per store (`store  last backup  its state  last drill  its state  overdue`), then
/// the stores whose last drill failed and those overdue.
fn print_health(health: &DrillHealth) {
    if !health.enabled {
        println!("restore drills are off (no storage or no STOREFLEET_DRILL_POSTGRES_URL)");
    }
    for store in &health.stores {
        let drill = store.last_drill.as_ref();
        println!(
            "{}",
            [
                store.subdomain.clone(),
                store.last_backup_at.clone().unwrap_or_else(|| "-".into()),
                store
                    .last_backup_state
                    .map_or("-", |state| state.as_str())
                    .to_owned(),
                drill
                    .and_then(|d| d.finished_at.clone())
                    .unwrap_or_else(|| "-".into()),
                drill
                    .map_or("never drilled", |d| d.state.as_str())
                    .to_owned(),
                if store.overdue { "overdue" } else { "" }.to_owned(),
            ]
            .join("\t")
        );
    }
    println!("last drill failed: {}", health.last_failed.join(", "));
    println!("drill overdue: {}", health.overdue.join(", "));
}

/// `id  kind  state  size  sha256  created  error`, tab-separated.
fn line(view: &BackupView) -> String {
    [
        view.id.clone(),
        view.kind.as_str().to_owned(),
        view.state.as_str().to_owned(),
        view.size
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into()),
        view.sha256.clone().unwrap_or_else(|| "-".into()),
        view.created_at.clone(),
        view.error.clone().unwrap_or_default(),
    ]
    .join("\t")
}
