//! The public home page: what storefleet is, and the plans to start a store with.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::store_signup::signup_offer;
use crate::domain::signup::monthly_price;
use crate::domain::Plan;

/// What storefleet is, and the plans on offer.
#[component]
pub fn HomePage() -> impl IntoView {
    let offer = Resource::new(|| (), |_| signup_offer());
    view! {
        <Title text="storefleet · a store of your own, in seconds"/>
        <section class="hero">
            <h1>"A store of your own, running in seconds."</h1>
            <p class="lead">
                "Sign up, pick a subdomain and your store runs in a namespace of its own, "
                "with its own database and files. We keep it healthy, backed up and up to date."
            </p>
            <p>
                "Already a customer? "
                <A href="/login">"Log in"</A>
            </p>
        </section>
        <section class="plans" aria-label="Plans">
            <Suspense fallback=|| view! { <p>"Loading the plans…"</p> }>
                {move || Suspend::new(async move {
                    match offer.await {
                        Ok(offer) => {
                            let free = (!offer.billing).then(|| view! {
                                <p class="muted plans-note">
                                    "No payment needed: billing is off on this installation."
                                </p>
                            });
                            view! {
                                <div class="plan-grid">
                                    {offer.plans.into_iter().map(|plan| view! { <PlanCard plan/> }).collect_view()}
                                </div>
                                {free}
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

/// One plan: its name, price and quotas, and the way to start a store on it.
#[component]
fn PlanCard(plan: Plan) -> impl IntoView {
    let href = format!("/signup?plan={}", plan.name);
    let quota = plan.quota;
    view! {
        <article class="plan" data-testid="plan" data-plan=plan.name.clone()>
            <h2>{plan.display_name}</h2>
            <p class="price">{monthly_price(plan.monthly_price_cents)}</p>
            <ul class="quota">
                <li>{quota.cpu} " CPU"</li>
                <li>{quota.memory} " memory"</li>
                <li>{quota.storage} " storage"</li>
                <li>{quota.pods} " pods"</li>
            </ul>
            <A href=href>
                <span class="button">"Start your store"</span>
            </A>
        </article>
    }
}
