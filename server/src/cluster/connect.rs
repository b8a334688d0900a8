//! Choosing and connecting to the cluster the engine drives.

use std::path::PathBuf;

use anyhow::Context;

use super::client::kube_client_from_environment;
use super::sim::{SimCluster, SimOptions};

/// Which cluster the engine drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClusterMode {
    /// A real cluster when credentials are found, else the simulated one.
    Auto,
    /// The in-process simulated cluster.
    Simulated,
    /// A real cluster, from the kubeconfig or in-cluster credentials.
    Kubernetes,
}

impl ClusterMode {
    /// Resolves `auto` from what the environment offers.
    pub fn resolve(self, kubeconfig_found: bool, in_cluster: bool) -> ClusterMode {
        match self {
            ClusterMode::Auto if kubeconfig_found || in_cluster => ClusterMode::Kubernetes,
            ClusterMode::Auto => ClusterMode::Simulated,
            chosen => chosen,
        }
    }
}

/// The cluster in use: its client, and the simulated cluster when that is it.
pub struct Connected {
    /// The client every cluster call goes through.
    pub client: kube::Client,
    /// The simulated cluster this process serves, if it is the one in use.
    pub simulated: Option<SimCluster>,
}

fn kubeconfig_found() -> bool {
    if std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty()) {
        return true;
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".kube/config"))
        .is_some_and(|path| path.is_file())
}

fn in_cluster() -> bool {
    std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
}

/// Connects to the cluster `mode` names, starting the simulated one in this process, with
/// `sim`, if chosen.
pub async fn connect(mode: ClusterMode, sim: SimOptions) -> anyhow::Result<Connected> {
    match mode.resolve(kubeconfig_found(), in_cluster()) {
        ClusterMode::Kubernetes => {
            let client = kube_client_from_environment()
                .await
                .context("connecting to the Kubernetes cluster")?;
            tracing::info!("driving a real Kubernetes cluster");
            Ok(Connected {
                client,
                simulated: None,
            })
        }
        _ => {
            let cluster = SimCluster::start(sim)
                .await
                .context("starting the simulated cluster")?;
            tracing::warn!(
                url = cluster.url(),
                "driving the SIMULATED cluster: nothing runs on Kubernetes"
            );
            Ok(Connected {
                client: cluster
                    .engine_client()
                    .context("a client for the simulated cluster")?,
                simulated: Some(cluster),
            })
        }
    }
}
