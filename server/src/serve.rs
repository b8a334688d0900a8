//! Starting and stopping the server: used by `storefleet serve` and by the tests.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tower_sessions::ExpiredDeletion;

use app::ports::Services;

use crate::accounts::AccountService;
use crate::audit::AuditService;
use crate::backups::{BackupOptions, BackupPort, BackupService, BackupWorker};
use crate::catalog::CatalogService;
use crate::cluster::connect::{self, Connected};
use crate::cluster::SimCluster;
use crate::config::{DbConfig, ServeConfig};
use crate::db::{self, Db};
use crate::drills::{DrillOptions, DrillService, DrillWorker};
use crate::http::{self, AppState};
use crate::jobs::hub::ProgressHub;
use crate::jobs::policy::RetryPolicy;
use crate::jobs::{JobSignals, Worker, WorkerOptions};
use crate::provision::engine::Engine;
use crate::provision::reconciler::{ReconcileOptions, Reconciler};
use crate::provision::watch::{ClusterWatch, Watching};
use crate::releases::ReleaseService;
use crate::rollouts::{DriveOptions, Driver, FleetService, RolloutService};
use crate::secrets::{store, Keyring};
use crate::storage::Storage;
use crate::tenants::{SignupService, TenantService};
use crate::tokens::TokenService;

/// How often expired sessions are deleted.
const SESSION_SWEEP: Duration = Duration::from_secs(600);

/// A server running in the background.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The simulated cluster this server drives, if it is the one in use.
    pub simulated: Option<SimCluster>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    stop_worker: watch::Sender<bool>,
    worker: JoinHandle<()>,
    /// The mail worker, when an SMTP server is configured; stops with the job worker.
    mail: Option<JoinHandle<()>>,
    /// The billing sweep (grace periods and retention), when billing is on.
    billing_sweep: Option<JoinHandle<()>>,
    /// The reconciler, unless turned off; stops with the job worker.
    reconciler: Option<JoinHandle<usize>>,
    /// The rollout driver; stops with the job worker.
    rollouts: JoinHandle<()>,
    pools: JoinHandle<()>,
    /// The engine's watches over the cluster; stop with the job worker.
    cluster_watch: JoinHandle<()>,
    /// The backup worker, when storage is configured; stops with the job worker.
    backups: Option<JoinHandle<()>>,
    /// Scheduled backups of the control plane's database, when asked for.
    db_backups: Option<JoinHandle<()>>,
    /// The restore drill worker, when storage and the drill PostgreSQL are configured; stops
    /// with the job worker.
    drills: Option<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting connections, lets requests in flight and job attempts finish, and
    /// waits.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        let _ = self.stop_worker.send(true);
        self.task.await.context("server task panicked")??;
        self.worker.await.context("worker task panicked")?;
        if let Some(mail) = self.mail {
            mail.await.context("mail worker task panicked")?;
        }
        if let Some(sweep) = self.billing_sweep {
            sweep.await.context("billing sweep panicked")?;
        }
        if let Some(reconciler) = self.reconciler {
            reconciler.await.context("reconciler panicked")?;
        }
        self.rollouts.await.context("rollout driver panicked")?;
        self.cluster_watch.await.context("cluster watch panicked")?;
        self.pools.await.context("pool refill worker panicked")?;
        if let Some(backups) = self.backups {
            backups.await.context("backup worker panicked")?;
        }
        if let Some(drills) = self.drills {
            drills.await.context("restore drill worker panicked")?;
        }
        if let Some(db_backups) = self.db_backups {
            db_backups
                .await
                .context("scheduled database backups panicked")?;
        }
        if let Some(cluster) = self.simulated {
            cluster.stop().await?;
        }
        Ok(())
    }
}

/// Connects to the database and brings its schema up to date.
pub async fn open_database(config: &DbConfig) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url)
        .await
        .with_context(|| format!("connecting to {}", db::redact(&config.database_url)))?;
    crate::catalog::prepare(&db)
        .await
        .context("migrating the database")?;
    Ok(db)
}

