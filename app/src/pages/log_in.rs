//! Signing in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::LogIn;
use crate::components::form_error::FormError;

/// The log-in form; works as a plain form post and, once hydrated, without a reload.
#[component]
pub fn LogInPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Log in · storefleet"/>
        <section class="card">
            <h1>"Log in"</h1>
            <ActionForm action=action attr:data-testid="login-form">
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="username" required/>
                </label>
                <label>
                    "Password"
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                    />
                </label>
                <FormError error/>
                <button type="submit" disabled=move || action.pending().get()>
                    "Log in"
                </button>
            </ActionForm>
            <p>"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
