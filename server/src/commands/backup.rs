//! `storefleet backup …`: ask for a store's backup, follow it, list a store's backups, as the
//! operator running the command. A running `storefleet serve` takes them.

use std::time::Duration;

use anyhow::bail;

use app::domain::backup::{BackupKind, BackupState, BackupView};

use crate::backups::BackupService;
use crate::cli::{BackupArgs, BackupCommand};
use crate::config::DbConfig;
use crate::serve;
use crate::storage::Storage;

use super::tenant::operator;

const POLL: Duration = Duration::from_millis(500);

/// Runs a backup command.
pub async fn run(db: &DbConfig, args: BackupArgs) -> anyhow::Result<()> {
    args.storage.check()?;
    let database = serve::open_database(db).await?;
    let storage = Storage::from_config(&args.storage)?;
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
    }
    Ok(())
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
