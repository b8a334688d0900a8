//! Configuration: every setting is a flag and an environment variable with a default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use url::Url;

use crate::accounts::rate_limit::LoginLimits;
use crate::cluster::SimOptions;
use crate::provision::manifests::{ClusterSettings, Exposure, Tls};

/// Settings every command shares.
#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// Database: `sqlite://PATH` (created if missing) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/storefleet.db"
    )]
    pub database_url: String,
}

/// Settings of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address and port the server listens on.
    #[arg(long, env = "STOREFLEET_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// The address people use to reach the server; decides the allowed origin of form posts
    /// and whether cookies are marked Secure (https).
    #[arg(
        long,
        env = "STOREFLEET_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: Url,

    /// Folder holding the built site (`pkg/` with the WASM, JavaScript and CSS).
    #[arg(long, env = "STOREFLEET_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Take the client address from the last `X-Forwarded-For` entry (only behind a proxy
    /// that sets it).
    #[arg(long, env = "STOREFLEET_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,

    /// The bearer token `/metrics` asks of Prometheus; unset, the endpoint is off. Never
    /// logged.
    #[arg(long, env = "STOREFLEET_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<crate::dns::secret::Secret>,

    /// Days a session lasts without being used. A session in use is renewed once a day.
    #[arg(long, env = "STOREFLEET_SESSION_IDLE_DAYS", default_value_t = 14)]
    pub session_idle_days: i64,

    /// Failed log-ins allowed per account within the window.
    #[arg(
        long,
        env = "STOREFLEET_LOGIN_MAX_FAILURES_PER_ACCOUNT",
        default_value_t = 5
    )]
    pub login_max_failures_per_account: u32,

    /// Failed log-ins allowed per client address within the window.
    #[arg(
        long,
        env = "STOREFLEET_LOGIN_MAX_FAILURES_PER_CLIENT",
        default_value_t = 20
    )]
    pub login_max_failures_per_client: u32,

    /// Length of the log-in failure window, in seconds.
    #[arg(long, env = "STOREFLEET_LOGIN_WINDOW_SECS", default_value_t = 900)]
    pub login_window_secs: u64,

    /// Which cluster to drive: `auto` (a real one when a kubeconfig or in-cluster credentials
    /// exist, else the simulated one), `simulated` or `kubernetes`.
    #[arg(long, env = "STOREFLEET_CLUSTER", default_value = "auto")]
    pub cluster_mode: ClusterMode,

    /// Simulated cluster: milliseconds until workloads are ready, volumes bound and addresses
    /// given.
    #[arg(long, env = "STOREFLEET_SIM_READY_DELAY_MS", default_value_t = 1500)]
    pub sim_ready_delay_ms: u64,

    /// Simulated cluster: milliseconds to pull an image the cluster has not pulled yet, as a
    /// real cluster's cold start does; 0: every image is there.
    #[arg(long, env = "STOREFLEET_SIM_IMAGE_PULL_MS", default_value_t = 0)]
    pub sim_image_pull_ms: u64,

    /// Simulated cluster: milliseconds a new store's database takes to initialise its volume
    /// before it is ready; 0: at once.
    #[arg(long, env = "STOREFLEET_SIM_DATABASE_INIT_MS", default_value_t = 0)]
    pub sim_database_init_ms: u64,

    /// Simulated cluster: workloads whose image contains one of these (comma-separated) never
    /// become ready, to see a failure.
    #[arg(
        long,
        env = "STOREFLEET_SIM_FAILING_IMAGES",
        default_value = "",
        value_delimiter = ','
    )]
    pub sim_failing_images: Vec<String>,

    /// Simulated cluster: the file it keeps its objects in between runs, so stores made
    /// before a restart are still there after it. Unset: it starts empty every time.
    #[arg(long, env = "STOREFLEET_SIM_STATE_FILE")]
    pub sim_state_file: Option<std::path::PathBuf>,

    /// Simulated cluster: a PostgreSQL admin URL; each tenant gets a real database on that
    /// server, which its Jobs (backups, restores, migrations) run against. Unset: none.
    #[arg(long, env = "STOREFLEET_SIM_POSTGRES_URL")]
    pub sim_postgres_url: Option<String>,

    /// Jobs one server runs at once.
    #[arg(long, env = "STOREFLEET_JOB_CONCURRENCY", default_value_t = 8)]
    pub job_concurrency: usize,

    /// Attempts of a job step before the job fails.
    #[arg(long, env = "STOREFLEET_JOB_MAX_ATTEMPTS", default_value_t = 8)]
    pub job_max_attempts: u32,

    /// Wait after a step's first failed attempt, in milliseconds; doubles after each.
    #[arg(long, env = "STOREFLEET_JOB_BACKOFF_MS", default_value_t = 2000)]
    pub job_backoff_ms: u64,

    /// Seconds a worker's lease on a job (or a rollout's turn) lasts without renewal; a
    /// crashed server's jobs and rollouts are taken on by another after this long.
    #[arg(long, env = "STOREFLEET_JOB_LEASE_SECS", default_value_t = 30)]
    pub job_lease_secs: u64,

    /// Seconds between two looks of the reconciler at the same running store (drift is found
    /// and put back within about this long). 0 turns the reconciler off.
    #[arg(long, env = "STOREFLEET_RECONCILE_EVERY_SECS", default_value_t = 300)]
    pub reconcile_every_secs: u64,

    /// Milliseconds between two turns of a moving rollout: how soon it notices a store's
    /// update ending and starts the next.
    #[arg(long, env = "STOREFLEET_ROLLOUT_TICK_MS", default_value_t = 1000)]
    pub rollout_tick_ms: u64,

    /// Milliseconds between two looks of the pool refill worker: how soon a claimed or
    /// failed standby store is replaced.
    #[arg(long, env = "STOREFLEET_POOL_TICK_MS", default_value_t = 2000)]
    pub pool_tick_ms: u64,

    /// Standby stores of one plan being made at once, at most: how fast an empty pool fills
    /// without crowding out customers' own stores.
    #[arg(long, env = "STOREFLEET_POOL_PARALLEL", default_value_t = 2)]
    pub pool_parallel: u32,

    /// Seconds between two looks at ready standby stores' workloads on the cluster: one no
    /// longer ready is deleted and replaced, so a sign-up never claims a broken store.
    #[arg(long, env = "STOREFLEET_POOL_HEALTH_SECS", default_value_t = 30)]
    pub pool_health_secs: u64,

    /// Seconds a watched job's progress goes unread when no word of a change comes. Changes
    /// are pushed to progress pages as they are committed (on PostgreSQL, from every server);
    /// this read only catches a word that was lost.
    #[arg(long, env = "STOREFLEET_PROGRESS_FALLBACK_SECS", default_value_t = 5)]
    pub progress_fallback_secs: u64,

    /// Milliseconds between two looks of the backup worker: how soon it starts a backup asked
    /// for and notices its dump ending.
    #[arg(long, env = "STOREFLEET_BACKUP_TICK_MS", default_value_t = 2000)]
    pub backup_tick_ms: u64,

    /// Seconds a backup waits after its first failed try; doubled after each, three tries in all.
    #[arg(long, env = "STOREFLEET_BACKUP_RETRY_SECS", default_value_t = 60)]
    pub backup_retry_secs: u64,

    /// Dumps running at once across the fleet, at most; more wait their turn.
    #[arg(long, env = "STOREFLEET_BACKUP_PARALLEL", default_value_t = 4, value_parser = clap::value_parser!(i64).range(1..))]
    pub backup_parallel: i64,

    /// MiB in each part a dump is uploaded in (at least 5, as S3 asks of every part but the
    /// last).
    #[arg(long, env = "STOREFLEET_BACKUP_PART_MIB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(5..))]
    pub backup_part_mib: u64,

    /// Parts a dump may be uploaded in: the largest dump is this many times the part size
    /// (16 GiB by default). A larger one fails with its size named.
    #[arg(long, env = "STOREFLEET_BACKUP_PARTS", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10000))]
    pub backup_parts: u64,

    /// Seconds a job waits for a cluster that cannot be reached (connection refused,
    /// timeouts, 5xx answers) before it fails; the wait spends none of its attempts.
    #[arg(
        long,
        env = "STOREFLEET_CLUSTER_OUTAGE_TOLERANCE_SECS",
        default_value_t = 1800
    )]
    pub cluster_outage_tolerance_secs: u64,

    /// Upper bound, in seconds, on every step's own timeout (unset: the steps' own).
    #[arg(long, env = "STOREFLEET_JOB_STEP_TIMEOUT_SECS")]
    pub job_step_timeout_secs: Option<u64>,

    /// Cluster layout of tenants.
    #[command(flatten)]
    pub cluster: ClusterConfig,

    /// The keys sealing owners' secret settings at rest.
    #[command(flatten)]
    pub secrets: crate::secrets::SecretKeyConfig,

    /// Mail over SMTP (boxed: the settings are large and the command enum holds this).
    #[command(flatten)]
    pub mail: Box<crate::mail::MailConfig>,
    /// Who publishes tenants' DNS records (boxed: it is large, and `Command::Serve` holds
    /// this whole struct).
    #[command(flatten)]
    pub dns: Box<crate::dns::DnsConfig>,
    /// Object storage for backups (off without a bucket).
    #[command(flatten)]
    pub storage: crate::storage::StorageConfig,
    /// Restore drills of stores' backups (off without a PostgreSQL server for them).
    #[command(flatten)]
    pub drills: crate::drills::DrillConfig,
    /// Scheduled backups of the control plane's own database (off unless both are set).
    #[command(flatten)]
    pub db_backup: crate::control_backup::ScheduleConfig,
    /// Billing through Stripe (off without keys). Boxed: it is large and the serve command
    /// is one variant among small ones.
    #[command(flatten)]
    pub billing: Box<crate::billing::BillingConfig>,
    /// Traces to an OpenTelemetry collector (off without an endpoint).
    #[command(flatten)]
    pub tracing: crate::telemetry::TracingConfig,
}

