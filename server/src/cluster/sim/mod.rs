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
//! (`status.rs`).
//! Nothing is global: every [`SimCluster`] is a separate cluster. Its listener can stop and
//! start again with the objects kept, as an API server outage, and `api_log.rs` can record
//! what the engine asks of it.

mod api_error;
pub mod api_log;
mod incoming;
pub mod pods;
pub mod resources;
pub mod rollout;
mod routes;
pub mod selector;
pub mod status;
mod store;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::client::{kube_client_for_url, kube_client_for_url_as, ClientError};
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
    /// How long a deleted namespace stays `Terminating` before it and its objects are gone.
    pub namespace_delete_delay: Duration,
    /// A pod with a container image containing one of these never starts: the image cannot
    /// be pulled (`ImagePullBackOff`, with the kubelet's events), so a test can make a tenant
    /// fail.
    pub failing_images: Vec<String>,
    /// The address LoadBalancer Services and Ingresses report: an IP, or a host name.
    pub load_balancer_address: String,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            ready_delay: Duration::from_secs(1),
            namespace_delete_delay: Duration::from_secs(1),
            failing_images: Vec::new(),
            load_balancer_address: Ipv4Addr::LOCALHOST.to_string(),
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
    client: kube::Client,
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
        let client = kube_client_for_url_as(&url, VIEWER_USER_AGENT)?;
        let router = api_log::recorded(routes::router(Store::new(options)));
        let (shutdown, task) = serve(listener, router.clone());
        tracing::info!(%url, "simulated cluster listening");
        Ok(Self {
            address,
            url,
            client,
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
        Ok(kube_client_for_url(&self.url)?)
    }

    /// Stops serving: waits for requests in flight, then cuts connections still open after a
    /// few seconds.
    pub async fn stop(mut self) -> Result<()> {
        self.halt().await
    }

    async fn halt(&mut self) -> Result<()> {
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
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
