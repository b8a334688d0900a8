//! The signed-in customer's account page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::account;
use crate::components::when::When;
use crate::error::AppError;

/// The account's details; a visitor is asked to log in.
#[component]
pub fn AccountPage() -> impl IntoView {
    let details = Resource::new(|| (), |_| account());
    view! {
        <Title text="Your account · storefleet"/>
        <section class="card">
            <h1>"Your account"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(user) => {
                            view! {
                                <dl class="facts">
                                    <dt>"Email"</dt>
                                    <dd data-testid="account-email">{user.email}</dd>
                                    <dt>"Role"</dt>
                                    <dd>{user.role.as_str()}</dd>
                                    <dt>"Member since"</dt>
                                    <dd><When at=user.created_at/></dd>
                                </dl>
                                <p class="muted">"Your stores will be listed here."</p>
                            }
                                .into_any()
                        }
                        Err(AppError::Unauthenticated) => {
                            view! {
                                <p>"Please " <A href="/login">"log in"</A> " to see your account."</p>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
