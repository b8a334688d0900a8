//! The API automations call with a bearer token (`Authorization: Bearer sf_…`), outside the
//! web UI's sessions: `POST /api/v1/releases` announces a release, `POST /api/v1/rollouts`
//! starts a rollout of one and `GET /api/v1/rollouts/{id}` follows it. Answers are JSON; a
//! refusal changes nothing.

use axum::body::Bytes;
use axum::extract::{Extension, Path};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use app::domain::rollout::NewRollout;
use app::domain::token::Scope;
use app::domain::{Actor, NewRelease};
use app::ports::ClientAddr;

use crate::releases::{ReleaseError, ReleaseService};
use crate::rollouts::{RolloutError, RolloutService};
use crate::tokens::{Refusal, TokenService};

/// The releases route.
pub const RELEASES: &str = "/api/v1/releases";
/// The rollouts route.
pub const ROLLOUTS: &str = "/api/v1/rollouts";

/// The services the token API uses.
#[derive(Clone)]
pub struct Api {
    /// Releases.
    pub releases: ReleaseService,
    /// Rollouts.
    pub rollouts: RolloutService,
    /// The tokens calls are checked against.
    pub tokens: TokenService,
}

/// The token API's routes.
pub fn routes<S: Clone + Send + Sync + 'static>(api: Api) -> Router<S> {
    let (for_release, for_rollout, for_show) = (api.clone(), api.clone(), api);
    Router::new()
        .route(
            RELEASES,
            post(
                move |Extension(client): Extension<ClientAddr>, headers: HeaderMap, body: Bytes| {
                    let api = for_release.clone();
                    async move { create_release(&api, &client, &headers, &body).await }
                },
            ),
        )
        .route(
            ROLLOUTS,
            post(
                move |Extension(client): Extension<ClientAddr>, headers: HeaderMap, body: Bytes| {
                    let api = for_rollout.clone();
                    async move { start_rollout(&api, &client, &headers, &body).await }
                },
            ),
        )
        .route(
            "/api/v1/rollouts/{id}",
            get(
                move |Extension(client): Extension<ClientAddr>,
                      headers: HeaderMap,
                      Path(id): Path<String>| {
                    let api = for_show.clone();
                    async move { show_rollout(&api, &client, &headers, &id).await }
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

/// The actor a call's token stands for, if it is valid and has `scope`; otherwise the answer
/// refusing it (401 with a challenge, or 403).
async fn authorise(
    tokens: &TokenService,
    client: &ClientAddr,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<Actor, Response> {
    match tokens.authenticate(bearer(headers), scope, &client.0).await {
        Ok(Ok(actor)) => Ok(actor),
        Ok(Err(Refusal::Unauthenticated)) => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "a valid API token is needed: Authorization: Bearer <token>",
            );
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, "Bearer".parse().expect("a valid header"));
            Err(response)
        }
        Ok(Err(Refusal::OutOfScope)) => Err(error(
            StatusCode::FORBIDDEN,
            &format!("this token lacks the scope {}", scope.as_str()),
        )),
        Err(cause) => {
            tracing::error!(error = %cause, "checking an API token failed");
            Err(error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))
        }
    }
}

async fn create_release(
    api: &Api,
    client: &ClientAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let actor = match authorise(&api.tokens, client, headers, Scope::ReleasesWrite).await {
        Ok(actor) => actor,
        Err(refusal) => return refusal,
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
    match api.releases.create(&actor, &release).await {
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

async fn start_rollout(
    api: &Api,
    client: &ClientAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let actor = match authorise(&api.tokens, client, headers, Scope::RolloutsWrite).await {
        Ok(actor) => actor,
        Err(refusal) => return refusal,
    };
    let request: NewRollout = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(cause) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "the body must be JSON: {{\"release\", \"blueprint\", \"plan\", \"stores\", \"options\"}} ({cause})"
                ),
            )
        }
    };
    match api.rollouts.start(&actor, &request).await {
        Ok(view) => (StatusCode::CREATED, Json(view)).into_response(),
        Err(problem) => rollout_error(&problem),
    }
}

async fn show_rollout(api: &Api, client: &ClientAddr, headers: &HeaderMap, id: &str) -> Response {
    if let Err(refusal) = authorise(&api.tokens, client, headers, Scope::RolloutsWrite).await {
        return refusal;
    }
    match api.rollouts.show(id).await {
        Ok(view) => Json(view).into_response(),
        Err(problem) => rollout_error(&problem),
    }
}

fn rollout_error(problem: &RolloutError) -> Response {
    let status = match problem {
        RolloutError::Busy(_) | RolloutError::Refused { .. } | RolloutError::NotMoved(_) => {
            StatusCode::CONFLICT
        }
        RolloutError::NotFound | RolloutError::NoStore(_) => StatusCode::NOT_FOUND,
        RolloutError::Db(cause) => {
            tracing::error!(error = %cause, "a rollout call failed");
            return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    error(status, &problem.to_string())
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
