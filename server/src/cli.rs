//! The command line: `serve` (the default), `migrate`, `admin create`, `tenant`, `secrets`, …

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
    /// Serve the web UI and API (the default). Boxed: its settings are many, the other
    /// commands' few.
    Serve(Box<ServeConfig>),
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Manage admin accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Inspect what storefleet applies to the cluster.
    #[command(subcommand)]
    Manifests(ManifestsCommand),
    /// Create, list, show and delete tenants. A running `storefleet serve` does the work.
    Tenant(TenantArgs),
    /// Manage the keys that seal owners' secret settings at rest.
    Secrets(SecretsArgs),
    /// Make and list releases: named versions of a blueprint's images.
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// Set and show each plan's pool of standby stores, which sign-ups claim to be live in
    /// seconds. A running `storefleet serve` makes and replaces the standbys.
    #[command(subcommand)]
    Pool(PoolCommand),
    /// Make, list and revoke the API tokens automations (CI) call with.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Start, follow and steer rollouts of a release over the fleet. A running
    /// `storefleet serve` moves them on.
    #[command(subcommand)]
    Rollout(RolloutCommand),
    /// Back up stores' databases to object storage, and list their backups. A running
    /// `storefleet serve` with storage configured takes them.
    Backup(BackupArgs),
    /// Back up the control plane's own database to object storage, and restore it.
    Db(DbArgs),
    /// Measure the control plane against an in-process simulated cluster and a throw-away
    /// database (the global `--database-url` is not used).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Describe the settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check the settings `serve` would run with and every dependency they name (database,
    /// cluster permissions, Stripe, DNS, SMTP, object storage): one line per check, the fix
    /// of each failure, and a failing exit status when any check fails.
    Doctor(Box<ServeConfig>),
}

/// `storefleet config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting of `storefleet serve` as Markdown: its variable, flag, default
    /// and meaning (`docs/configuration.md` is this).
    Reference,
}

/// `storefleet backup …` and the storage it needs.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: BackupCommand,
    /// Where backups are kept.
    #[command(flatten)]
    pub storage: crate::storage::StorageConfig,
    /// How restore drills run.
    #[command(flatten)]
    pub drills: crate::drills::DrillConfig,
}

/// Backup commands.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Back up a store's database now.
    Now {
        /// The store's subdomain.
        store: String,
        /// Wait until the backup is stored or has failed; exit non-zero when it failed.
        #[arg(long)]
        wait: bool,
    },
    /// Restore a stored backup into its store: the data as it is now is backed up first, the
    /// store stopped meanwhile. `--confirm` must repeat the store's subdomain.
    Restore {
        /// The store's subdomain.
        store: String,
        /// The backup's id.
        backup: String,
        /// The store's subdomain again: the restore replaces all its data.
        #[arg(long)]
        confirm: String,
    },
    /// A store's backups, newest first.
    List {
        /// The store's subdomain.
        store: String,
    },
    /// One backup, as JSON.
    Show {
        /// Its id.
        id: String,
    },
    /// Drill the store's newest stored backup: restore it into a scratch database and count
    /// its tables' rows. A running `storefleet serve` with a drill PostgreSQL runs it.
    Drill {
        /// The store's subdomain.
        store: String,
        /// Wait until the drill passed or failed; exit non-zero when it failed.
        #[arg(long)]
        wait: bool,
    },
    /// The fleet's backups and restore drills: each store's last backup and last drill, the
    /// stores whose last drill failed and those overdue.
    Health {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `storefleet db …` and the storage it needs.
#[derive(Debug, clap::Args)]
pub struct DbArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DbCommand,
    /// How to reach the storage; the bucket is the one in the address.
    #[command(flatten)]
    pub storage: crate::storage::StorageConfig,
}

/// Commands on the control plane's own database.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Back the database up now (online: the server may run) and print the object's key, size
    /// and SHA-256.
    Backup {
        /// Where: `s3://BUCKET/KEY`, the whole key (the bucket and prefix settings do not
        /// apply).
        #[arg(long)]
        to: String,
    },
    /// Replace the whole database with a backup. Stop every `storefleet serve` using it first.
    Restore {
        /// The backup: `s3://BUCKET/KEY`, as `db backup` printed it.
        #[arg(long)]
        from: String,
        /// Yes, replace the database (refused without).
        #[arg(long)]
        yes: bool,
    },
}

