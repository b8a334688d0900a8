//! The command line: `serve` (the default), `migrate`, `admin create`.

use clap::{Parser, Subcommand};

use std::path::PathBuf;

use crate::config::{ClusterConfig, DbConfig, ServeConfig};

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
    /// Inspect what storefleet applies to the cluster.
    #[command(subcommand)]
    Manifests(ManifestsCommand),
}

/// Manifest commands.
#[derive(Debug, Subcommand)]
pub enum ManifestsCommand {
    /// Write one YAML file per object a tenant would get, without touching any cluster.
    /// Secret values are redacted.
    Render {
        /// The tenant's subdomain.
        #[arg(long)]
        subdomain: String,
        /// The plan, by name.
        #[arg(long)]
        plan: String,
        /// The folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Cluster layout.
        #[command(flatten)]
        cluster: ClusterConfig,
    },
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
