//! The `storefleet` binary.

use std::process::ExitCode;

use clap::Parser;

use server::cli::{AdminCommand, BenchCommand, Cli, Command, ConfigCommand, ManifestsCommand};
use server::commands;
use server::config::{DbConfig, ServeConfig};
use server::{serve, telemetry};

/// Every allocation of the server's many threads: mimalloc's thread-local heaps rather than
/// glibc's arenas and their locks (measured: `storefleet bench admin-page`, README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = match cli.command {
        Some(command) => command,
        None => match ServeConfig::from_env() {
            Ok(config) => Command::Serve(Box::new(config)),
            Err(error) => error.exit(),
        },
    };
    // The reconciler's benchmark installs its own subscriber, one that counts statements.
    let telemetry = match &command {
        Command::Bench(BenchCommand::Reconcile(_)) => None,
        Command::Serve(config) => Some(telemetry::init(Some(&config.tracing))),
        _ => Some(telemetry::init(None)),
    };
    let outcome = run(&cli.db, command).await;
    if let Some(telemetry) = telemetry {
        telemetry.shutdown().await;
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(db: &DbConfig, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(config) => serve::run(db, &config, serve::termination()).await,
        Command::Migrate => {
            serve::open_database(db).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Admin(AdminCommand::Create { email }) => commands::admin::create(db, &email).await,
        Command::Manifests(ManifestsCommand::Render {
            subdomain,
            plan,
            out,
            cluster,
        }) => commands::manifests::render(db, &subdomain, &plan, &out, &cluster).await,
        Command::Tenant(args) => commands::tenant::run(db, args).await,
        Command::Secrets(args) => commands::secrets::run(db, args).await,
        Command::Release(command) => commands::release::run(db, command).await,
        Command::Pool(command) => commands::pool::run(db, command).await,
        Command::Token(command) => commands::token::run(db, command).await,
        Command::Rollout(command) => commands::rollout::run(db, command).await,
        Command::Backup(args) => commands::backup::run(db, args).await,
        Command::Db(args) => commands::db::run(db, args).await,
        Command::Bench(command) => commands::bench::run(command).await,
        Command::Doctor(config) => commands::doctor::run(db, &config).await,
        Command::Config(ConfigCommand::Reference) => {
            print!("{}", commands::config::reference());
            Ok(())
        }
    }
}
