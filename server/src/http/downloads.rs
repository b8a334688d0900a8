//! `GET /stores/{subdomain}/backups/{id}/download`: the store's owner, and nobody else (not
//! even an admin: the data is the customer's), is sent to a short-lived link to the stored
//! backup. Anyone else finds nothing here. Every link handed out is audited.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tower_sessions::Session;

use app::domain::Actor;
use app::error::AppError;
use app::ports::ClientAddr;

use super::progress::{refusal, session_user};
use super::AppState;

/// Redirects the store's owner to a download link for the backup.
pub async fn backup_download(
    State(state): State<AppState>,
    session: Session,
    Extension(client): Extension<ClientAddr>,
    Path((subdomain, backup_id)): Path<(String, String)>,
) -> Response {
    match link(&state, &session, &client, &subdomain, &backup_id).await {
        Ok(link) => (
            axum::http::StatusCode::SEE_OTHER,
            [
                (header::LOCATION, link),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
        )
            .into_response(),
        Err(error) => refusal(&error),
    }
}

async fn link(
    state: &AppState,
    session: &Session,
    client: &ClientAddr,
    subdomain: &str,
    backup_id: &str,
) -> Result<String, AppError> {
    let user = session_user(state, session).await?;
    let owner = state.services.stores.owner_id(subdomain).await?;
    if owner.as_ref() != Some(&user.id) {
        return Err(AppError::NotFound);
    }
    let actor = Actor::user(&user, &client.0);
    state
        .services
        .backups
        .download_link(&actor, subdomain, backup_id)
        .await
}
