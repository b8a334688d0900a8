//! How many requests the engine has sent the simulated cluster, for benchmarks that report
//! what a control plane costs its API server, and the round trip a remote one would add.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::header::USER_AGENT;
use axum::middleware::{self, Next};
use axum::Router;

use super::api_log::ENGINE_USER_AGENT;

/// A count of the engine's requests, shared with the router that counts them.
#[derive(Debug, Clone, Default)]
pub struct Traffic(Arc<AtomicU64>);

impl Traffic {
    /// Requests the engine has sent so far.
    pub fn requests(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// `router`, counting each request that carries the engine's `User-Agent`.
    pub fn counting(&self, router: Router) -> Router {
        let count = self.0.clone();
        router.layer(middleware::from_fn(move |request: Request, next: Next| {
            let engine = request
                .headers()
                .get(USER_AGENT)
                .is_some_and(|agent| agent.as_bytes() == ENGINE_USER_AGENT.as_bytes());
            if engine {
                count.fetch_add(1, Ordering::Relaxed);
            }
            async move { next.run(request).await }
        }))
    }
}

/// `router`, answering each request `latency` later than it would (nothing added when zero).
pub fn delayed(latency: Duration, router: Router) -> Router {
    if latency.is_zero() {
        return router;
    }
    router.layer(middleware::from_fn(
        move |request: Request, next: Next| async move {
            tokio::time::sleep(latency).await;
            next.run(request).await
        },
    ))
}