/// Reads the secret keys and readies the stored secrets for them: plain values older
/// versions left are sealed, and a database holding secrets no configured key opens is
/// refused before anything is served.
async fn secrets_ready(
    database: &Db,
    config: &ServeConfig,
) -> anyhow::Result<Option<Arc<Keyring>>> {
    let keyring = config
        .secrets
        .keyring()
        .context("reading the secret keys")?;
    let sealed = store::prepare(&database.pool, keyring.as_ref())
        .await
        .context("readying the stored secret settings")?;
    match &keyring {
        Some(keyring) => tracing::info!(
            key = %keyring.current(),
            sealed_plain = sealed.plain,
            "secret settings are sealed at rest"
        ),
        None => tracing::warn!(
            "no secret key is configured (STOREFLEET_SECRET_KEY or STOREFLEET_SECRET_KEY_FILE): \
             owners cannot save secret settings"
        ),
    }
    Ok(keyring.map(Arc::new))
}

/// Spawns the restore drill worker when storage and the drill PostgreSQL are both configured.
fn drill_worker(
    database: &Db,
    config: &ServeConfig,
    storage: Option<&Storage>,
    stopped: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let Some(server) = config.drills.postgres_url() else {
        tracing::info!("no drill PostgreSQL is configured (STOREFLEET_DRILL_POSTGRES_URL): restore drills are off");
        return None;
    };
    let Some(storage) = storage else {
        tracing::warn!("restore drills are off: no object storage is configured");
        return None;
    };
    let options = DrillOptions {
        tick: Duration::from_millis(config.drills.drill_tick_ms.max(10)),
        lease: Duration::from_secs(config.job_lease_secs.max(1)),
        every: Duration::from_millis(u64::try_from(config.drills.every_ms()).unwrap_or(0)),
        parallel: config.drills.drill_parallel.max(1),
        ..DrillOptions::default()
    };
    let worker = DrillWorker::new(
        database.pool.clone(),
        storage.clone(),
        server.to_owned(),
        options,
    );
    Some(tokio::spawn(worker.run(stopped)))
}

