//! `storefleet pool …`: set and show pools of standby stores, as the operator running the
//! command.

use anyhow::anyhow;

use app::domain::pool::{duration_text, parse_size};

use crate::cli::PoolCommand;
use crate::clock::now_ms;
use crate::config::DbConfig;
use crate::pools::PoolService;
use crate::serve;

use super::tenant::operator;

/// Runs a pool command.
pub async fn run(db: &DbConfig, command: PoolCommand) -> anyhow::Result<()> {
    let database = serve::open_database(db).await?;
    let pools = PoolService::new(database.pool.clone());
    match command {
        PoolCommand::Set { plan, size } => {
            let size = parse_size(&size).map_err(|e| anyhow!("--size: {e}"))?;
            let pool = pools.set(&operator(), &plan, size).await?;
            println!(
                "pool of {}: size {}, {} ready, {} being made",
                pool.plan, pool.size, pool.ready, pool.provisioning
            );
        }
        PoolCommand::List { json } => {
            let all = pools.at(now_ms()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(());
            }
            println!("plan\tsize\tready\tbeing made\tfailed\tclaimed today");
            for pool in &all.pools {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    pool.plan,
                    pool.size,
                    pool.ready,
                    pool.provisioning,
                    pool.failed,
                    pool.claimed_today
                );
            }
            for times in &all.ready_times {
                let what = if times.from_standby {
                    "with a standby"
                } else {
                    "without"
                };
                let text = |ms: Option<i64>| ms.map_or("-".to_owned(), duration_text);
                println!(
                    "ready {what}: p50 {}, p95 {} over {} stores",
                    text(times.p50_ms),
                    text(times.p95_ms),
                    times.stores
                );
            }
        }
    }
    Ok(())
}
