//! The navigation bar: who is signed in and where they can go.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::LogOut;
use crate::components::current_user::CurrentUser;

/// Links for a visitor, or the account's links and a log-out button.
#[component]
pub fn Nav() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let log_out = expect_context::<ServerAction<LogOut>>();
    view! {
        <nav class="nav">
            <A href="/">
                <span class="brand">"storefleet"</span>
            </A>
            <span class="spacer"></span>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => {
                            let admin = user.is_admin();
                            view! {
                                <span class="who" data-testid="nav-email">{user.email}</span>
                                <A href="/stores">"Stores"</A>
                                <A href="/account">"Account"</A>
                                <Show when=move || admin>
                                    <A href="/admin" exact=true>"Overview"</A>
                                    <A href="/admin/tenants">"Tenants"</A>
                                    <A href="/admin/rollouts">"Rollouts"</A>
                                    <A href="/admin/releases">"Releases"</A>
                                    <A href="/admin/backups">"Backups"</A>
                                    <A href="/admin/catalog">"Plans"</A>
                                    <A href="/admin/accounts">"Accounts"</A>
                                    <A href="/admin/audit">"Audit log"</A>
                                    <A href="/admin/system">"System"</A>
                                </Show>
                                <ActionForm action=log_out attr:class="inline">
                                    <button type="submit" class="link">"Log out"</button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        _ => {
                            view! {
                                <A href="/login">"Log in"</A>
                                <A href="/signup">"Sign up"</A>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </nav>
    }
}
