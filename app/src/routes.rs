//! The route table: which page each path shows. Pages render whole on the server
//! (`SsrMode::Async`), so they are complete without JavaScript.
//!
//! Every page but the home page is lazy: `cargo leptos build --split` puts each in a WASM chunk
//! of its own, fetched when the page is first shown or hydrated, so the first download holds
//! the router, the layout and the home page alone.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Routes},
    lazy_route, path, Lazy, LazyRoute, SsrMode,
};

use crate::pages::admin::{
    audit::AdminAuditPage, backups::AdminBackupsPage, catalog::AdminCatalogPage,
    overview::AdminOverviewPage, releases::AdminReleasesPage, rollout::AdminRolloutPage,
    rollouts::AdminRolloutsPage, system::AdminSystemPage, tenant::AdminTenantPage,
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

/// Declares a lazily loaded route for a page component. The page loads its own data, so the
/// route's data half is empty.
macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    StoreSignUpRoute => StoreSignUpPage,
    SignUpRoute => SignUpPage,
    LogInRoute => LogInPage,
    AccountRoute => AccountPage,
    StoreProgressRoute => StoreProgressPage,
    StoresRoute => StoresPage,
    StoreRoute => StorePage,
    AdminOverviewRoute => AdminOverviewPage,
    AdminUsersRoute => AdminUsersPage,
    AdminTenantsRoute => AdminTenantsPage,
    AdminTenantRoute => AdminTenantPage,
    AdminCatalogRoute => AdminCatalogPage,
    AdminAuditRoute => AdminAuditPage,
    AdminSystemRoute => AdminSystemPage,
    AdminBackupsRoute => AdminBackupsPage,
    AdminReleasesRoute => AdminReleasesPage,
    AdminRolloutsRoute => AdminRolloutsPage,
    AdminRolloutRoute => AdminRolloutPage,
}

/// Every page by its path.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
            <Route path=path!("/signup") view={Lazy::<StoreSignUpRoute>::new()} ssr=SsrMode::Async/>
            <Route
                path=path!("/signup/:subdomain/progress")
                view={Lazy::<StoreProgressRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route path=path!("/register") view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/login") view={Lazy::<LogInRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/stores") view={Lazy::<StoresRoute>::new()} ssr=SsrMode::Async/>
            <Route
                path=path!("/stores/:subdomain")
                view={Lazy::<StoreRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin")
                view={Lazy::<AdminOverviewRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/accounts")
                view={Lazy::<AdminUsersRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/tenants")
                view={Lazy::<AdminTenantsRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/tenants/:subdomain")
                view={Lazy::<AdminTenantRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/catalog")
                view={Lazy::<AdminCatalogRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/audit")
                view={Lazy::<AdminAuditRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/system")
                view={Lazy::<AdminSystemRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/backups")
                view={Lazy::<AdminBackupsRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/releases")
                view={Lazy::<AdminReleasesRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/rollouts")
                view={Lazy::<AdminRolloutsRoute>::new()}
                ssr=SsrMode::Async
            />
            <Route
                path=path!("/admin/rollouts/:id")
                view={Lazy::<AdminRolloutRoute>::new()}
                ssr=SsrMode::Async
            />
        </Routes>
    }
}
