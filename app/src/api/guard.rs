//! Server-side helpers every server function uses: the session, the caller, and the status
//! an error answers with.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::domain::{Actor, UserId, UserView};
use crate::error::AppError;
use crate::ports::{ClientAddr, Services};

/// The session key under which the signed-in account's id is kept.
pub const USER_ID_KEY: &str = "user_id";

/// The session key holding when the session's record and cookie were last renewed, in
/// seconds since the Unix epoch.
const RENEWED_AT_KEY: &str = "renewed_at";

/// How often an active session is renewed. The session layer stores a session, and sends
/// its cookie with a new expiry, only when its data changes: without a renewal, a session
/// would end `session_idle_days` after sign-in however active it was. Renewing once a day
/// keeps the idle limit within a day of what is configured for one write a day.
const RENEW_EVERY_SECONDS: i64 = 24 * 60 * 60;

/// The services the server provided.
pub fn services() -> Result<Arc<Services>, AppError> {
    use_context::<Arc<Services>>().ok_or_else(|| {
        tracing::error!("services missing from context");
        AppError::Internal
    })
}

/// The caller's session.
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|_| {
        tracing::error!("session layer missing");
        AppError::Internal
    })
}

/// Where the request came from.
pub fn client_addr() -> ClientAddr {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddr>().cloned())
        .unwrap_or_else(|| ClientAddr("unknown".to_owned()))
}

/// The signed-in account as the actor of what it does, from the request's address.
pub fn actor(user: &UserView) -> Actor {
    Actor::user(user, &client_addr().0)
}

/// The signed-in account of one request, once it has been read. A page calls several
/// server functions while it renders, often at once, and each asks who is signed in: the
/// server provides one of these per request, and the first to ask reads the account while
/// the others wait for its answer, so the account is read once.
#[derive(Clone, Default)]
pub struct SignedIn(Arc<tokio::sync::Mutex<Option<Option<UserView>>>>);

/// Forgets who this request found signed in: the session is about to change.
async fn forget_signed_in() {
    if let Some(signed_in) = use_context::<SignedIn>() {
        *signed_in.0.lock().await = None;
    }
}

/// The signed-in account, if any. A session whose account is gone counts as signed out.
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    let Some(signed_in) = use_context::<SignedIn>() else {
        return read_current_user().await;
    };
    let mut known = signed_in.0.lock().await;
    if let Some(user) = known.as_ref() {
        return Ok(user.clone());
    }
    let user = read_current_user().await?;
    *known = Some(user.clone());
    Ok(user)
}

async fn read_current_user() -> Result<Option<UserView>, AppError> {
    let session = session().await?;
    let id: Option<String> = session.get(USER_ID_KEY).await.map_err(|e| {
        tracing::error!(error = %e, "reading the session failed");
        AppError::Internal
    })?;
    let Some(id) = id else {
        return Ok(None);
    };
    let user = services()?.accounts.user(&UserId::new(id)).await?;
    if user.is_some() {
        keep_alive(&session).await?;
    }
    Ok(user)
}

/// Renews the signed-in session when its last renewal is a day old: its record's expiry and
/// its cookie's move to `session_idle_days` from now.
async fn keep_alive(session: &Session) -> Result<(), AppError> {
    let renewed_at: Option<i64> = session.get(RENEWED_AT_KEY).await.unwrap_or_default();
    let now = unix_now();
    if renewal_due(renewed_at, now) {
        session
            .insert(RENEWED_AT_KEY, now)
            .await
            .map_err(session_failed)?;
    }
    Ok(())
}

/// Whether a session last renewed at `renewed_at` is due for renewal at `now`.
fn renewal_due(renewed_at: Option<i64>, now: i64) -> bool {
    renewed_at.is_none_or(|at| now - at >= RENEW_EVERY_SECONDS)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// The signed-in account, or 401.
pub async fn require_user() -> Result<UserView, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

/// The signed-in account if it may see and change this tenant: an admin, or the tenant's
/// owner. Anyone else gets 404, as if the tenant did not exist.
pub async fn require_tenant_access(subdomain: &str) -> Result<UserView, AppError> {
    tracing::Span::current().record("tenant.subdomain", subdomain);
    let user = require_user().await?;
    if user.is_admin() {
        return Ok(user);
    }
    let owner = services()?.stores.owner_id(subdomain).await?;
    if owner.as_ref() == Some(&user.id) {
        Ok(user)
    } else {
        Err(AppError::NotFound)
    }
}

/// The signed-in admin, or 401 when signed out and 403 for anyone else.
pub async fn require_admin() -> Result<UserView, AppError> {
    let user = require_user().await?;
    if user.is_admin() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Sets the HTTP status of a failed call for API clients. A plain HTML form post is left
/// alone: it must stay a redirect back to its page, which shows the error. So is a call made
/// while rendering a page: the page itself shows the error.
pub fn answer<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        if is_api_call() && !is_plain_form_post() {
            if let (Some(options), Ok(status)) = (
                use_context::<ResponseOptions>(),
                http::StatusCode::from_u16(error.status()),
            ) {
                options.set_status(status);
            }
        }
    }
    result
}

/// Whether this request called a server function over HTTP (rather than rendering a page).
fn is_api_call() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| parts.uri.path().starts_with("/api/"))
}

/// Whether this request is a browser form submission without JavaScript.
pub fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Signs the account in: a new session id (so a planted one is worthless) holding its id.
pub async fn start_session(user: &UserView) -> Result<(), AppError> {
    forget_signed_in().await;
    let session = session().await?;
    session.cycle_id().await.map_err(session_failed)?;
    session
        .insert(USER_ID_KEY, &user.id)
        .await
        .map_err(session_failed)?;
    session
        .insert(RENEWED_AT_KEY, unix_now())
        .await
        .map_err(session_failed)?;
    Ok(())
}

/// Signs out: the session's data is cleared and its record deleted.
pub async fn end_session() -> Result<(), AppError> {
    forget_signed_in().await;
    session().await?.flush().await.map_err(session_failed)
}

fn session_failed(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %error, "session store failed");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = RENEW_EVERY_SECONDS;

    #[test]
    fn a_session_is_renewed_once_a_day() {
        let now = 1_800_000_000;
        assert!(renewal_due(None, now), "never renewed");
        assert!(!renewal_due(Some(now), now), "renewed just now");
        assert!(
            !renewal_due(Some(now - DAY + 1), now),
            "renewed less than a day ago"
        );
        assert!(renewal_due(Some(now - DAY), now), "renewed a day ago");
    }
}