/// Opens the database, binds the configured address and serves in the background.
pub async fn start(db: &DbConfig, config: &ServeConfig) -> anyhow::Result<Running> {
    let database = open_database(db).await?;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    let dns = config
        .dns
        .provider(&config.cluster.base_domain)
        .context("DNS settings")?;
    let keyring = secrets_ready(&database, config).await?;
    config.storage.check().context("object storage settings")?;
    config
        .db_backup
        .plan()
        .context("scheduled backups of the control plane's database")?;
    let storage = Storage::from_config(&config.storage).context("object storage settings")?;
    if storage.is_none() {
        tracing::warn!("no object storage is configured (STOREFLEET_S3_BUCKET): backups are off");
    }
    let Connected { client, simulated } =
        connect::connect(config.cluster_mode, config.sim_options()).await?;
    let signals = JobSignals::on(&database);
    signals
        .listen(&db.database_url)
        .await
        .context("listening for other servers' job progress")?;
    let tenants = TenantService::new(database.pool.clone(), config.cluster.settings())
        .with_client(client.clone())
        .with_keyring(keyring.clone())
        .with_signals(signals.clone());
    let billing = crate::billing::service(&tenants, &config.billing, &config.public_url)
        .context("configuring billing")?;
    let system = Arc::new(crate::doctor::SystemService::new(
        Arc::new(config.clone()),
        db.database_url.clone(),
        database.clone(),
        client.clone(),
        simulated.is_some(),
    ));
    let state = state(
        database.clone(),
        config,
        addr,
        simulated.is_some(),
        Adapters {
            tenants: tenants.clone(),
            billing,
            storage: storage.clone(),
            system,
            signals: signals.clone(),
        },
    );
    let outside = crate::billing::routes(&tenants, &config.billing, &config.public_url).merge(
        http::api_v1::routes(http::api_v1::Api {
            releases: ReleaseService::new(database.pool.clone()),
            rollouts: RolloutService::new(database.pool.clone()),
            tokens: TokenService::new(database.pool.clone()),
        }),
    );
    let router = http::router(state, config, outside);
    let wake = Arc::new(tokio::sync::Notify::new());
    let watching = Watching::default();
    let cluster_watch = ClusterWatch::new(
        client.clone(),
        database.pool.clone(),
        &config.cluster.settings().namespace_prefix,
        wake.clone(),
        watching.clone(),
    );
    let engine = Arc::new(
        Engine::new(database.pool.clone(), client, config.cluster.settings())
            .with_watching(watching)
            .with_public_url(config.public_url.as_str())
            .with_dns(dns)
            .with_keyring(keyring)
            .with_storage(storage.clone())
            .with_signals(signals.clone()),
    );
    let worker = Worker::new(
        database.pool.clone(),
        engine.clone(),
        WorkerOptions {
            concurrency: config.job_concurrency.max(1),
            retry: RetryPolicy {
                base: Duration::from_millis(config.job_backoff_ms),
                max_attempts: config.job_max_attempts.max(1),
                outage_tolerance: Duration::from_secs(config.cluster_outage_tolerance_secs),
                ..RetryPolicy::default()
            },
            step_timeout_cap: config.job_step_timeout_secs.map(Duration::from_secs),
            lease: Duration::from_secs(config.job_lease_secs.max(1)),
            signals,
            wake,
            ..WorkerOptions::new()
        },
    );
    let (stop_worker, worker_stopped) = watch::channel(false);
    let cluster_watch = tokio::spawn(cluster_watch.run(worker_stopped.clone()));
    let mail =
        crate::mail::worker::spawn(database.pool.clone(), &config.mail, stop_worker.subscribe())
            .await?;
    let billing_sweep = crate::billing::spawn_sweep(
        &tenants,
        &config.billing,
        &config.public_url,
        worker_stopped.clone(),
    );
    let reconciler = (config.reconcile_every_secs > 0).then(|| {
        let options = ReconcileOptions::every(Duration::from_secs(config.reconcile_every_secs));
        let reconciler = Reconciler::new(database.pool.clone(), engine.clone(), options);
        tokio::spawn(reconciler.run(worker_stopped.clone()))
    });
    let drills = drill_worker(&database, config, storage.as_ref(), worker_stopped.clone());
    let backups = storage.map(|storage| {
        let options = BackupOptions {
            tick: Duration::from_millis(config.backup_tick_ms.max(10)),
            lease: Duration::from_secs(config.job_lease_secs.max(1)),
            retry_after: Duration::from_secs(config.backup_retry_secs),
            part_mib: config.backup_part_mib,
            parallel: config.backup_parallel,
            parts: usize::try_from(config.backup_parts).unwrap_or(usize::MAX),
            ..BackupOptions::default()
        };
        let worker = BackupWorker::new(database.pool.clone(), engine.clone(), storage, options);
        tokio::spawn(worker.run(worker_stopped.clone()))
    });
    let driver = Driver::new(
        database.pool.clone(),
        engine.clone(),
        DriveOptions {
            tick: Duration::from_millis(config.rollout_tick_ms.max(10)),
            lease: Duration::from_secs(config.job_lease_secs.max(1)),
            backup_first: config.storage.is_on(),
        },
    );
    let rollouts = tokio::spawn(driver.run(worker_stopped.clone()));
    let refill = crate::pools::RefillWorker::new(
        database.pool.clone(),
        crate::pools::refill::RefillOptions {
            tick: Duration::from_millis(config.pool_tick_ms.max(10)),
            parallel: config.pool_parallel.max(1),
            health_every: Duration::from_secs(config.pool_health_secs.max(1)),
            ..Default::default()
        },
    )
    .with_health(engine.clone());
    let pools = tokio::spawn(refill.run(worker_stopped.clone()));
    let db_backups = crate::control_backup::spawn(
        &db.database_url,
        &config.storage,
        &config.db_backup,
        worker_stopped.clone(),
    );
    let worker = tokio::spawn(worker.run(worker_stopped));
    let sweeper = tokio::spawn(sweep_sessions(database));
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let result = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        })
        .await;
        sweeper.abort();
        result
    });
    tracing::info!(%addr, "listening");
    Ok(Running {
        addr,
        simulated,
        shutdown,
        task,
        stop_worker,
        worker,
        mail,
        billing_sweep,
        reconciler,
        rollouts,
        pools,
        cluster_watch,
        backups,
        db_backups,
        drills,
    })
}

