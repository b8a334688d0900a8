//! The simulated cluster: an in-process emulation of the part of the Kubernetes API that
//! storefleet uses, served over HTTP, so the same `kube::Client` code that drives a real
//! cluster runs against it. It is the default when no kubeconfig is given, and what tests use.
//!
//! It keeps objects by kind, namespace and name (`store.rs`), serves create, get, list with
//! label selectors, server-side apply and delete (`routes.rs`), and runs what a real cluster
//! runs behind the API (`store/controllers.rs`): Deployments make ReplicaSets, ReplicaSets and
//! StatefulSets make Pods, and every new Pod and claim is admitted against the namespace's
//! LimitRange and ResourceQuota (`cluster::admission`), refusals becoming Events. Pods start
//! after a delay unless their image is set to fail (`pods.rs`); workloads report what their
//! pods do, claims are bound, load balancers addressed, namespaces terminate and are gone
//! (`status.rs`). Jobs really run, their containers as host processes (`jobs/`), and with
//! [`SimOptions::databases`] each tenant has a real PostgreSQL database (`databases.rs`).
//! Nothing is global: every [`SimCluster`] is a separate cluster. Its listener can stop and
//! start again with the objects kept, as an API server outage, and `api_log.rs` can record
//! what the engine asks of it.

mod access_review;
mod api_error;
pub mod api_log;
mod bearer;
pub mod databases;
mod incoming;
pub mod jobs;
pub mod pods;
mod proxy;
pub mod resources;
pub mod rollout;
mod routes;
mod runner;
pub mod selector;
pub mod status;
mod store;
mod traffic;
mod watch;

pub use store::Snapshot;
pub use traffic::Traffic;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::client::{kube_client_for_url, ClientError, ENGINE_USER_AGENT};
use store::Store;

/// The `User-Agent` of [`SimCluster::client`]: someone looking at the cluster, not the engine.
const VIEWER_USER_AGENT: &str = "storefleet-sim-viewer";

/// How long [`SimCluster::stop`] waits for open connections before cutting them.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// How the simulated cluster behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOptions {
    /// How long after its creation a pod is ready (so a workload is ready that long after a
    /// spec change), a PersistentVolumeClaim is bound and a load balancer or Ingress has its
    /// address.
    pub ready_delay: Duration,
    /// How long the cluster takes to pull an image it has not pulled yet: the first pod using
    /// it starts that much later, the ones after find it there.
    pub image_pull_delay: Duration,
    /// How long a database initialises a new volume: the first database pod of a namespace
    /// is ready that much later; pods after it (a restart, a roll) find the data there.
    pub database_init_delay: Duration,
    /// How long each request takes before it is handled, as a remote API server's round trip
    /// does; zero for a local one.
    pub request_latency: Duration,
    /// How long a deleted namespace stays `Terminating` before it and its objects are gone.
    pub namespace_delete_delay: Duration,
    /// A pod with a container image containing one of these never starts: the image cannot
    /// be pulled (`ImagePullBackOff`, with the kubelet's events), so a test can make a tenant
    /// fail.
    pub failing_images: Vec<String>,
    /// The address LoadBalancer Services and Ingresses report: an IP, or a host name.
    pub load_balancer_address: String,
    /// Where the cluster keeps its objects between runs: read at start when it exists,
    /// written while it runs and when it stops. `None`: the cluster starts empty and is
    /// forgotten.
    pub state_file: Option<PathBuf>,
    /// A PostgreSQL server's admin URL: each tenant gets a real database there
    /// (`store_<subdomain>`, made when its `db` StatefulSet appears, dropped when its
    /// namespace is gone), and its Jobs connect to it. `None`: no database is made.
    pub databases: Option<String>,
    /// Permissions, as `"<verb> <resource>"` (`"delete namespaces"`, `"get services/proxy"`),
    /// that a `SelfSubjectAccessReview` says the caller lacks; nothing else enforces them.
    pub denied: Vec<String>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            ready_delay: Duration::from_secs(1),
            image_pull_delay: Duration::ZERO,
            database_init_delay: Duration::ZERO,
            request_latency: Duration::ZERO,
            namespace_delete_delay: Duration::from_secs(1),
            failing_images: Vec::new(),
            load_balancer_address: Ipv4Addr::LOCALHOST.to_string(),
            state_file: None,
            databases: None,
            denied: Vec::new(),
        }
    }
}

