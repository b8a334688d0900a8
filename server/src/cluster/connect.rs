//! Choosing and connecting to the cluster the engine drives.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::client::kube_client_from_environment;
use super::sim::{SimCluster, SimOptions};
use crate::config::{ClusterMode, ServeConfig};

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

/// Connects to the configured cluster, starting the simulated one in this process if chosen.
pub async fn connect(config: &ServeConfig) -> anyhow::Result<Connected> {
    match config
        .cluster_mode
        .resolve(kubeconfig_found(), in_cluster())
    {
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
            let options = SimOptions {
                ready_delay: Duration::from_millis(config.sim_ready_delay_ms),
                failing_images: config
                    .sim_failing_images
                    .iter()
                    .filter(|image| !image.trim().is_empty())
                    .map(|image| image.trim().to_owned())
                    .collect(),
                ..SimOptions::default()
            };
            let cluster = SimCluster::start(options)
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
