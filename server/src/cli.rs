//! The command line: `serve` (the default), `migrate`, `admin create`.

use clap::{Parser, Subcommand};

use crate::config::{DbConfig, ServeConfig};

/// storefleet: one isolated store per customer, on Kubernetes.
#[derive(Debug, Parser)]
#[command(name = "storefleet", version, about)]
pub struct Cli {
    /// Database settings, shared by every command.
    #[command(flatten)]
    pub db: DbConfig,
    /// What to do; serving when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and API (the default).
    Serve(ServeConfig),
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Manage admin accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// Admin account commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account; the password is read from standard input.
    Create {
        /// The admin's email address.
        #[arg(long)]
        email: String,
    },
}
