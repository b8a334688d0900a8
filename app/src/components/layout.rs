//! The frame of every page: the banner, navigation, and the account actions pages share.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api::{simulated_cluster, whoami, LogOut};
use crate::components::current_user::CurrentUser;
use crate::components::nav::Nav;

/// The page frame, inside the router, around the routed page (`children`).
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let log_out = ServerAction::<LogOut>::new();
    let location = use_location();
    // Logging in or signing up ends in a navigation; logging out may not (from `/`).
    let user: CurrentUser = Resource::new(
        move || (location.pathname.get(), log_out.version().get()),
        |_| whoami(),
    );
    provide_context(user);
    provide_context(log_out);

    let simulated = Resource::new(|| (), |_| simulated_cluster());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                simulated.await.unwrap_or(false).then(|| view! {
                    <p class="banner" data-testid="simulated-banner">
                        "Simulated cluster: stores are emulated inside this server; nothing runs on Kubernetes. "
                        <a href="/admin/system#check-cluster">"How to connect a real cluster"</a>
                    </p>
                })
            })}
        </Transition>
        <Nav/>
        <main>
            {children()}
        </main>
    }
}
