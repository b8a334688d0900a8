//! Word that a job's progress changed, for the pages watching it. Whoever commits a change to
//! a job or its events says so here: the word reaches this process at once and, on
//! PostgreSQL, every other server through `NOTIFY`. It carries the job's id only; each
//! process reads the change once for all its watchers (see [`super::hub`]). SQLite has one
//! serving process, so the in-process word is all there is.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::AnyPool;
use tokio::sync::broadcast;

use super::heartbeat::AbortOnDrop;
use crate::db::{Backend, Db};

/// The PostgreSQL channel the servers notify one another on.
pub const CHANNEL: &str = "storefleet_job_progress";

/// The word meaning "anything may have changed": sent when notifications may have been
/// missed (the listening connection was lost), so every watched job is read again.
pub const EVERYTHING: &str = "*";

/// How many words may wait for a slow listener before it is told it lagged.
const BUFFER: usize = 1024;

/// Where words of changed jobs are said and heard.
#[derive(Clone)]
pub struct JobSignals {
    words: broadcast::Sender<String>,
    /// This process's name in notifications, so it ignores its own coming back.
    origin: Arc<str>,
    /// The database to notify other servers through, on PostgreSQL.
    notify: Option<AnyPool>,
    /// The task hearing other servers, stopped when the last handle on these signals goes.
    listening: Arc<Mutex<Option<AbortOnDrop>>>,
}

impl std::fmt::Debug for JobSignals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobSignals")
            .field("origin", &self.origin)
            .field("across_servers", &self.notify.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for JobSignals {
    fn default() -> Self {
        Self::local()
    }
}

impl JobSignals {
    /// Words heard in this process only.
    pub fn local() -> Self {
        let (words, _) = broadcast::channel(BUFFER);
        Self {
            words,
            origin: uuid::Uuid::new_v4().simple().to_string().into(),
            notify: None,
            listening: Arc::default(),
        }
    }

    /// Words on this database: on PostgreSQL, other servers hear them too (once they
    /// [`listen`](Self::listen)).
    pub fn on(db: &Db) -> Self {
        Self {
            notify: (db.backend == Backend::Postgres).then(|| db.pool.clone()),
            ..Self::local()
        }
    }

    /// Hears the ids of changed jobs, from this process and (listening) others.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.words.subscribe()
    }

    /// Says that the job's progress changed. Call it once the change is committed: a watcher
    /// reads the job as soon as it hears.
    pub async fn changed(&self, job_id: &str) {
        let _ = self.words.send(job_id.to_owned());
        if let Some(pool) = &self.notify {
            let payload = format!("{}:{job_id}", self.origin);
            if let Err(error) = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(pool)
                .await
            {
                // The other servers' watchers read again within their fallback period.
                tracing::warn!(error = %error, job_id, "notifying other servers failed");
            }
        }
    }

    /// On PostgreSQL, hears other servers' words on a connection of its own, for as long as
    /// any handle on these signals lives; nothing elsewhere. A lost connection is opened again, and since words may
    /// have been missed meanwhile, every watched job is read again.
    pub async fn listen(&self, database_url: &str) -> anyhow::Result<()> {
        if self.notify.is_none() {
            return Ok(());
        }
        let mut listener = PgListener::connect(database_url).await?;
        listener.listen(CHANNEL).await?;
        let words = self.words.clone();
        let origin = self.origin.clone();
        let task = tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => {
                        if let Some(job_id) = foreign(notification.payload(), &origin) {
                            let _ = words.send(job_id.to_owned());
                        }
                    }
                    // The connection was lost; the next call opens it again.
                    Ok(None) => {
                        let _ = words.send(EVERYTHING.to_owned());
                    }
                    Err(error) => {
                        tracing::warn!(error = %error, "listening for other servers' jobs failed");
                        let _ = words.send(EVERYTHING.to_owned());
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        if let Ok(mut listening) = self.listening.lock() {
            *listening = Some(AbortOnDrop(task));
        }
        Ok(())
    }
}

/// The job id of a notification another process sent; `None` for this process's own.
fn foreign<'a>(payload: &'a str, origin: &str) -> Option<&'a str> {
    let (from, job_id) = payload.split_once(':')?;
    (from != origin && !job_id.is_empty()).then_some(job_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_ignores_its_own_notifications() {
        assert_eq!(foreign("abc:job-1", "abc"), None);
        assert_eq!(foreign("xyz:job-1", "abc"), Some("job-1"));
        assert_eq!(foreign("xyz:", "abc"), None);
        assert_eq!(foreign("garbage", "abc"), None);
    }

    #[tokio::test]
    async fn a_word_said_is_heard_in_the_process() {
        let signals = JobSignals::local();
        let mut heard = signals.subscribe();
        signals.changed("job-7").await;
        assert_eq!(heard.recv().await.unwrap(), "job-7");
    }
}
