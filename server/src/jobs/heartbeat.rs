//! Keeping a job's lease while its step runs: renewed at a third of its length, and given
//! up (the step is then abandoned) once it cannot be renewed before it ends.

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;

use crate::clock::now_ms;
use crate::db::jobs;

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Renews the lease at a third of its length; signals `lost` when renewal fails.
pub(super) async fn heartbeat(
    pool: AnyPool,
    id: String,
    owner: String,
    lease: Duration,
    lost: watch::Sender<bool>,
) {
    let mut ticks = tokio::time::interval(lease / 3);
    ticks.tick().await;
    let mut held_until = now_ms() + ms(lease);
    loop {
        ticks.tick().await;
        let now = now_ms();
        match jobs::renew(&pool, &id, &owner, now, ms(lease)).await {
            Ok(true) => held_until = now + ms(lease),
            Ok(false) => {
                let _ = lost.send(true);
                return;
            }
            // Unable to renew past the lease's end: another worker may hold the job by now.
            Err(error) if now >= held_until => {
                tracing::warn!(job_id = %id, error = %error, "lease lapsed while the database was unreachable");
                let _ = lost.send(true);
                return;
            }
            Err(error) => tracing::warn!(job_id = %id, error = %error, "renewing a lease failed"),
        }
    }
}

/// Aborts a task when dropped.
pub(super) struct AbortOnDrop(pub(super) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