/// Serves until the given signal completes, then shuts down gracefully.
pub async fn run(
    db: &DbConfig,
    config: &ServeConfig,
    signal: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let running = start(db, config).await?;
    signal.await;
    tracing::info!("shutting down");
    running.stop().await
}

/// Completes on SIGTERM or Ctrl-C. The handlers are installed when this is called, not when
/// the future is first polled, so a signal that arrives while the server is still starting
/// is not lost (nor kills the process unhandled).
pub fn termination() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let interrupt = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async move {
            match terminate {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = interrupt => {},
            () = terminate => {},
        }
    }
}

/// The services and adapters the UI's services are built over.
struct Adapters {
    tenants: TenantService,
    billing: Arc<dyn app::ports::Billing>,
    storage: Option<Storage>,
    system: Arc<dyn app::ports::SystemHealth>,
    signals: JobSignals,
}

fn state(
    db: Db,
    config: &ServeConfig,
    addr: SocketAddr,
    simulated: bool,
    adapters: Adapters,
) -> AppState {
    let Adapters {
        tenants,
        billing,
        storage,
        system,
        signals,
    } = adapters;
    let accounts: Arc<dyn app::ports::Accounts> = Arc::new(
        AccountService::new(db.pool.clone(), config.login_limits())
            .with_site_url(config.public_url.as_str()),
    );
    let shared = Arc::new(tenants.clone());
    let signup = SignupService::new(tenants.clone(), accounts.clone(), billing.clone());
    AppState {
        leptos: LeptosOptions::builder()
            .output_name("storefleet")
            .site_root(config.site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .env(Env::PROD)
            .build(),
        services: Arc::new(Services {
            accounts,
            tenants: shared.clone(),
            inspection: shared.clone(),
            stores: shared.clone(),
            signup: Arc::new(signup),
            catalog: Arc::new(CatalogService::new(db.pool.clone())),
            jobs: shared.clone(),
            billing,
            audit: Arc::new(AuditService::new(db.pool.clone())),
            fleet: Arc::new(FleetService {
                releases: ReleaseService::new(db.pool.clone()),
                tokens: TokenService::new(db.pool.clone()),
                rollouts: RolloutService::new(db.pool.clone()),
            }),
            backups: Arc::new(BackupPort {
                drills: DrillService::new(
                    db.pool.clone(),
                    storage.is_some() && config.drills.postgres_url().is_some(),
                    config.drills.drill_every_hours,
                ),
                backups: BackupService::new(db.pool.clone(), storage),
                tenants: shared.clone(),
            }),
            overview: Arc::new(crate::overview::OverviewService::new(db.pool.clone())),
            pools: Arc::new(crate::pools::PoolService::new(db.pool.clone())),
            system,
            simulated_cluster: simulated,
        }),
        simulated,
        db,
        public_origin: config.public_origin().into(),
        trust_forwarded_for: config.trust_forwarded_for,
        metrics_token: config.metrics_token.clone().map(Arc::new),
        progress: ProgressHub::start(
            shared,
            &signals,
            Duration::from_secs(config.progress_fallback_secs.max(1)),
        ),
    }
}

async fn sweep_sessions(db: Db) {
    let mut ticks = tokio::time::interval(SESSION_SWEEP);
    loop {
        ticks.tick().await;
        if let Err(error) = db.sessions.delete_expired().await {
            tracing::warn!(error = %error, "deleting expired sessions failed");
        }
    }
}
