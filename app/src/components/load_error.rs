//! What a page shows in place of its content when loading it failed, and the status it
//! answers with.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::error::AppError;

/// A visitor is asked to log in as an admin; any other error is shown as it is (a signed-in
/// customer is answered 403).
#[component]
pub fn AdminLoadError(error: AppError) -> impl IntoView {
    answer_page(&error);
    match error {
        AppError::Unauthenticated => {
            view! { <p>"Please " <A href="/login">"log in"</A> " as an admin."</p> }.into_any()
        }
        error => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
    }
}

/// While the page renders on the server, answers it 403 or 404 when its content is refused
/// to the viewer or does not exist. Other failures leave the page's status alone: a search
/// the page cannot run still shows the page, and a visitor who is not signed in gets the
/// prompt to log in.
pub fn answer_page(error: &AppError) {
    #[cfg(feature = "ssr")]
    if matches!(error, AppError::Forbidden | AppError::NotFound) {
        if let (Some(options), Ok(status)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::StatusCode::from_u16(error.status()),
        ) {
            options.set_status(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = error;
}
