//! Creating an account.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::SignUp;
use crate::components::form_error::FormError;
use crate::domain::password::MIN_LEN;

/// The sign-up form; works as a plain form post and, once hydrated, without a reload.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Sign up · storefleet"/>
        <section class="card">
            <h1>"Create your account"</h1>
            <ActionForm action=action attr:data-testid="signup-form">
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="email" required/>
                </label>
                <label>
                    "Password"
                    <input
                        type="password"
                        name="password"
                        autocomplete="new-password"
                        minlength=MIN_LEN
                        required
                    />
                    <small>"At least 12 characters, and not your email address."</small>
                </label>
                <FormError error/>
                <button type="submit" disabled=move || action.pending().get()>
                    "Sign up"
                </button>
            </ActionForm>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}
