//! The hub against a feed over a job in memory, counting its reads.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use tokio::time::timeout;

use app::domain::{EventKind, JobEventView, JobState, JobView, UserId};
use app::error::AppError;

use super::*;

const JOB: &str = "job-1";

/// A job's whole progress; every read is counted.
struct Feed {
    job: Mutex<JobProgress>,
    reads: AtomicUsize,
}

impl Feed {
    fn with_events(count: i64) -> Arc<Self> {
        let feed = Arc::new(Self {
            job: Mutex::new(JobProgress {
                job: JobView {
                    id: JobId::new(JOB),
                    kind: "provision".to_owned(),
                    state: JobState::Running,
                    steps_done: 0,
                    steps_total: 3,
                    step_titles: vec!["One".into(), "Two".into(), "Three".into()],
                    last_error: None,
                    created_at: 0,
                    finished_at: None,
                },
                events: Vec::new(),
                estimate_ms: None,
            }),
            reads: AtomicUsize::new(0),
        });
        for _ in 0..count {
            feed.commit(false);
        }
        feed
    }

    /// Stores one more event (the last, when `finish`), and returns the change as its
    /// recorder would say it.
    fn commit(&self, finish: bool) -> Recorded {
        let mut job = self.job.lock().unwrap();
        let seq = job.events.len() as i64 + 1;
        job.events.push(event(seq));
        if finish {
            job.job.state = JobState::Succeeded;
            job.job.finished_at = Some(seq);
        }
        Recorded {
            after: seq - 1,
            progress: JobProgress {
                job: job.job.clone(),
                events: vec![event(seq)],
                estimate_ms: None,
            },
        }
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

fn event(seq: i64) -> JobEventView {
    JobEventView {
        seq,
        at: seq,
        step: 0,
        step_name: "one".to_owned(),
        kind: EventKind::Started,
        message: format!("event {seq}"),
    }
}

#[async_trait]
impl JobProgressFeed for Feed {
    async fn progress(&self, _job_id: &JobId, after: i64) -> Result<JobProgress, AppError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let mut progress = self.job.lock().unwrap().clone();
        progress.events.retain(|e| e.seq > after);
        Ok(progress)
    }

    async fn job_owner(&self, _job_id: &JobId) -> Result<Option<UserId>, AppError> {
        Ok(None)
    }
}

/// A hub whose fallback reads never come within a test.
fn hub(feed: &Arc<Feed>) -> (Arc<ProgressHub>, JobSignals) {
    let signals = JobSignals::local();
    let feed: Arc<dyn JobProgressFeed> = feed.clone();
    let hub = ProgressHub::start(feed, &signals, Duration::from_secs(3600));
    (hub, signals)
}

/// What is known of the job once it holds `events` events.
async fn known_with(known: &mut Known, events: usize) -> Arc<JobProgress> {
    timeout(
        Duration::from_secs(5),
        known.wait_for(|k| k.as_ref().is_some_and(|k| k.events.len() == events)),
    )
    .await
    .expect("the reader never knew that much")
    .unwrap()
    .clone()
    .unwrap()
}

async fn next(changes: &mut broadcast::Receiver<Change>) -> Change {
    timeout(Duration::from_secs(5), changes.recv())
        .await
        .expect("no change came")
        .unwrap()
}

fn seqs(change: &Change) -> Vec<i64> {
    change.progress.events.iter().map(|e| e.seq).collect()
}

#[tokio::test]
async fn watchers_catch_up_on_one_read_and_get_changes_said_whole_without_another() {
    let feed = Feed::with_events(2);
    let (hub, signals) = hub(&feed);
    let mut first = hub.watch(&JobId::new(JOB));
    let mut second = hub.watch(&JobId::new(JOB));
    assert_eq!(known_with(&mut first.known, 2).await.events.len(), 2);
    assert_eq!(known_with(&mut second.known, 2).await.events.len(), 2);
    assert_eq!(feed.reads(), 1, "one read for both watchers");

    signals.recorded(feed.commit(false));
    for watcher in [&mut first, &mut second] {
        let change = next(&mut watcher.changes).await;
        assert_eq!((change.after, seqs(&change)), (2, vec![3]));
        assert!(change.json.contains("event 3"), "{}", change.json);
    }
    let mut late = hub.watch(&JobId::new(JOB));
    assert_eq!(known_with(&mut late.known, 3).await.events.len(), 3);
    assert_eq!(
        feed.reads(),
        1,
        "the change and the late watcher need no read"
    );
}

#[tokio::test]
async fn a_change_that_does_not_follow_the_last_one_is_read_with_what_was_missed() {
    let feed = Feed::with_events(1);
    let (hub, signals) = hub(&feed);
    let mut watcher = hub.watch(&JobId::new(JOB));
    known_with(&mut watcher.known, 1).await;
    let _missed = feed.commit(false);
    signals.recorded(feed.commit(false));
    let change = next(&mut watcher.changes).await;
    assert_eq!((change.after, seqs(&change)), (1, vec![2, 3]));
    assert_eq!(feed.reads(), 2);

    signals.changed(JOB).await;
    timeout(Duration::from_secs(5), async {
        while feed.reads() < 3 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("a word naming the job is read");
    signals.recorded(feed.commit(true));
    let change = next(&mut watcher.changes).await;
    assert_eq!((change.after, seqs(&change)), (3, vec![4]));
    assert!(change.progress.job.is_finished());
    assert_eq!(feed.reads(), 3, "the last change came whole");
    assert!(
        hub.watched.lock().unwrap().is_empty(),
        "an ended job is forgotten"
    );
}