/// Release commands.
#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Make a release: `--image api=1.4.0 --image web=1.27.3-alpine`. Releases never change.
    Create {
        /// The blueprint it is a version of.
        #[arg(long, default_value = "store")]
        blueprint: String,
        /// Its name, e.g. `1.4.0`.
        #[arg(long)]
        name: String,
        /// A component's image tag, as `component=tag`; at least one.
        #[arg(long = "image", value_name = "COMPONENT=TAG", required = true)]
        images: Vec<String>,
        /// What changed.
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// List the newest releases.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `storefleet pool …`.
#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// Set how many ready standby stores a plan keeps (0: none, the default).
    Set {
        /// The plan.
        #[arg(long)]
        plan: String,
        /// How many standby stores.
        #[arg(long)]
        size: String,
    },
    /// Show every plan's pool and how fast recent stores became ready, with a standby and
    /// without.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Rollout commands.
#[derive(Debug, Subcommand)]
pub enum RolloutCommand {
    /// Start a rollout of a release over the stores of its blueprint (pinned and non-ready
    /// ones are left out); with `--wait`, print its waves until it ends: exit 0 when every
    /// store reached the release, 1 when it halted, was aborted or rolled back.
    Start(RolloutStartArgs),
    /// Show a rollout's waves and stores.
    Show {
        /// Its id.
        id: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the newest rollouts.
    List,
    /// Pause a running rollout: no store starts; those updating finish.
    Pause {
        /// Its id.
        id: String,
    },
    /// Resume a paused rollout.
    Resume {
        /// Its id.
        id: String,
    },
    /// Abort a rollout: no store starts; stores keep the release they have.
    Abort {
        /// Its id.
        id: String,
    },
    /// Move every store a rollout updated back to its previous release, or only `--store`.
    Rollback {
        /// Its id.
        id: String,
        /// Only this store (its subdomain).
        #[arg(long)]
        store: Option<String>,
    },
}

/// How to start a rollout.
#[derive(Debug, clap::Args)]
pub struct RolloutStartArgs {
    /// The release's name, e.g. `1.4.0`.
    #[arg(long)]
    pub release: String,
    /// Its blueprint, when several have a release of that name.
    #[arg(long)]
    pub blueprint: Option<String>,
    /// Only the stores on this plan.
    #[arg(long)]
    pub plan: Option<String>,
    /// Only these stores (repeat); all of the blueprint when none.
    #[arg(long = "store", value_name = "SUBDOMAIN")]
    pub stores: Vec<String>,
    /// Stores in the canary cohort when none is flagged canary.
    #[arg(long, default_value_t = 1)]
    pub canary: usize,
    /// The waves after the canary, as growing percentages of the rest, ending at 100.
    #[arg(long, default_value = "1,10,50,100")]
    pub waves: String,
    /// Stores updating at once, at most.
    #[arg(long, default_value_t = 5)]
    pub max_parallel: usize,
    /// Seconds each store is watched after its update.
    #[arg(long, default_value_t = 60)]
    pub bake_secs: u64,
    /// Failures a wave may have, in percent of its stores, before the rollout halts.
    #[arg(long, default_value_t = 2)]
    pub budget_percent: u8,
    /// Seconds a store's update may take before it counts as failed.
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
    /// On a halt, move every store it updated back, not only the failing wave's.
    #[arg(long)]
    pub rollback_all: bool,
    /// Print the waves until the rollout ends; exit 1 unless every store reached the release.
    #[arg(long)]
    pub wait: bool,
}

/// API token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it, once: it is kept only as a hash.
    Create {
        /// Its name, e.g. `github-actions`.
        #[arg(long)]
        name: String,
        /// What it may do: `releases:write`, `rollouts:write` (repeat or separate by commas).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
    /// Revoke a token: every later call with it is refused.
    Revoke {
        /// Its name.
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
}

/// Secret key commands and the keys they use.
#[derive(Debug, clap::Args)]
pub struct SecretsArgs {
    /// The keys, as `storefleet serve` reads them.
    #[command(flatten)]
    pub keys: crate::secrets::SecretKeyConfig,
    /// What to do.
    #[command(subcommand)]
    pub command: SecretsCommand,
}

/// Secret key commands.
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Make a new random key. With `--file`, put it first in that key file (created if
    /// missing), keeping the keys it holds as previous ones; else print it as `ID:BASE64`.
    GenerateKey {
        /// The key file to add the key to.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Re-seal every stored secret setting under the current key (opening values sealed
    /// under a previous key with it) and seal any left in plain text. Safe to run again.
    RotateKey,
}

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Create tenants in a burst and time each one's provisioning, from creation to its job
    /// succeeded; exits non-zero if a job fails or the cluster holds the wrong objects.
    Provision(ProvisionBenchArgs),
    /// Serve the admin tenants page over a fleet of seeded tenants and measure it (and
    /// `/healthz` of the same server) under concurrent clients; exits non-zero if a request
    /// fails.
    AdminPage(AdminPageBenchArgs),
    /// Keep a fleet of ready stores on a simulated cluster under the reconciler, count the API
    /// requests and database statements it costs when nothing drifts, then drift one store
    /// and time its repair; exits non-zero if a look fails or finds drift where there is none.
    Reconcile(ReconcileBenchArgs),
    /// Roll a release out over a fleet of ready stores on a simulated cluster with no
    /// readiness delay: stores updated per second, and the control plane's time per store;
    /// exits non-zero unless every store reaches the release.
    Rollout(RolloutBenchArgs),
    /// Back up a fleet of ready stores, each with real data in a real database, through the
    /// real backup worker, and the same databases with `pg_dump | curl` alone: MB per second
    /// and time per store of both, and the control plane's memory; exits non-zero if a backup
    /// fails.
    Backup(BackupBenchArgs),
    /// Sign customers up on a simulated cluster with a realistic cold start, once with a pool
    /// of standby stores as large as the sign-ups and once with none, and print each run's
    /// sign-up-to-ready p50 and p95; exits non-zero if a store fails.
    Pool(PoolBenchArgs),
    /// Build stores while many browsers watch their progress, and measure how fast events
    /// reach them and the database reads the watching costs.
    Progress(ProgressBenchArgs),
}

/// Settings of `storefleet bench progress`.
#[derive(Debug, clap::Args)]
pub struct ProgressBenchArgs {
    /// Stores built at once in each run.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub tenants: u32,
    /// Progress streams open at once in the second run, spread evenly over the stores.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub viewers: u32,
    /// Simulated cluster: milliseconds until a started pod is ready.
    #[arg(long, default_value_t = 2_000)]
    pub ready_delay_ms: u64,
    /// A PostgreSQL server (`postgres://…`) to create the throw-away database on; a
    /// temporary SQLite file when omitted.
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
}

/// Settings of `storefleet bench pool`.
#[derive(Debug, clap::Args)]
pub struct PoolBenchArgs {
    /// Customers signing up in each run.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub customers: u32,
    /// Milliseconds between two sign-ups.
    #[arg(long, default_value_t = 200)]
    pub interval_ms: u64,
    /// Simulated cluster: milliseconds to pull an image the first time.
    #[arg(long, default_value_t = 30_000)]
    pub image_pull_ms: u64,
    /// Simulated cluster: milliseconds a new store's database initialises its volume.
    #[arg(long, default_value_t = 14_000)]
    pub database_init_ms: u64,
    /// Simulated cluster: milliseconds until a started pod is ready.
    #[arg(long, default_value_t = 1_000)]
    pub ready_delay_ms: u64,
    /// Standby stores made at once while the pool fills.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..))]
    pub fill_parallel: u32,
    /// Give up (and fail) when a run is not over after this many seconds.
    #[arg(long, default_value_t = 900)]
    pub timeout_secs: u64,
    /// Cluster layout.
    #[command(flatten)]
    pub cluster: ClusterConfig,
}

/// Settings of `storefleet bench backup`.
#[derive(Debug, clap::Args)]
pub struct BackupBenchArgs {
    /// Ready stores to back up.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub stores: u32,
    /// Generated, poorly compressible data put in each store's database, in MB.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub megabytes: u32,
    /// Stores filled, and dumped by `pg_dump | curl`, at once; also the job worker's
    /// concurrency while the stores are built.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub parallel: u32,
    /// A PostgreSQL server (`postgres://…`) to create the throw-away database on; a
    /// temporary SQLite file when omitted.
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
    /// The PostgreSQL server (admin URL) the stores' own databases are made on.
    #[arg(long, env = "STOREFLEET_SIM_POSTGRES_URL")]
    pub sim_postgres_url: String,
    /// Where the backups go.
    #[command(flatten)]
    pub storage: crate::storage::StorageConfig,
    /// Cluster layout.
    #[command(flatten)]
    pub cluster: ClusterConfig,
}

/// Settings of `storefleet bench rollout`.
#[derive(Debug, clap::Args)]
pub struct RolloutBenchArgs {
    /// Ready stores to update.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub tenants: u32,
    /// The waves after the canary, as growing percentages of the rest, ending at 100.
    #[arg(long, default_value = "1,10,50,100")]
    pub waves: String,
    /// Stores updating at once, at most.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_parallel: u32,
    /// A PostgreSQL server (`postgres://…`) to create the throw-away database on; a
    /// temporary SQLite file when omitted.
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
    /// Cluster layout.
    #[command(flatten)]
    pub cluster: ClusterConfig,
}

/// Settings of `storefleet bench reconcile`.
#[derive(Debug, clap::Args)]
pub struct ReconcileBenchArgs {
    /// Ready stores to keep.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub tenants: u32,
    /// How often each store is looked at (the server's `STOREFLEET_RECONCILE_EVERY_SECS`).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub period_secs: u64,
    /// Seconds of steady state to measure.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub seconds: u64,
    /// A PostgreSQL server (`postgres://…`) to create the throw-away database on; a
    /// temporary SQLite file when omitted.
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
    /// Cluster layout.
    #[command(flatten)]
    pub cluster: ClusterConfig,
}

/// Settings of `storefleet bench admin-page`.
#[derive(Debug, clap::Args)]
pub struct AdminPageBenchArgs {
    /// Tenants to seed (all ready).
    #[arg(long, default_value_t = 10_000)]
    pub tenants: u32,
    /// Audit log entries to seed.
    #[arg(long, default_value_t = 100_000)]
    pub audit_entries: u32,
    /// Accounts owning them, evenly.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub owners: u32,
    /// Clients sending requests at once.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
    pub clients: u32,
    /// Seconds each phase lasts.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub seconds: u64,
    /// A PostgreSQL server (`postgres://…`) to create the throw-away database on; a
    /// temporary SQLite file when omitted.
    #[arg(long = "database-url")]
    pub database_url: Option<String>,
}

/// Settings of `storefleet bench provision`.
#[derive(Debug, clap::Args)]
pub struct ProvisionBenchArgs {
    /// Tenants to create.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub tenants: u32,
    /// Jobs the worker runs at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: u32,
    /// Simulated cluster: milliseconds until workloads are ready, volumes bound and addresses
    /// given.
    #[arg(long, default_value_t = 0)]
    pub ready_delay_ms: u64,
    /// Simulated cluster: milliseconds each API request takes, as a remote API server's round
    /// trip does.
    #[arg(long, default_value_t = 0)]
    pub api_latency_ms: u64,
    /// Give up (and fail) when the jobs are not all finished after this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
    /// Cluster layout.
    #[command(flatten)]
    pub cluster: ClusterConfig,
}

/// Tenant commands and the cluster layout they describe tenants with.
#[derive(Debug, clap::Args)]
pub struct TenantArgs {
    /// Cluster layout.
    #[command(flatten)]
    pub cluster: ClusterConfig,
    /// What to do.
    #[command(subcommand)]
    pub command: TenantCommand,
}

/// Tenant commands.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and queue its provisioning.
    Create {
        /// Its subdomain.
        #[arg(long)]
        subdomain: String,
        /// Its plan, by name.
        #[arg(long)]
        plan: String,
        /// The email of the account that owns it.
        #[arg(long)]
        owner_email: Option<String>,
        /// Print progress until the store is ready (exit 0) or failed (exit 1).
        #[arg(long)]
        wait: bool,
    },
    /// List tenants.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a tenant: state, namespace, URL, jobs and its latest events.
    Show {
        /// Its subdomain.
        subdomain: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cancel a tenant's unfinished job; it stops at its next step, and a tenant being built
    /// or updated becomes failed.
    Cancel {
        /// Its subdomain.
        subdomain: String,
    },
    /// Run a tenant's failed job again, from its first step.
    Retry {
        /// Its subdomain.
        subdomain: String,
        /// Print progress until it ends.
        #[arg(long)]
        wait: bool,
    },
    /// Fill the database with demo tenants (`shop-00001`, …, ready, with no cluster objects)
    /// and accounts owning them, to try the admin pages at scale. Does nothing when they are
    /// there already.
    Seed {
        /// How many tenants.
        #[arg(long, default_value_t = 10_000)]
        count: u32,
        /// How many accounts own them.
        #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..))]
        owners: u32,
    },
    /// Give a store on the simulated cluster sample data in its own database (a few products
    /// and a `greeting` in `store_settings`), so that a backup and a restore show the same
    /// data. Needs the simulated cluster's PostgreSQL (`STOREFLEET_SIM_POSTGRES_URL`).
    SeedData {
        /// Its subdomain.
        subdomain: String,
        /// The PostgreSQL server the simulated cluster keeps stores' databases on.
        #[arg(long, env = "STOREFLEET_SIM_POSTGRES_URL")]
        sim_postgres_url: String,
    },
    /// Pin a tenant to the release it runs: rollouts leave it out, saying why.
    Pin {
        /// Its subdomain.
        subdomain: String,
        /// Why, for the people who roll out.
        #[arg(long)]
        reason: String,
    },
    /// Let rollouts reach a pinned tenant again.
    Unpin {
        /// Its subdomain.
        subdomain: String,
    },
    /// Make a tenant a canary, updated first in every rollout (`--off`: no longer).
    Canary {
        /// Its subdomain.
        subdomain: String,
        /// No longer a canary.
        #[arg(long)]
        off: bool,
    },
    /// Remove a tenant from the cluster; the record stays, as deleted.
    Delete {
        /// Its subdomain.
        subdomain: String,
        /// Print progress until it is gone.
        #[arg(long)]
        wait: bool,
    },
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
