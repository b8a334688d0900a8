//! The `storefleet` binary.

use std::process::ExitCode;

use clap::Parser;
use tokio::io::AsyncBufReadExt;

use app::domain::{Email, Password, Role};
use server::accounts::AccountService;
use server::cli::{AdminCommand, Cli, Command};
use server::config::ServeConfig;
use server::{serve, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(ServeConfig::from_env()?),
    };
    match command {
        Command::Serve(config) => serve::run(&cli.db, &config, serve::termination()).await,
        Command::Migrate => {
            serve::open_database(&cli.db).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Admin(AdminCommand::Create { email }) => {
            let email = Email::parse(&email)?;
            let password = read_password().await?;
            let password = Password::parse(&password, email.as_str())?;
            let db = serve::open_database(&cli.db).await?;
            let defaults = ServeConfig::from_env()?;
            let accounts = AccountService::new(db.pool.clone(), defaults.login_limits());
            let user = accounts.create(email, password, Role::Admin).await?;
            println!("created admin {}", user.email);
            Ok(())
        }
    }
}

/// Reads the password from the first line of standard input.
async fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
