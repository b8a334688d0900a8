//! The frame of every page: navigation, routes, and the account actions they share.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Routes},
    hooks::use_location,
    path, SsrMode,
};

use crate::api::{simulated_cluster, whoami, LogOut};
use crate::components::nav::Nav;
use crate::domain::UserView;
use crate::error::AppError;
use crate::pages::admin::{
    audit::AdminAuditPage, catalog::AdminCatalogPage, tenant::AdminTenantPage,
    tenants::AdminTenantsPage, users::AdminUsersPage,
};
use crate::pages::{
    account::AccountPage,
    home::HomePage,
    log_in::LogInPage,
    not_found::NotFound,
    sign_up::SignUpPage,
    store_progress::StoreProgressPage,
    store_signup::StoreSignUpPage,
    stores::{StorePage, StoresPage},
};

/// The signed-in account (or none), reloaded on every navigation and after logging out.
pub type CurrentUser = Resource<Result<Option<UserView>, AppError>>;

/// The page frame, inside the router.
#[component]
pub fn Layout() -> impl IntoView {
    let log_out = ServerAction::<LogOut>::new();
    let location = use_location();
    // Logging in or signing up ends in a navigation; logging out may not (from `/`).
    let user: CurrentUser = Resource::new(
        move || (location.pathname.get(), log_out.version().get()),
        |_| whoami(),
    );
    provide_context(user);
    provide_context(log_out);
    mark_hydrated();

    // Pages render whole on the server (`Async`), so they are complete without JavaScript.
    let simulated = Resource::new(|| (), |_| simulated_cluster());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                simulated.await.unwrap_or(false).then(|| view! {
                    <p class="banner" data-testid="simulated-banner">
                        "Simulated cluster: stores are emulated inside this server; nothing runs on Kubernetes."
                    </p>
                })
            })}
        </Transition>
        <Nav/>
        <main>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=StoreSignUpPage ssr=SsrMode::Async/>
                <Route
                    path=path!("/signup/:subdomain/progress")
                    view=StoreProgressPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/register") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LogInPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/stores") view=StoresPage ssr=SsrMode::Async/>
                <Route path=path!("/stores/:subdomain") view=StorePage ssr=SsrMode::Async/>
                <Route path=path!("/admin") view=AdminUsersPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/tenants") view=AdminTenantsPage ssr=SsrMode::Async/>
                <Route
                    path=path!("/admin/tenants/:subdomain")
                    view=AdminTenantPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/admin/catalog") view=AdminCatalogPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/audit") view=AdminAuditPage ssr=SsrMode::Async/>
            </Routes>
        </main>
    }
}

/// Marks the document once the WASM has taken over, so tests (and styles) can tell.
fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
