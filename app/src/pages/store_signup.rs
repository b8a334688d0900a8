//! Starting a store: its name, subdomain and plan, and an account for a new customer.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::store_signup::{signup_offer, CreateStore, SignupOfferData};
use crate::components::current_user::CurrentUser;
use crate::components::form_error::FormError;
use crate::components::subdomain_field::SubdomainField;
use crate::domain::password::MIN_LEN;
use crate::domain::signup::{monthly_price, STORE_NAME_MAX_LEN};
use crate::domain::UserView;

/// The store sign-up form; the plan comes preselected from `?plan=`. Works as a plain form
/// post and, once hydrated, with a live subdomain check and without a reload.
#[component]
pub fn StoreSignUpPage() -> impl IntoView {
    // Created here, inside the routes, so that its error shows after a post without JavaScript.
    let action = ServerAction::<CreateStore>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let query = use_query_map();
    let chosen = move || query.with(|q| q.get("plan").unwrap_or_default());
    let user = expect_context::<CurrentUser>();
    let offer = Resource::new(|| (), |_| signup_offer());

    view! {
        <Title text="Start your store · storefleet"/>
        <section class="card">
            <h1>"Start your store"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let offer = match offer.await {
                        Ok(offer) => offer,
                        Err(error) => {
                            return view! { <p class="form-error">{error.to_string()}</p> }.into_any();
                        }
                    };
                    let signed_in = user.await.ok().flatten();
                    view! {
                        <ActionForm action=action attr:data-testid="store-signup-form">
                            <StoreFields offer=offer.clone() chosen=chosen()/>
                            <AccountFields signed_in/>
                            <FormError error/>
                            <button type="submit" disabled=move || action.pending().get()>
                                {if offer.billing { "Continue to payment" } else { "Create my store" }}
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                })}
            </Suspense>
        </section>
    }
}

/// Plan, store name and subdomain.
#[component]
fn StoreFields(offer: SignupOfferData, chosen: String) -> impl IntoView {
    let first = offer
        .plans
        .first()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let selected = if offer.plans.iter().any(|p| p.name == chosen) {
        chosen
    } else {
        first
    };
    let options = offer
        .plans
        .into_iter()
        .map(|plan| {
            let label = format!(
                "{} · {}",
                plan.display_name,
                monthly_price(plan.monthly_price_cents)
            );
            let is_selected = plan.name == selected;
            view! { <option value=plan.name selected=is_selected>{label}</option> }
        })
        .collect_view();
    view! {
        <label>
            "Plan"
            <select name="plan" required>{options}</select>
        </label>
        <label>
            "Store name"
            <input name="store_name" maxlength=STORE_NAME_MAX_LEN required autocomplete="organization"/>
        </label>
        <SubdomainField base_domain=offer.base_domain/>
    }
}

/// Email and password for a visitor, who gets an account with the store; a signed-in
/// customer is told whose store it will be.
#[component]
fn AccountFields(signed_in: Option<UserView>) -> impl IntoView {
    match signed_in {
        Some(user) => view! {
            <p class="muted" data-testid="signup-owner">"The store will be yours, " {user.email} "."</p>
        }
            .into_any(),
        None => view! {
            <fieldset class="account-fields">
                <legend>"Your account"</legend>
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
                <p class="muted">"Already have an account? " <A href="/login">"Log in"</A> " first."</p>
            </fieldset>
        }
            .into_any(),
    }
}
