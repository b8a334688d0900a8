//! The edge of the server functions: the body read within the limit, and a failed call
//! answered with its error's status, even when it failed before the function ran.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use leptos::server_fn::error::{FromServerFnError, SERVER_FN_ERROR_HEADER};

use app::error::AppError;

/// The largest request body the server reads, in bytes.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Middleware around the server functions (and the pages beside them): reads the body
/// within [`BODY_LIMIT`], answering 413 past it, and gives a failed call its error's status.
pub async fn answer(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(cause) => {
            let error = if cause.is::<LengthLimitError>() {
                AppError::TooLarge
            } else {
                tracing::info!(error = %cause, "reading a request body failed");
                AppError::Transport("the request body could not be read".to_owned())
            };
            return failed(parts.uri.path(), &error);
        }
    };
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    with_error_status(response).await
}

/// A failed call's answer, shaped as the server functions shape theirs.
fn failed(path: &str, error: &AppError) -> Response {
    let (mut parts, body) = ([(header::CONTENT_TYPE, "application/json")], error.ser())
        .into_response()
        .into_parts();
    if let Ok(path) = HeaderValue::from_str(path) {
        parts.headers.insert(SERVER_FN_ERROR_HEADER, path);
    }
    stamp(&mut parts, error);
    Response::from_parts(parts, body)
}

/// Gives a failed call the status of its error. Server functions answer 500 for any error
/// raised before their body runs (an argument that does not decode, a missing field), and
/// their body sets the status only for what it returns. A plain form post's redirect back
/// to its page is left alone.
async fn with_error_status(response: Response) -> Response {
    if !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
        || response.status().is_redirection()
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = body.collect().await.map(|c| c.to_bytes()) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        stamp(&mut parts, &error);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Sets the status an error answers with and, when it says when to ask again, `Retry-After`.
fn stamp(response: &mut axum::http::response::Parts, error: &AppError) {
    response.status =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(secs) = error.retry_after_secs() {
        response
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
}
