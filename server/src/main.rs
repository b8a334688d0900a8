//! The `storefleet` binary.

use std::process::ExitCode;

use clap::Parser;

use server::cli::{AdminCommand, BenchCommand, Cli, Command, ConfigCommand, ManifestsCommand};
use server::commands;
use server::config::ServeConfig;
use server::{serve, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The reconciler's benchmark installs its own subscriber, one that counts statements.
    if !matches!(
        cli.command,
        Some(Command::Bench(BenchCommand::Reconcile(_)))
    ) {
        telemetry::init();
    }
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
        None => Command::Serve(Box::new(ServeConfig::from_env()?)),
    };
    match command {
        Command::Serve(config) => serve::run(&cli.db, &config, serve::termination()).await,
        Command::Migrate => {
            serve::open_database(&cli.db).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Admin(AdminCommand::Create { email }) => {
            commands::admin::create(&cli.db, &email).await
        }
        Command::Manifests(ManifestsCommand::Render {
            subdomain,
            plan,
            out,
            cluster,
        }) => commands::manifests::render(&cli.db, &subdomain, &plan, &out, &cluster).await,
        Command::Tenant(args) => commands::tenant::run(&cli.db, args).await,
        Command::Secrets(args) => commands::secrets::run(&cli.db, args).await,
        Command::Release(command) => commands::release::run(&cli.db, command).await,
        Command::Token(command) => commands::token::run(&cli.db, command).await,
        Command::Rollout(command) => commands::rollout::run(&cli.db, command).await,
        Command::Backup(args) => commands::backup::run(&cli.db, args).await,
        Command::Db(args) => commands::db::run(&cli.db, args).await,
        Command::Bench(command) => commands::bench::run(command).await,
        Command::Doctor(config) => commands::doctor::run(&cli.db, &config).await,
        Command::Config(ConfigCommand::Reference) => {
            print!("{}", commands::config::reference());
            Ok(())
        }
    }
}
