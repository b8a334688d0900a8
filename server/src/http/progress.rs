//! The live progress of a job as Server-Sent Events. Each message carries the events after
//! the last one sent (its `id` is the last event's `seq`), so a reconnecting browser, which
//! sends `Last-Event-ID`, continues where it left off — also after a server restart.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tower_sessions::Session;

use app::api::guard::USER_ID_KEY;
use app::domain::{JobId, UserId, UserView};
use app::error::AppError;

use super::AppState;

/// How often the database is read for new events.
const POLL: Duration = Duration::from_millis(300);
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

/// A message whenever there are new events, and a last one when the job has ended.
fn updates(
    state: AppState,
    job_id: JobId,
    after: i64,
) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(Some(after), move |cursor| {
        let state = state.clone();
        let job_id = job_id.clone();
        async move {
            let mut after = cursor?;
            loop {
                let progress =
                    read_patiently(POLL, || state.services.jobs.progress(&job_id, after)).await?;
                let finished = progress.job.is_finished();
                if let Some(last) = progress.events.last() {
                    after = last.seq;
                }
                if !progress.events.is_empty() || finished {
                    let event = Event::default()
                        .event("progress")
                        .id(after.to_string())
                        .json_data(&progress)
                        .unwrap_or_else(|_| Event::default().event("error"));
                    return Some((Ok(event), (!finished).then_some(after)));
                }
                tokio::time::sleep(POLL).await;
            }
        }
    })
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
