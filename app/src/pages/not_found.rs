//! The page for an address that leads nowhere.

use leptos::prelude::*;
use leptos_meta::Title;

/// Says the page does not exist, with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found · storefleet"/>
        <section class="card">
            <NothingHere/>
        </section>
    }
}

/// The not-found message, with status 404, for a page that draws its own frame around it.
#[component]
pub fn NothingHere() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address."</p>
    }
}
