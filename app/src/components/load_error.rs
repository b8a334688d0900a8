//! What an admin page shows in place of its content when loading it failed.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::error::AppError;

/// A visitor is asked to log in as an admin; any other error is shown as it is.
#[component]
pub fn AdminLoadError(error: AppError) -> impl IntoView {
    match error {
        AppError::Unauthenticated => {
            view! { <p>"Please " <A href="/login">"log in"</A> " as an admin."</p> }.into_any()
        }
        error => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
    }
}
