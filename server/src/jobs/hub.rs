//! The fan-out of jobs' progress to the pages watching them. For each job someone watches,
//! one reader per process waits for word that it changed ([`super::signals`]), reads what is
//! new once, and hands it to every watcher: the database is read once per change whatever the
//! number of watchers. A watcher reads the database itself only to catch up: from where its
//! browser left off (`Last-Event-ID`), or when it missed a change. Nothing is kept for a job
//! nobody watches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{broadcast, Notify};

use app::domain::{JobId, JobProgress};
use app::ports::JobProgressFeed;

use super::signals::{JobSignals, EVERYTHING};

/// How many changes may wait for a slow watcher before it is told it lagged (it then
/// catches up from the database).
const BUFFER: usize = 64;

/// A change to a job as its watchers receive it: the job, and its events after `after`.
#[derive(Debug, Clone)]
pub struct Change {
    /// The last event its watchers were handed before this change.
    pub after: i64,
    /// The job and its new events.
    pub progress: Arc<JobProgress>,
    /// `progress` as JSON, written once for every watcher that is up to date.
    pub json: Arc<str>,
}

/// A watched job: the channel its watchers listen on, and how to wake its reader.
struct Watched {
    changes: broadcast::Sender<Change>,
    wake: Arc<Notify>,
}

/// Jobs' progress, handed from one read to every watcher.
pub struct ProgressHub {
    feed: Arc<dyn JobProgressFeed>,
    /// How long a watched job goes unread when no word comes: words can be lost (a server
    /// dying between its commit and its notification).
    fallback: Duration,
    watched: Mutex<HashMap<String, Watched>>,
}

impl ProgressHub {
    /// A hub reading progress from `feed`, woken by `signals`, and every `fallback` when no
    /// word comes.
    pub fn start(
        feed: Arc<dyn JobProgressFeed>,
        signals: &JobSignals,
        fallback: Duration,
    ) -> Arc<Self> {
        let hub = Arc::new(Self {
            feed,
            fallback,
            watched: Mutex::default(),
        });
        tokio::spawn(dispatch(Arc::downgrade(&hub), signals.subscribe()));
        hub
    }

    /// The feed progress is read from, for catching up.
    pub fn feed(&self) -> &Arc<dyn JobProgressFeed> {
        &self.feed
    }

    /// Changes to the job from now on. `after`: the last event the caller has, where the
    /// job's reader starts when it is the first watcher.
    pub fn watch(self: &Arc<Self>, job_id: &JobId, after: i64) -> broadcast::Receiver<Change> {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(job) = watched.get(job_id.as_str()) {
            return job.changes.subscribe();
        }
        let (changes, receiver) = broadcast::channel(BUFFER);
        let wake = Arc::new(Notify::new());
        watched.insert(
            job_id.as_str().to_owned(),
            Watched {
                changes: changes.clone(),
                wake: wake.clone(),
            },
        );
        tokio::spawn(read(
            Arc::downgrade(self),
            self.fallback,
            job_id.clone(),
            after,
            changes,
            wake,
        ));
        receiver
    }

    fn wake(&self, job_id: &str) {
        let watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        if job_id == EVERYTHING {
            watched.values().for_each(|job| job.wake.notify_one());
        } else if let Some(job) = watched.get(job_id) {
            job.wake.notify_one();
        }
    }

    /// Forgets the job unless someone still watches it; true when forgotten.
    fn forget_unwatched(&self, job_id: &str) -> bool {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        let unwatched = watched
            .get(job_id)
            .is_none_or(|job| job.changes.receiver_count() == 0);
        if unwatched {
            watched.remove(job_id);
        }
        unwatched
    }

    fn forget(&self, job_id: &str) {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        watched.remove(job_id);
    }
}

/// Wakes the readers of the jobs the words name, for as long as the hub lives.
async fn dispatch(hub: Weak<ProgressHub>, mut words: broadcast::Receiver<String>) {
    loop {
        let word = match words.recv().await {
            Ok(word) => word,
            // Words were dropped: any watched job may have changed.
            Err(broadcast::error::RecvError::Lagged(_)) => EVERYTHING.to_owned(),
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let Some(hub) = hub.upgrade() else { return };
        hub.wake(&word);
    }
}

/// One watched job's reader: reads what is new each time it is woken (or after the fallback
/// period), hands it to the watchers, and ends when the job ends or nobody watches.
async fn read(
    hub: Weak<ProgressHub>,
    fallback: Duration,
    job_id: JobId,
    mut after: i64,
    changes: broadcast::Sender<Change>,
    wake: Arc<Notify>,
) {
    loop {
        let _ = tokio::time::timeout(fallback, wake.notified()).await;
        let Some(hub) = hub.upgrade() else { return };
        if hub.forget_unwatched(job_id.as_str()) {
            return;
        }
        crate::metrics::progress_read("fan_out");
        let Ok(progress) = hub.feed.progress(&job_id, after).await else {
            continue;
        };
        let finished = progress.job.is_finished();
        if progress.events.is_empty() && !finished {
            continue;
        }
        let Ok(json) = serde_json::to_string(&progress) else {
            continue;
        };
        let last = progress.events.last().map_or(after, |e| e.seq);
        let _ = changes.send(Change {
            after,
            progress: Arc::new(progress),
            json: json.into(),
        });
        after = last;
        if finished {
            hub.forget(job_id.as_str());
            return;
        }
    }
}
