//! The frame of every page: navigation, routes, and the account actions they share.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Routes},
    path, SsrMode,
};

use crate::api::{whoami, LogIn, LogOut, SignUp};
use crate::components::nav::Nav;
use crate::domain::UserView;
use crate::error::AppError;
use crate::pages::{
    account::AccountPage, admin::users::AdminUsersPage, home::HomePage, log_in::LogInPage,
    not_found::NotFound, sign_up::SignUpPage,
};

/// The account actions, shared so that the navigation bar refreshes after any of them.
#[derive(Clone, Copy)]
pub struct AuthActions {
    /// Signing in.
    pub log_in: ServerAction<LogIn>,
    /// Creating an account.
    pub sign_up: ServerAction<SignUp>,
    /// Signing out.
    pub log_out: ServerAction<LogOut>,
}

/// The signed-in account (or none), reloaded after every account action.
pub type CurrentUser = Resource<Result<Option<UserView>, AppError>>;

/// The page frame, inside the router.
#[component]
pub fn Layout() -> impl IntoView {
    let actions = AuthActions {
        log_in: ServerAction::new(),
        sign_up: ServerAction::new(),
        log_out: ServerAction::new(),
    };
    provide_context(actions);
    let user: CurrentUser = Resource::new(
        move || {
            (
                actions.log_in.version().get(),
                actions.sign_up.version().get(),
                actions.log_out.version().get(),
            )
        },
        |_| whoami(),
    );
    provide_context(user);
    mark_hydrated();

    // Pages render whole on the server (`Async`), so they are complete without JavaScript.
    view! {
        <Nav/>
        <main>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LogInPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/admin") view=AdminUsersPage ssr=SsrMode::Async/>
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
