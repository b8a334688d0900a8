//! `storefleet secrets …`: making keys and re-sealing stored secret settings under the
//! current one.

use crate::cli::{SecretsArgs, SecretsCommand};
use crate::config::DbConfig;
use crate::secrets::{keys, store, SecretKey, SecretsError};
use crate::serve;

/// Runs a secrets command.
pub async fn run(db: &DbConfig, args: SecretsArgs) -> anyhow::Result<()> {
    match args.command {
        SecretsCommand::GenerateKey { file: Some(file) } => {
            let id = keys::add_key_to_file(&file)?;
            println!(
                "added key {id} to {} as the current key; restart every server, then run \
                 `storefleet secrets rotate-key`",
                file.display()
            );
            Ok(())
        }
        SecretsCommand::GenerateKey { file: None } => {
            let (_, text) = SecretKey::generate(keys::new_key_id());
            println!("{}", text.as_str());
            Ok(())
        }
        SecretsCommand::RotateKey => {
            let keyring = args.keys.keyring()?.ok_or(SecretsError::NoKey)?;
            let database = serve::open_database(db).await?;
            let done = store::rotate(&database.pool, &keyring).await?;
            println!(
                "re-sealed {} secret values under key {} ({} sealed from plain text) across {} \
                 tenants",
                done.rotated + done.plain,
                keyring.current(),
                done.plain,
                done.tenants
            );
            Ok(())
        }
    }
}
