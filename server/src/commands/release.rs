//! `storefleet release …`: make and list releases, as the operator running the command.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail};

use app::domain::NewRelease;

use crate::cli::ReleaseCommand;
use crate::config::DbConfig;
use crate::releases::ReleaseService;
use crate::serve;

use super::tenant::operator;

/// `component=tag` pairs as a map; a malformed or repeated component is an error.
fn images(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut images = BTreeMap::new();
    for pair in pairs {
        let (component, tag) = pair
            .split_once('=')
            .ok_or_else(|| anyhow!("--image {pair:?}: write it as COMPONENT=TAG"))?;
        if images
            .insert(component.trim().to_owned(), tag.trim().to_owned())
            .is_some()
        {
            bail!("--image names {component} twice");
        }
    }
    Ok(images)
}

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
                images: images(&pairs)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_component_equals_tag() {
        let pairs = ["api=1.4.0".to_owned(), "web = 1.27.3-alpine".to_owned()];
        let read = images(&pairs).unwrap();
        assert_eq!(read["api"], "1.4.0");
        assert_eq!(read["web"], "1.27.3-alpine");
        assert!(images(&["api".to_owned()]).is_err());
        assert!(images(&["api=1".to_owned(), "api=2".to_owned()]).is_err());
    }
}
