//! The message under a form when its action failed.

use leptos::prelude::*;

use crate::error::AppError;

/// Shows the error of the last submission of a form's action, if it failed.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            view! {
                <p class="form-error" role="alert">
                    {error.to_string()}
                </p>
            }
        })
    }
}
