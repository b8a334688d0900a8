//! The storefleet web UI: pages, components, server functions and the domain types the
//! browser and the server share. Compiles into the server (`ssr`) and to WASM (`hydrate`).
// The lazy routes hydrate asynchronously, and the deepest pages nest further than the default
// limit when the compiler lays out their futures.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
pub mod routes;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::Router;

pub use components::layout::Layout;
use routes::AppRoutes;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Hydrates the server-rendered page, the routed page's lazy chunk included, then marks the
/// document (`body[data-hydrated]`) so tests and styles can tell the WASM has taken over.
#[cfg(feature = "hydrate")]
pub async fn hydrate() {
    let Some(body) = document().body() else {
        return;
    };
    leptos::mount::hydrate_from_async(body.clone(), App)
        .await
        .forget();
    let _ = body.set_attribute("data-hydrated", "true");
}

/// The root component, shared by server rendering and hydration.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/storefleet.css"/>
        <Title text="storefleet"/>
        <Router>
            <Layout>
                <AppRoutes/>
            </Layout>
        </Router>
    }
}
