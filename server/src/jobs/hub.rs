//! The fan-out of jobs' progress to the pages watching them. For each job someone watches,
//! one reader per process reads the job once, from its first event, then waits for word that
//! it changed ([`super::signals`]) and hands each change to every watcher. A word carrying the
//! change as committed is handed on as it is; only a word naming the job, a change that does
//! not follow the last one handed on, or a quiet fallback period makes the reader read the
//! database again, once for all watchers. The reader keeps what the job has done so far, so a
//! watcher catches up from it (from where its browser left off, `Last-Event-ID`, or after it
//! missed a change) without a read of its own: the database is read per watched job, whatever
//! the number of watchers. Nothing is kept for a job nobody watches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{broadcast, watch, Notify};

use app::domain::{JobId, JobProgress};
use app::ports::JobProgressFeed;

use super::signals::{JobSignals, Recorded, Word};

/// How many changes may wait for a slow watcher before it is told it lagged (it then
/// catches up from what the reader knows).
const BUFFER: usize = 64;

/// How soon a reader that could not read its job yet tries again.
const RETRY: Duration = Duration::from_millis(300);

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

/// Everything a watched job has done so far, once its reader has read it.
pub type Known = watch::Receiver<Option<Arc<JobProgress>>>;

/// A watcher's ends: the changes from now on, and what is known of the job, to catch up from.
pub struct Subscription {
    /// Each change as the reader hands it on.
    pub changes: broadcast::Receiver<Change>,
    /// The job and all its events so far; updated before each change is handed on.
    pub known: Known,
}

/// A watched job: the channel its watchers listen on, what is known of it, and its reader's
/// inbox.
struct Watched {
    changes: broadcast::Sender<Change>,
    known: Known,
    inbox: Arc<Inbox>,
}

/// What a job's reader has been told since it last looked, and how to wake it.
#[derive(Default)]
struct Inbox {
    /// Changes as committed, in the order heard; `None` where a word said only that the job
    /// changed (the reader then reads it).
    heard: Mutex<Vec<Option<Arc<Recorded>>>>,
    wake: Notify,
}

impl Inbox {
    fn put(&self, word: Option<Arc<Recorded>>) {
        self.heard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(word);
        self.wake.notify_one();
    }

    fn take(&self) -> Vec<Option<Arc<Recorded>>> {
        std::mem::take(&mut *self.heard.lock().unwrap_or_else(|e| e.into_inner()))
    }
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

    /// The job's changes from now on, and what is known of it; the first watcher of a job
    /// starts its reader.
    pub fn watch(self: &Arc<Self>, job_id: &JobId) -> Subscription {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(job) = watched.get(job_id.as_str()) {
            return Subscription {
                changes: job.changes.subscribe(),
                known: job.known.clone(),
            };
        }
        let (changes, receiver) = broadcast::channel(BUFFER);
        let (publish, known) = watch::channel(None);
        let inbox = Arc::new(Inbox::default());
        watched.insert(
            job_id.as_str().to_owned(),
            Watched {
                changes: changes.clone(),
                known: known.clone(),
                inbox: inbox.clone(),
            },
        );
        let reader = Reader {
            hub: Arc::downgrade(self),
            job_id: job_id.clone(),
            publish,
            changes,
        };
        tokio::spawn(reader.run(self.fallback, inbox));
        Subscription {
            changes: receiver,
            known,
        }
    }

