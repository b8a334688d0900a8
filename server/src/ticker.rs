//! The loop every background worker runs: a turn, then a pause of one tick, until shutdown.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Runs `turn` every `tick` until `shutdown` turns true. A failed turn is logged as `failed`
/// and the next one comes a tick later, as after any other.
pub async fn every<T, E, F, Fut>(
    tick: Duration,
    mut shutdown: watch::Receiver<bool>,
    failed: &str,
    mut turn: F,
) where
    E: Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    loop {
        if let Err(error) = turn().await {
            tracing::warn!(%error, "{failed}");
        }
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = tokio::time::sleep(tick) => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
}
