//! `storefleet admin create`.

use anyhow::Context;
use tokio::io::AsyncBufReadExt;

use app::domain::{Email, Password, Role};

use crate::accounts::AccountService;
use crate::config::{DbConfig, ServeConfig};
use crate::serve;

/// Creates an admin account, the password read from the first line of standard input.
pub async fn create(db: &DbConfig, email: &str) -> anyhow::Result<()> {
    let email = Email::parse(email)?;
    let password = read_line()
        .await
        .context("reading the password from stdin")?;
    let password = Password::parse(&password, email.as_str())?;
    let database = serve::open_database(db).await?;
    let accounts = AccountService::new(
        database.pool.clone(),
        ServeConfig::from_env()?.login_limits(),
    );
    let user = accounts.create(email, password, Role::Admin).await?;
    println!("created admin {}", user.email);
    Ok(())
}

async fn read_line() -> std::io::Result<String> {
    let mut line = String::new();
    tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
