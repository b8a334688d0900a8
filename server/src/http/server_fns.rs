//! The edge of the server functions: a failed call answered with its error's status, even
//! when it failed before the function ran.

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

use app::error::AppError;

/// Middleware around the server functions (and the pages beside them): gives a failed call
/// its error's status.
pub async fn answer(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    with_error_status(response).await
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

/// Sets the status an error answers with.
fn stamp(response: &mut axum::http::response::Parts, error: &AppError) {
    response.status =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
}
