//! Building a `kube::Client`: for a plain-HTTP URL such as the simulated cluster's, or from the
//! environment for a real cluster.

use std::time::Duration;

use axum::http::Uri;

/// How long to wait for a connection to the cluster.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for a request to be sent, and for its response.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Errors of building a client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL cannot be parsed.
    #[error("{url:?} is not a valid cluster URL")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why.
        #[source]
        source: axum::http::uri::InvalidUri,
    },
    /// No kubeconfig and no in-cluster credentials.
    #[error("no usable kubeconfig or in-cluster credentials")]
    Infer(#[from] kube::config::InferConfigError),
    /// The credentials found are unusable.
    #[error("could not build a Kubernetes client")]
    Kube(#[from] kube::Error),
}

/// Result of building a client.
pub type Result<T> = std::result::Result<T, ClientError>;

/// A client for a cluster at a plain URL with no credentials, like the simulated cluster's
/// `http://127.0.0.1:<port>`, with connect, write and read timeouts.
pub fn kube_client_for_url(url: &str) -> Result<kube::Client> {
    let cluster_url: Uri = url.parse().map_err(|source| ClientError::InvalidUrl {
        url: url.to_owned(),
        source,
    })?;
    let mut config = kube::Config::new(cluster_url);
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.write_timeout = Some(REQUEST_TIMEOUT);
    config.read_timeout = Some(REQUEST_TIMEOUT);
    // The read timeout then counts from the request, not from when a pooled connection idled.
    config.reset_reader_on_write = true;
    Ok(kube::Client::try_from(config)?)
}

/// A client for a real cluster: the kubeconfig (`KUBECONFIG` or `~/.kube/config`), else the
/// in-cluster service account, with the same timeouts as [`kube_client_for_url`].
pub async fn kube_client_from_environment() -> Result<kube::Client> {
    let mut config = kube::Config::infer().await?;
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.write_timeout = Some(REQUEST_TIMEOUT);
    config.read_timeout = Some(REQUEST_TIMEOUT);
    config.reset_reader_on_write = true;
    Ok(kube::Client::try_from(config)?)
}
