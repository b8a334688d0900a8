//! A rollout, live, as Server-Sent Events for admins: the whole view whenever it changes, and
//! a last one once nothing in it moves any more. A reconnecting browser simply gets the view
//! as it is now, so nothing is lost across a restart.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use tower_sessions::Session;

use app::error::AppError;

use super::progress::{read_patiently, refusal, session_user};
use super::AppState;

/// How often the rollout is read again.
const POLL: Duration = Duration::from_millis(500);

/// `GET /api/rollouts/{id}/events`: admins only.
pub async fn rollout_events(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let admitted = match session_user(&state, &session).await {
        Ok(user) if user.is_admin() => state.services.fleet.rollout(&id).await.map(|_| ()),
        Ok(_) => Err(AppError::NotFound),
        Err(error) => Err(error),
    };
    if let Err(error) = admitted {
        return refusal(&error);
    }
    Sse::new(updates(state, id))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Where the stream stands: the last text sent, or `None` once it has sent the last one.
type Sent = Option<String>;

fn updates(state: AppState, id: String) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(Some(Sent::None), move |cursor: Option<Sent>| {
        let state = state.clone();
        let id = id.clone();
        async move {
            let last = cursor?;
            loop {
                let view = read_patiently(POLL, || state.services.fleet.rollout(&id)).await?;
                let Ok(text) = serde_json::to_string(&view) else {
                    return None;
                };
                if last.as_deref() != Some(text.as_str()) {
                    let event = Event::default().event("rollout").data(text.clone());
                    let next = view.is_moving().then_some(Some(text));
                    return Some((Ok(event), next));
                }
                if !view.is_moving() {
                    return None;
                }
                tokio::time::sleep(POLL).await;
            }
        }
    })
}
