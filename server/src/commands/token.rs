//! `storefleet token …`: make, list and revoke API tokens, as the operator running the
//! command. A token is printed once, when it is made.

use crate::cli::TokenCommand;
use crate::config::DbConfig;
use crate::serve;
use crate::tokens::TokenService;

use super::tenant::operator;

/// Runs a token command.
pub async fn run(db: &DbConfig, command: TokenCommand) -> anyhow::Result<()> {
    let database = serve::open_database(db).await?;
    let tokens = TokenService::new(database.pool.clone());
    match command {
        TokenCommand::Create { name, scopes } => {
            let made = tokens.create(&operator(), &name, &scopes.join(" ")).await?;
            eprintln!(
                "token {} made with {}; it is shown this once:",
                made.view.name,
                made.view
                    .scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!("{}", made.secret);
        }
        TokenCommand::Revoke { name } => {
            tokens.revoke(&operator(), &name).await?;
            println!("token {name} revoked");
        }
        TokenCommand::List => {
            for token in tokens.list().await? {
                let scopes: Vec<&str> = token.scopes.iter().map(|s| s.as_str()).collect();
                println!(
                    "{}\t{}\tmade {} by {}\tlast used {}\t{}",
                    token.name,
                    scopes.join(","),
                    token.created_at,
                    token.created_by,
                    token.last_used_at.as_deref().unwrap_or("never"),
                    token
                        .revoked_at
                        .map_or_else(|| "active".to_owned(), |at| format!("revoked {at}"))
                );
            }
        }
    }
    Ok(())
}
