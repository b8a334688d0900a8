//! `storefleet release …`: make and list releases, as the operator running the command.

use anyhow::anyhow;

use app::domain::release::parse_images;
use app::domain::NewRelease;

use crate::cli::ReleaseCommand;
use crate::config::DbConfig;
use crate::releases::ReleaseService;
use crate::serve;

use super::tenant::operator;

/// Runs a release command.
pub async fn run(db: &DbConfig, command: ReleaseCommand) -> anyhow::Result<()> {
    let database = serve::open_database(db).await?;
    let releases = ReleaseService::new(database.pool.clone());
    match command {
        ReleaseCommand::Create {
            blueprint,
            name,
            images: pairs,
            notes,
        } => {
            let release = NewRelease {
                blueprint,
                name,
                images: parse_images(&pairs.join("\n")).map_err(|e| anyhow!("--image {e}"))?,
                notes,
            };
            let made = releases.create(&operator(), &release).await?;
            println!(
                "release {} of {} made ({})",
                made.name, made.blueprint, made.id
            );
        }
        ReleaseCommand::List { json } => {
            let all = releases.list().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for release in all {
                    let images: Vec<String> = release
                        .images
                        .iter()
                        .map(|(c, t)| format!("{c}={t}"))
                        .collect();
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        release.blueprint,
                        release.name,
                        images.join(" "),
                        release.created_at,
                        release.created_by
                    );
                }
            }
        }
    }
    Ok(())
}