pub use crate::cluster::connect::ClusterMode;

impl ServeConfig {
    /// How the simulated cluster behaves, when it is the one in use.
    pub fn sim_options(&self) -> SimOptions {
        SimOptions {
            ready_delay: Duration::from_millis(self.sim_ready_delay_ms),
            image_pull_delay: Duration::from_millis(self.sim_image_pull_ms),
            database_init_delay: Duration::from_millis(self.sim_database_init_ms),
            failing_images: self
                .sim_failing_images
                .iter()
                .filter(|image| !image.trim().is_empty())
                .map(|image| image.trim().to_owned())
                .collect(),
            state_file: self.sim_state_file.clone(),
            databases: self
                .sim_postgres_url
                .clone()
                .filter(|url| !url.trim().is_empty()),
            ..SimOptions::default()
        }
    }

    /// The log-in limits these settings describe.
    pub fn login_limits(&self) -> LoginLimits {
        LoginLimits {
            per_account: self.login_max_failures_per_account,
            per_client: self.login_max_failures_per_client,
            window_ms: i64::try_from(self.login_window_secs.saturating_mul(1000))
                .unwrap_or(i64::MAX),
        }
    }

    /// Whether cookies must only travel over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The origin (`scheme://host[:port]`) of the public URL.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }
}

