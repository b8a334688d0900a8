//! The route table: which page each path shows. Pages render whole on the server
//! (`SsrMode::Async`), so they are complete without JavaScript.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Routes},
    path, SsrMode,
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

/// Every page by its path.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
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
            <Route path=path!("/admin") view=AdminOverviewPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/accounts") view=AdminUsersPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/tenants") view=AdminTenantsPage ssr=SsrMode::Async/>
            <Route
                path=path!("/admin/tenants/:subdomain")
                view=AdminTenantPage
                ssr=SsrMode::Async
            />
            <Route path=path!("/admin/catalog") view=AdminCatalogPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/audit") view=AdminAuditPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/system") view=AdminSystemPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/backups") view=AdminBackupsPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/releases") view=AdminReleasesPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/rollouts") view=AdminRolloutsPage ssr=SsrMode::Async/>
            <Route path=path!("/admin/rollouts/:id") view=AdminRolloutPage ssr=SsrMode::Async/>
        </Routes>
    }
}
