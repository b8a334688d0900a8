//! Starting and stopping the server: used by `storefleet serve` and by the tests.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_sessions::ExpiredDeletion;

use app::ports::Services;

use crate::accounts::AccountService;
use crate::config::{DbConfig, ServeConfig};
use crate::db::{self, Db};
use crate::http::{self, AppState};

/// How often expired sessions are deleted.
const SESSION_SWEEP: Duration = Duration::from_secs(600);

/// A server running in the background.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.context("server task panicked")??;
        Ok(())
    }
}

/// Connects to the database and brings its schema up to date.
pub async fn open_database(config: &DbConfig) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url)
        .await
        .with_context(|| format!("connecting to {}", db::redact(&config.database_url)))?;
    db.migrate().await.context("migrating the database")?;
    Ok(db)
}

/// Opens the database, binds the configured address and serves in the background.
pub async fn start(db: &DbConfig, config: &ServeConfig) -> anyhow::Result<Running> {
    let database = open_database(db).await?;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    let state = state(database.clone(), config, addr);
    let router = http::router(state, config);
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
        shutdown,
        task,
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

/// Completes on SIGTERM or Ctrl-C.
pub async fn termination() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

fn state(db: Db, config: &ServeConfig, addr: SocketAddr) -> AppState {
    let accounts = AccountService::new(db.pool.clone(), config.login_limits());
    AppState {
        leptos: LeptosOptions::builder()
            .output_name("storefleet")
            .site_root(config.site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .env(Env::PROD)
            .build(),
        services: Services {
            accounts: Arc::new(accounts),
        },
        db,
        public_origin: config.public_origin().into(),
        trust_forwarded_for: config.trust_forwarded_for,
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