/// Parses [`ServeConfig`] alone, from the environment and defaults.
#[derive(Debug, clap::Parser)]
struct ServeOnly {
    #[command(flatten)]
    config: ServeConfig,
}

impl ServeConfig {
    /// The serve settings from the environment and defaults, as `storefleet` with no
    /// command uses them.
    pub fn from_env() -> Result<Self, clap::Error> {
        use clap::Parser;
        ServeOnly::try_parse_from(["storefleet"]).map(|only| only.config)
    }
}

/// How tenants are laid out on the cluster.
#[derive(Debug, Clone, Args)]
pub struct ClusterConfig {
    /// Tenant namespaces are `<prefix>-<subdomain>`.
    #[arg(long, env = "STOREFLEET_NAMESPACE_PREFIX", default_value = "store")]
    pub namespace_prefix: String,

    /// Stores are served at `<subdomain>.<base domain>`.
    #[arg(long, env = "STOREFLEET_BASE_DOMAIN", default_value = "localhost")]
    pub base_domain: String,

    /// Namespace of the ingress controller: the only namespace whose traffic may enter a
    /// tenant's namespace.
    #[arg(
        long,
        env = "STOREFLEET_INGRESS_NAMESPACE",
        default_value = "ingress-nginx"
    )]
    pub ingress_namespace: String,

    /// `ingress` (an Ingress per tenant) or `load-balancer` (a Service of type LoadBalancer).
    #[arg(long, env = "STOREFLEET_EXPOSURE", default_value = "ingress")]
    pub exposure: ExposureKind,

    /// `spec.ingressClassName` of tenants' Ingresses; the cluster default when empty.
    #[arg(long, env = "STOREFLEET_INGRESS_CLASS", default_value = "")]
    pub ingress_class: String,

    /// TLS of tenants' Ingresses: `none`, `secret:NAME` (an existing certificate Secret) or
    /// `cert-manager:ISSUER` (a ClusterIssuer).
    #[arg(long, env = "STOREFLEET_TLS", default_value = "none", value_parser = parse_tls)]
    pub tls: Tls,

    /// StorageClass of tenants' volumes; the cluster default when empty.
    #[arg(long, env = "STOREFLEET_STORAGE_CLASS", default_value = "")]
    pub storage_class: String,
}