    /// Hands the word to the reader of the job it names, if the job is watched.
    fn tell(&self, word: Word) {
        let watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        match word {
            Word::Everything => watched.values().for_each(|job| job.inbox.put(None)),
            Word::Changed(job_id) => {
                if let Some(job) = watched.get(&*job_id) {
                    job.inbox.put(None);
                }
            }
            Word::Recorded(change) => {
                if let Some(job) = watched.get(change.progress.job.id.as_str()) {
                    job.inbox.put(Some(change));
                }
            }
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

/// Hands each word to the reader of the job it names, for as long as the hub lives.
async fn dispatch(hub: Weak<ProgressHub>, mut words: broadcast::Receiver<Word>) {
    loop {
        let word = match words.recv().await {
            Ok(word) => word,
            // Words were dropped: any watched job may have changed.
            Err(broadcast::error::RecvError::Lagged(_)) => Word::Everything,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let Some(hub) = hub.upgrade() else { return };
        hub.tell(word);
    }
}

/// One watched job's reader: where it makes known everything the job has done so far, once
/// read, and where its watchers listen.
struct Reader {
    hub: Weak<ProgressHub>,
    job_id: JobId,
    publish: watch::Sender<Option<Arc<JobProgress>>>,
    changes: broadcast::Sender<Change>,
}

impl Reader {
    /// Reads the job from its first event, then, each time it is woken (or after the fallback
    /// period), hands on what is new: the changes it heard, as they are, when they follow one
    /// another from the last one handed on; else what it reads. Ends when the job ends or
    /// nobody watches.
    async fn run(mut self, fallback: Duration, inbox: Arc<Inbox>) {
        loop {
            let read_once = self.read_once();
            let quiet = read_once
                && tokio::time::timeout(fallback, inbox.wake.notified())
                    .await
                    .is_err();
            let Some(hub) = self.hub.upgrade() else {
                return;
            };
            if hub.forget_unwatched(self.job_id.as_str()) {
                return;
            }
            // Before the first read, whatever was heard is in what it reads.
            let mut heard = inbox.take();
            if !read_once {
                heard.clear();
            }
            let mut read = quiet || !read_once;
            for word in heard {
                match word {
                    Some(change) if change.after == self.last() => {
                        if self.hand_on(&hub, &change.progress) {
                            return;
                        }
                    }
                    // Handed on already, by a read that came first.
                    Some(change) if change.after < self.last() => {}
                    // A change missed between the two, or a word naming the job.
                    _ => read = true,
                }
            }
            if !read {
                continue;
            }
            let reason = if read_once { "fan_out" } else { "catch_up" };
            crate::metrics::progress_read(reason);
            match hub.feed.progress(&self.job_id, self.last()).await {
                Ok(progress) => {
                    if self.hand_on(&hub, &progress) {
                        return;
                    }
                }
                Err(_) if !read_once => tokio::time::sleep(RETRY).await,
                Err(_) => {}
            }
        }
    }

    /// Whether the job has been read, and so is known to its watchers.
    fn read_once(&self) -> bool {
        self.publish.borrow().is_some()
    }

    /// The last event handed on; 0 before the first.
    fn last(&self) -> i64 {
        self.publish
            .borrow()
            .as_ref()
            .and_then(|known| known.events.last())
            .map_or(0, |e| e.seq)
    }

    /// Adds `progress` (the events after the last one handed on) to what is known and hands
    /// it to the watchers; true once the job has ended, when the hub forgets it. The first
    /// read is only made known: every watcher catches up from it.
    fn hand_on(&mut self, hub: &ProgressHub, progress: &JobProgress) -> bool {
        let finished = progress.job.is_finished();
        let after = self.last();
        let first = !self.read_once();
        // Copied only while a watcher still holds the previous version.
        self.publish.send_modify(|known| match known {
            Some(known) => {
                let known = Arc::make_mut(known);
                known.job = progress.job.clone();
                known.estimate_ms = progress.estimate_ms;
                known.events.extend(progress.events.iter().cloned());
            }
            None => *known = Some(Arc::new(progress.clone())),
        });
        let news = !progress.events.is_empty() || finished;
        if news && !first {
            if let Ok(json) = serde_json::to_string(progress) {
                let _ = self.changes.send(Change {
                    after,
                    progress: Arc::new(progress.clone()),
                    json: json.into(),
                });
            }
        }
        if finished {
            hub.forget(self.job_id.as_str());
        }
        finished
    }
}

#[cfg(test)]
mod tests;