/// Errors of starting and stopping the simulated cluster.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The address could not be bound.
    #[error("could not listen on {address}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The client for the simulated cluster could not be built.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Serving failed.
    #[error("the simulated cluster stopped with an error")]
    Serve(#[source] std::io::Error),
    /// The serving task panicked or was cancelled.
    #[error("the simulated cluster's task failed")]
    Task(#[source] tokio::task::JoinError),
}

/// Result of starting or stopping the simulated cluster.
pub type Result<T> = std::result::Result<T, SimError>;

/// A running simulated cluster. Dropping it shuts it down too; [`SimCluster::stop`] also waits.
pub struct SimCluster {
    address: SocketAddr,
    url: String,
    /// The bearer token every request must carry.
    token: String,
    client: kube::Client,
    store: Arc<Mutex<Store>>,
    /// The engine's requests, counted.
    traffic: Traffic,
    /// Where the objects are kept between runs.
    state_file: Option<PathBuf>,
    /// Writes the objects to the state file while the cluster runs.
    saver: Option<JoinHandle<()>>,
    /// Does what the objects ask of the host: runs Jobs, makes and drops tenant databases.
    worker: JoinHandle<()>,
    /// The server tenants' databases are on, if any.
    databases: Option<String>,
    /// Serves the cluster's state; kept so that the listener can stop and start again.
    router: Router,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// Serves `router` on `listener` until the returned sender is used or dropped.
fn serve(
    listener: TcpListener,
    router: Router,
) -> (oneshot::Sender<()>, JoinHandle<std::io::Result<()>>) {
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    (shutdown, task)
}

impl SimCluster {
    /// Starts an empty cluster on a free port of 127.0.0.1.
    pub async fn start(options: SimOptions) -> Result<Self> {
        Self::start_at(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), options).await
    }

    /// Starts an empty cluster on `address`, serving in a background task.
    pub async fn start_at(address: SocketAddr, options: SimOptions) -> Result<Self> {
        let bind_error = |source| SimError::Bind { address, source };
        let listener = TcpListener::bind(address).await.map_err(bind_error)?;
        let mut address = listener.local_addr().map_err(bind_error)?;
        if address.ip().is_unspecified() {
            address.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        let url = format!("http://{address}");
        let token = bearer::new_token();
        let client = kube_client_for_url(&url, &token, VIEWER_USER_AGENT)?;
        let state_file = options.state_file.clone();
        let request_latency = options.request_latency;
        let databases = options.databases.clone();
        let store = Arc::new(Mutex::new(match &state_file {
            Some(path) => load(path, options).await,
            None => Store::new(options),
        }));
        let (chores, to_do) = tokio::sync::mpsc::unbounded_channel();
        lock(&store).hand_chores_to(chores);
        let worker = tokio::spawn(runner::work(to_do, store.clone(), databases.clone()));
        let saver = state_file
            .clone()
            .map(|path| tokio::spawn(keep_saved(store.clone(), path)));
        let traffic = Traffic::default();
        let router = bearer::required(
            traffic.counting(traffic::delayed(
                request_latency,
                api_log::recorded(routes::router(store.clone())),
            )),
            token.clone(),
        );
        let (shutdown, task) = serve(listener, router.clone());
        tracing::info!(%url, "simulated cluster listening");
        Ok(Self {
            address,
            url,
            token,
            client,
            store,
            traffic,
            state_file,
            saver,
            worker,
            databases,
            router,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// Stops listening, as an API server that went down, keeping every object: the port
    /// refuses connections until [`SimCluster::resume`].
    pub async fn pause(&mut self) -> Result<()> {
        self.halt().await
    }

    /// Listens again on the same address, with the objects it had.
    pub async fn resume(&mut self) -> Result<()> {
        if self.task.is_some() {
            return Ok(());
        }
        let address = self.address;
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| SimError::Bind { address, source })?;
        let (shutdown, task) = serve(listener, self.router.clone());
        self.shutdown = Some(shutdown);
        self.task = Some(task);
        tracing::info!(url = %self.url, "simulated cluster listening again");
        Ok(())
    }

    /// The cluster's base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bearer token its clients send (for a kubeconfig that points at it).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The count of the engine's requests to it.
    pub fn traffic(&self) -> Traffic {
        self.traffic.clone()
    }

    /// The URL of the real database of the tenant in `namespace` (`store-<subdomain>`), on
    /// the server [`SimOptions::databases`] names; `None` without one, or for a namespace
    /// that is not a tenant's. The database exists once the tenant's `db` StatefulSet has
    /// been created (shortly after: it is made off the request).
    pub fn database_url(&self, namespace: &str) -> Option<String> {
        databases::tenant_url(self.databases.as_deref()?, namespace)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A client for looking at this cluster from outside the engine, as tests and tools do
    /// (cheap: clients share one connection pool). Its requests are not the engine's, so the
    /// record of what the engine calls leaves them out.
    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }

    /// A new client for the engine to drive this cluster with.
    pub fn engine_client(&self) -> Result<kube::Client> {
        Ok(kube_client_for_url(
            &self.url,
            &self.token,
            ENGINE_USER_AGENT,
        )?)
    }

    /// Stops serving: waits for requests in flight, then cuts connections still open after a
    /// few seconds; a cluster with a state file writes it a last time.
    pub async fn stop(mut self) -> Result<()> {
        let halted = self.halt().await;
        if let Some(saver) = self.saver.take() {
            saver.abort();
            if let Some(path) = &self.state_file {
                save(&self.store, path).await;
            }
        }
        halted
    }

    async fn halt(&mut self) -> Result<()> {
        lock(&self.store).end_watches();
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(STOP_TIMEOUT, &mut task).await {
            Ok(Ok(served)) => served.map_err(SimError::Serve),
            Ok(Err(failed)) => Err(SimError::Task(failed)),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl std::fmt::Debug for SimCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCluster")
            .field("url", &self.url)
            .field("running", &self.shutdown.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for SimCluster {
    fn drop(&mut self) {
        self.worker.abort();
        if let Some(saver) = self.saver.take() {
            saver.abort();
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The cluster saved at `path`; an empty one when there is none or it cannot be read.
async fn load(path: &Path, options: SimOptions) -> Store {
    let text = match tokio::fs::read(path).await {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Store::new(options);
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "the simulated cluster's state cannot be read; starting empty");
            return Store::new(options);
        }
    };
    match serde_json::from_slice::<Snapshot>(&text) {
        Ok(snapshot) => {
            let store = Store::restore(options, snapshot, Instant::now());
            tracing::info!(path = %path.display(), revision = store.revision(), "simulated cluster restored");
            store
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "the simulated cluster's state is damaged; starting empty");
            Store::new(options)
        }
    }
}

/// How often a changed cluster is written to its state file.
const SAVE_EVERY: Duration = Duration::from_millis(500);

/// Writes the cluster to `path` whenever it changed, until aborted.
async fn keep_saved(store: Arc<Mutex<Store>>, path: PathBuf) {
    let mut saved = None;
    loop {
        tokio::time::sleep(SAVE_EVERY).await;
        let revision = lock(&store).revision();
        if saved != Some(revision) {
            save(&store, &path).await;
            saved = Some(revision);
        }
    }
}

/// Writes the cluster to `path` through a temporary file, so a crash leaves the old state or
/// the new one, never half of one.
async fn save(store: &Mutex<Store>, path: &Path) {
    let text = {
        let store = lock(store);
        serde_json::to_vec(&store.snapshot(Instant::now()))
    };
    let Ok(text) = text else {
        return;
    };
    let temporary = path.with_extension("tmp");
    let written = async {
        tokio::fs::write(&temporary, &text).await?;
        tokio::fs::rename(&temporary, path).await
    };
    if let Err(error) = written.await {
        tracing::warn!(path = %path.display(), %error, "saving the simulated cluster failed");
    }
}
