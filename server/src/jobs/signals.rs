//! Word that a job's progress changed, for the pages watching it. Whoever commits a change to
//! a job or its events says so here: the word reaches this process at once and, on
//! PostgreSQL, every other server through `NOTIFY`. The worker's word carries the change
//! itself (the job as committed and its new event), so no watcher reads it; any other word
//! names the job, and each process reads the change once for all its watchers (see
//! [`super::hub`]). SQLite has one serving process, so the in-process word is all there is.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use sqlx::AnyPool;
use tokio::sync::broadcast;

use app::domain::JobProgress;

use super::heartbeat::AbortOnDrop;
use crate::db::{Backend, Db};

/// The PostgreSQL channel the servers notify one another on.
pub const CHANNEL: &str = "storefleet_job_progress";

/// How many words may wait for a slow listener before it is told it lagged.
const BUFFER: usize = 1024;

/// The longest payload PostgreSQL carries in a notification is 8,000 bytes; a change that
/// does not fit is sent as the job's id alone, and read by those who hear it.
const MAX_PAYLOAD: usize = 7_900;

/// What the watchers of jobs hear.
#[derive(Debug, Clone)]
pub enum Word {
    /// The job with this id changed: read it.
    Changed(Arc<str>),
    /// A job changed, and this is the change as committed.
    Recorded(Arc<Recorded>),
    /// Anything may have changed (words may have been missed, as when the listening
    /// connection was lost): read every watched job again.
    Everything,
}

/// A change to a job as its recorder committed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// The job's last event before this change.
    pub after: i64,
    /// The job as committed, its events after `after`, and its time left.
    pub progress: JobProgress,
}

/// Where words of changed jobs are said and heard.
#[derive(Clone)]
pub struct JobSignals {
    words: broadcast::Sender<Word>,
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

    /// Hears the words of changed jobs, from this process and (listening) others.
    pub fn subscribe(&self) -> broadcast::Receiver<Word> {
        self.words.subscribe()
    }

    /// Says, inside the transaction that makes the change, what it recorded to the other
    /// servers: PostgreSQL delivers the notification when the transaction commits, and never
    /// if it does not. Nothing on SQLite. Then, once committed, [`Self::recorded`].
    pub async fn notify_within<'e, E>(&self, executor: E, change: &Recorded) -> sqlx::Result<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        if self.notify.is_none() {
            return Ok(());
        }
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload(&self.origin, change))
            .execute(executor)
            .await?;
        Ok(())
    }

    /// Says the committed change to this process's watchers, who need not read it.
    pub fn recorded(&self, change: Recorded) {
        let _ = self.words.send(Word::Recorded(Arc::new(change)));
    }

    /// Says that the job's progress changed. Call it once the change is committed: a watcher
    /// reads the job as soon as it hears.
    pub async fn changed(&self, job_id: &str) {
        let _ = self.words.send(Word::Changed(job_id.into()));
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
                        if let Some(word) = foreign(notification.payload(), &origin) {
                            let _ = words.send(word);
                        }
                    }
                    // The connection was lost; the next call opens it again.
                    Ok(None) => {
                        let _ = words.send(Word::Everything);
                    }
                    Err(error) => {
                        tracing::warn!(error = %error, "listening for other servers' jobs failed");
                        let _ = words.send(Word::Everything);
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

/// A notification's payload: `<origin>:<job id>:<the change as JSON>`, or without the change
/// when it does not fit.
fn payload(origin: &str, change: &Recorded) -> String {
    let job_id = change.progress.job.id.as_str();
    match serde_json::to_string(change) {
        Ok(json) if origin.len() + job_id.len() + json.len() + 2 <= MAX_PAYLOAD => {
            format!("{origin}:{job_id}:{json}")
        }
        _ => format!("{origin}:{job_id}"),
    }
}

/// The word of a notification another process sent; `None` for this process's own. A change
/// that cannot be read back names its job, to be read.
fn foreign(payload: &str, origin: &str) -> Option<Word> {
    let (from, rest) = payload.split_once(':')?;
    if from == origin {
        return None;
    }
    let (job_id, change) = rest.split_once(':').unwrap_or((rest, ""));
    if job_id.is_empty() {
        return None;
    }
    match serde_json::from_str::<Recorded>(change) {
        Ok(change) if change.progress.job.id.as_str() == job_id => {
            Some(Word::Recorded(Arc::new(change)))
        }
        _ => Some(Word::Changed(job_id.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{JobId, JobState, JobView};

    /// A change to the job, whose last error is `error`.
    fn change(job_id: &str, error: &str) -> Recorded {
        Recorded {
            after: 3,
            progress: JobProgress {
                job: JobView {
                    id: JobId::new(job_id.to_owned()),
                    kind: "provision".to_owned(),
                    state: JobState::Running,
                    steps_done: 2,
                    steps_total: 9,
                    step_titles: vec!["Namespace".to_owned()],
                    last_error: Some(error.to_owned()),
                    created_at: 1,
                    finished_at: None,
                },
                events: Vec::new(),
                estimate_ms: Some(1_500),
            },
        }
    }

    fn job_of(word: Option<Word>) -> Option<String> {
        match word? {
            Word::Changed(id) => Some(format!("read {id}")),
            Word::Recorded(change) => Some(format!("pushed {}", change.progress.job.id)),
            Word::Everything => Some("everything".to_owned()),
        }
    }

    #[test]
    fn a_process_ignores_its_own_notifications() {
        assert_eq!(job_of(foreign("abc:job-1", "abc")), None);
        assert_eq!(
            job_of(foreign("xyz:job-1", "abc")).as_deref(),
            Some("read job-1")
        );
        assert_eq!(job_of(foreign("xyz:", "abc")), None);
        assert_eq!(job_of(foreign("garbage", "abc")), None);
    }

    #[test]
    fn a_change_travels_whole_in_its_notification_when_it_fits() {
        let sent = change("job-1", "short");
        let heard = foreign(&payload("xyz", &sent), "abc");
        match heard {
            Some(Word::Recorded(heard)) => assert_eq!(*heard, sent),
            other => panic!("expected the change itself, heard {:?}", job_of(other)),
        }
        let long = change("job-1", &"x".repeat(MAX_PAYLOAD));
        let payload = payload("xyz", &long);
        assert_eq!(
            payload, "xyz:job-1",
            "too long for a notification: the id alone"
        );
        assert_eq!(
            job_of(foreign(&payload, "abc")).as_deref(),
            Some("read job-1")
        );
        let torn = "xyz:job-1:{\"after\":";
        assert_eq!(
            job_of(foreign(torn, "abc")).as_deref(),
            Some("read job-1"),
            "a change that cannot be read is read from the database"
        );
    }

    #[tokio::test]
    async fn a_word_said_is_heard_in_the_process() {
        let signals = JobSignals::local();
        let mut heard = signals.subscribe();
        signals.changed("job-7").await;
        assert_eq!(
            job_of(heard.recv().await.ok()).as_deref(),
            Some("read job-7")
        );
        signals.recorded(change("job-8", "m"));
        assert_eq!(
            job_of(heard.recv().await.ok()).as_deref(),
            Some("pushed job-8")
        );
    }
}