/// How tenants' stores are reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExposureKind {
    /// An Ingress per tenant.
    Ingress,
    /// A Service of type LoadBalancer per tenant.
    LoadBalancer,
}

fn parse_tls(raw: &str) -> Result<Tls, String> {
    match raw.split_once(':') {
        None if raw == "none" => Ok(Tls::None),
        Some(("secret", name)) if !name.is_empty() => Ok(Tls::Secret(name.to_owned())),
        Some(("cert-manager", issuer)) if !issuer.is_empty() => {
            Ok(Tls::CertManager(issuer.to_owned()))
        }
        _ => Err(format!(
            "{raw:?} is not a TLS mode: use none, secret:NAME or cert-manager:ISSUER"
        )),
    }
}

impl ClusterConfig {
    /// The settings the manifest renderer takes.
    pub fn settings(&self) -> ClusterSettings {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        ClusterSettings {
            namespace_prefix: self.namespace_prefix.clone(),
            base_domain: self.base_domain.clone(),
            ingress_namespace: self.ingress_namespace.clone(),
            exposure: match self.exposure {
                ExposureKind::Ingress => Exposure::Ingress {
                    class: non_empty(&self.ingress_class),
                    tls: self.tls.clone(),
                },
                ExposureKind::LoadBalancer => Exposure::LoadBalancer,
            },
            storage_class: non_empty(&self.storage_class),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_modes_parse_or_explain() {
        assert_eq!(parse_tls("none"), Ok(Tls::None));
        assert_eq!(
            parse_tls("secret:wildcard"),
            Ok(Tls::Secret("wildcard".into()))
        );
        assert_eq!(
            parse_tls("cert-manager:letsencrypt"),
            Ok(Tls::CertManager("letsencrypt".into()))
        );
        assert!(parse_tls("secret:").unwrap_err().contains("not a TLS mode"));
        assert!(parse_tls("acme").is_err());
    }

    #[test]
    fn auto_prefers_a_real_cluster_when_credentials_exist() {
        use ClusterMode::*;
        assert_eq!(Auto.resolve(false, false), Simulated);
        assert_eq!(Auto.resolve(true, false), Kubernetes);
        assert_eq!(Auto.resolve(false, true), Kubernetes);
        assert_eq!(Simulated.resolve(true, true), Simulated);
        assert_eq!(Kubernetes.resolve(false, false), Kubernetes);
    }
}
