//! The public home page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// What storefleet is, and the way in.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="storefleet · a store of your own, in seconds"/>
        <section class="hero">
            <h1>"A store of your own, running in seconds."</h1>
            <p class="lead">
                "Sign up, pick a subdomain and your store runs in a namespace of its own, "
                "with its own database and files. We keep it healthy, backed up and up to date."
            </p>
            <p>
                <A href="/signup">
                    <span class="button">"Create an account"</span>
                </A>
                " or "
                <A href="/login">"log in"</A>
            </p>
        </section>
    }
}
