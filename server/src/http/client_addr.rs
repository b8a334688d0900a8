//! Finds the client's address once, for the log-in limits.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use app::ports::ClientAddr;

use super::AppState;

/// Inserts the [`ClientAddr`] into the request's extensions.
pub async fn attach(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string());
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let addr = client_addr(peer.as_deref(), forwarded, state.trust_forwarded_for);
    request.extensions_mut().insert(ClientAddr(addr));
    next.run(request).await
}

/// The client's address: the last `X-Forwarded-For` hop when the proxy is trusted (the one
/// it appended itself), otherwise the peer.
pub fn client_addr(peer: Option<&str>, forwarded_for: Option<&str>, trust: bool) -> String {
    let forwarded = forwarded_for
        .filter(|_| trust)
        .and_then(|list| list.rsplit(',').next())
        .map(str::trim)
        .filter(|hop| !hop.is_empty());
    forwarded.or(peer).unwrap_or("unknown").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_forwarded_for_unless_trusted() {
        assert_eq!(
            client_addr(Some("10.0.0.1"), Some("6.6.6.6"), false),
            "10.0.0.1"
        );
    }

    #[test]
    fn takes_the_hop_the_proxy_appended() {
        assert_eq!(
            client_addr(Some("10.0.0.1"), Some("6.6.6.6, 203.0.113.9"), true),
            "203.0.113.9"
        );
        assert_eq!(client_addr(Some("10.0.0.1"), None, true), "10.0.0.1");
        assert_eq!(client_addr(None, None, false), "unknown");
    }
}
