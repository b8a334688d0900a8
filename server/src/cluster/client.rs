//! Building a `kube::Client`: for a plain-HTTP URL such as the simulated cluster's, or from the
//! environment for a real cluster.

use std::time::Duration;

use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::{HeaderValue, Uri};

/// How long to wait for a connection to the cluster.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for a request to be sent, and for its response.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The `User-Agent` of the engine's requests: what a cluster's audit log shows, and how the
/// simulated cluster tells the engine's calls from a test's look at the cluster.
pub const ENGINE_USER_AGENT: &str = concat!("storefleet/", env!("CARGO_PKG_VERSION"));

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

/// A client for a cluster at a plain URL that takes a bearer token, like the simulated
/// cluster's `http://127.0.0.1:<port>`, sending `user_agent`, with connect, write and read
/// timeouts.
pub fn kube_client_for_url(url: &str, token: &str, user_agent: &str) -> Result<kube::Client> {
    let cluster_url: Uri = url.parse().map_err(|source| ClientError::InvalidUrl {
        url: url.to_owned(),
        source,
    })?;
    let mut config = kube::Config::new(cluster_url);
    if let Ok(mut bearer) = HeaderValue::from_str(&format!("Bearer {token}")) {
        bearer.set_sensitive(true);
        config.headers.push((AUTHORIZATION, bearer));
    }
    build(config, user_agent)
}

/// The engine's client for a real cluster: the kubeconfig (`KUBECONFIG` or `~/.kube/config`),
/// else the in-cluster service account, with the same timeouts as [`kube_client_for_url`].
pub async fn kube_client_from_environment() -> Result<kube::Client> {
    build(kube::Config::infer().await?, ENGINE_USER_AGENT)
}

fn build(mut config: kube::Config, user_agent: &str) -> Result<kube::Client> {
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.write_timeout = Some(REQUEST_TIMEOUT);
    config.read_timeout = Some(REQUEST_TIMEOUT);
    // The read timeout then counts from the request, not from when a pooled connection idled.
    config.reset_reader_on_write = true;
    if let Ok(agent) = HeaderValue::from_str(user_agent) {
        config.headers.push((USER_AGENT, agent));
    }
    Ok(kube::client::ClientBuilder::try_from(config)?
        .with_layer(&super::measured::MeasureLayer)
        .build())
}
