//! The live progress of a job as Server-Sent Events, pushed as the job changes (see
//! [`crate::jobs::hub`]). Each message carries the events after the last one sent (its `id`
//! is the last event's `seq`), so a reconnecting browser, which sends `Last-Event-ID`,
//! continues where it left off — also after a server restart, or on another server. A stream
//! reads nothing itself: it catches up from what the hub's reader knows of the job.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast;
use tower_sessions::Session;

use app::api::guard::USER_ID_KEY;
use app::domain::{JobId, JobProgress, UserId, UserView};
use app::error::AppError;

use super::AppState;
use crate::jobs::hub::{Change, Known, Subscription};

/// How long a stream waits for the job's first read before it ends (the browser then
/// reconnects).
const FIRST_READ: Duration = Duration::from_secs(10);

/// Reads in a row that may fail before the stream ends (the browser then reconnects).
const MAX_FAILED_READS: u32 = 20;

/// Where to start.
#[derive(Debug, Deserialize)]
pub struct After {
    /// The last event seen; 0 for all.
    #[serde(default)]
    after: i64,
}

/// `GET /api/jobs/{id}/events`: admins, and the owner of the job's tenant.
pub async fn job_events(
    State(state): State<AppState>,
    session: Session,
    Path(job_id): Path<JobId>,
    Query(query): Query<After>,
    headers: HeaderMap,
) -> Response {
    match allowed(&state, &session, &job_id).await {
        Ok(()) => {}
        Err(error) => return refusal(&error),
    }
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(query.after);
    Sse::new(updates(state, job_id, after))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The signed-in user of this session.
pub(super) async fn session_user(
    state: &AppState,
    session: &Session,
) -> Result<UserView, AppError> {
    let user_id: Option<String> = session
        .get(USER_ID_KEY)
        .await
        .map_err(|_| AppError::Internal)?;
    let user_id = user_id.ok_or(AppError::Unauthenticated)?;
    state
        .services
        .accounts
        .user(&UserId::new(user_id))
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// The refusal as an HTTP answer.
pub(super) fn refusal(error: &AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::FORBIDDEN);
    (status, error.to_string()).into_response()
}

async fn allowed(state: &AppState, session: &Session, job_id: &JobId) -> Result<(), AppError> {
    let user = session_user(state, session).await?;
    if user.is_admin() || state.services.jobs.job_owner(job_id).await? == Some(user.id) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A message whenever there are new events, and a last one when the job has ended. The
/// watcher subscribes to the job's changes first, then catches up, from `after`, on what the
/// hub knows of the job; from then on changes are pushed, and it catches up again only when
/// it missed one.
fn updates(
    state: AppState,
    job_id: JobId,
    after: i64,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let Subscription { changes, known } = state.progress.watch(&job_id);
    let watcher = Watcher {
        state,
        job_id,
        changes,
        known,
        after,
        behind: true,
    };
    stream::unfold(Some(watcher), |watcher| async move {
        let mut watcher = watcher?;
        let message = watcher.next().await?;
        let event = Event::default()
            .event("progress")
            .id(watcher.after.to_string())
            .data(&*message.json);
        Some((Ok(event), (!message.finished).then_some(watcher)))
    })
}

/// What a browser is sent: progress as JSON, and whether the job has ended with it.
struct Message {
    json: Arc<str>,
    finished: bool,
}

impl Message {
    fn of(progress: &JobProgress) -> Option<Self> {
        Some(Self {
            json: serde_json::to_string(progress).ok()?.into(),
            finished: progress.job.is_finished(),
        })
    }
}

/// One browser's view of a job: the last event it was sent, and whether it must catch up.
struct Watcher {
    state: AppState,
    job_id: JobId,
    changes: broadcast::Receiver<Change>,
    known: Known,
    after: i64,
    behind: bool,
}

impl Watcher {
    /// The next message: new events, or the job's end. `None` when the job cannot be read
    /// within [`FIRST_READ`], or what is known cannot be written as JSON (the stream ends,
    /// and the browser reconnects).
    async fn next(&mut self) -> Option<Message> {
        loop {
            if self.behind {
                self.behind = false;
                let known = tokio::time::timeout(FIRST_READ, self.known.wait_for(Option::is_some))
                    .await
                    .ok()?
                    .ok()?
                    .clone()?;
                if let Some(progress) = self.take(JobProgress::clone(&known)) {
                    return Message::of(&progress);
                }
                continue;
            }
            match self.changes.recv().await {
                Ok(change) if change.after > self.after => self.behind = true,
                // Up to date: the change is this browser's message as it is, already written.
                Ok(change) if change.after == self.after => {
                    if let Some(last) = change.progress.events.last() {
                        self.after = last.seq;
                    }
                    return Some(Message {
                        json: change.json,
                        finished: change.progress.job.is_finished(),
                    });
                }
                Ok(change) => {
                    if let Some(progress) = self.take(JobProgress::clone(&change.progress)) {
                        return Message::of(&progress);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => self.behind = true,
                // The job's reader has gone (the job ended, or it was briefly unwatched).
                Err(broadcast::error::RecvError::Closed) => {
                    let Subscription { changes, known } = self.state.progress.watch(&self.job_id);
                    (self.changes, self.known) = (changes, known);
                    self.behind = true;
                }
            }
        }
    }

    /// The part of `progress` this browser has not seen; `None` when that is nothing.
    fn take(&mut self, mut progress: JobProgress) -> Option<JobProgress> {
        progress.events.retain(|e| e.seq > self.after);
        if let Some(last) = progress.events.last() {
            self.after = last.seq;
        }
        (!progress.events.is_empty() || progress.job.is_finished()).then_some(progress)
    }
}

/// Reads with `read`, trying again every `pause` while it fails, up to a limit; `None` then
/// (the stream ends, and the browser reconnects).
pub(super) async fn read_patiently<T, E, F, Fut>(pause: Duration, read: F) -> Option<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    for _ in 0..MAX_FAILED_READS {
        if let Ok(value) = read().await {
            return Some(value);
        }
        tokio::time::sleep(pause).await;
    }
    read().await.ok()
}
