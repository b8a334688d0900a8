//! The API automations call with a bearer token (`Authorization: Bearer sf_…`), outside the
//! web UI's sessions: `POST /api/v1/releases` announces a release. Answers are JSON; a
//! refusal changes nothing.

use axum::body::Bytes;
use axum::extract::Extension;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use app::domain::token::Scope;
use app::domain::NewRelease;
use app::ports::ClientAddr;

use crate::releases::{ReleaseError, ReleaseService};
use crate::tokens::{Refusal, TokenService};

/// The releases route.
pub const RELEASES: &str = "/api/v1/releases";

/// The token API's routes.
pub fn routes<S: Clone + Send + Sync + 'static>(
    releases: ReleaseService,
    tokens: TokenService,
) -> Router<S> {
    Router::new().route(
        RELEASES,
        post(
            move |Extension(client): Extension<ClientAddr>, headers: HeaderMap, body: Bytes| {
                let (releases, tokens) = (releases.clone(), tokens.clone());
                async move { create_release(&releases, &tokens, &client, &headers, &body).await }
            },
        ),
    )
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// The token of `Authorization: Bearer <token>`, if the header is there in that form.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

async fn create_release(
    releases: &ReleaseService,
    tokens: &TokenService,
    client: &ClientAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let actor = match tokens
        .authenticate(bearer(headers), Scope::ReleasesWrite, &client.0)
        .await
    {
        Ok(Ok(actor)) => actor,
        Ok(Err(Refusal::Unauthenticated)) => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "a valid API token is needed: Authorization: Bearer <token>",
            );
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, "Bearer".parse().expect("a valid header"));
            return response;
        }
        Ok(Err(Refusal::OutOfScope)) => {
            return error(
                StatusCode::FORBIDDEN,
                &format!(
                    "this token lacks the scope {}",
                    Scope::ReleasesWrite.as_str()
                ),
            )
        }
        Err(cause) => {
            tracing::error!(error = %cause, "checking an API token failed");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
    };
    let release: NewRelease = match serde_json::from_slice(body) {
        Ok(release) => release,
        Err(cause) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "the body must be JSON: {{\"blueprint\", \"name\", \"images\": {{component: tag}}, \"notes\"}} ({cause})"
                ),
            )
        }
    };
    match releases.create(&actor, &release).await {
        Ok(view) => (StatusCode::CREATED, Json(view)).into_response(),
        Err(problem @ (ReleaseError::Invalid(_) | ReleaseError::NoBlueprint(_))) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, &problem.to_string())
        }
        Err(problem @ ReleaseError::Exists { .. }) => {
            error(StatusCode::CONFLICT, &problem.to_string())
        }
        Err(ReleaseError::Db(cause)) => {
            tracing::error!(error = %cause, "storing a release failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_a_bearer_token() {
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, value.parse().unwrap());
            headers
        };
        assert_eq!(bearer(&headers("Bearer sf_abc")), Some("sf_abc"));
        assert_eq!(bearer(&headers("bearer  sf_abc ")), Some("sf_abc"));
        assert_eq!(bearer(&headers("Basic dXNlcjpwYXNz")), None);
        assert_eq!(bearer(&headers("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
