//! A new store being built, as its owner watches it: waiting for the payment, then its
//! provisioning live, then its address.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::store_signup::{store_progress, PayForStore, StoreProgressData};
use crate::components::form_error::FormError;
use crate::components::progress::JobProgressView;
use crate::domain::TenantState;
use crate::error::AppError;
use crate::pages::not_found::NotFound;

/// The store named in the URL, for its owner; anyone else finds nothing here.
#[component]
pub fn StoreProgressPage() -> impl IntoView {
    let params = use_params_map();
    let subdomain = move || params.with(|p| p.get("subdomain").unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let pay = ServerAction::<PayForStore>::new();
    let pay_error = Signal::derive(move || pay.value().get().and_then(Result::err));
    let page = Resource::new(
        move || (subdomain(), refresh.get()),
        |(subdomain, _)| store_progress(subdomain),
    );
    #[cfg(feature = "hydrate")]
    poll_while_waiting(page, refresh);

    view! {
        <Title text=move || format!("{} · storefleet", subdomain())/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <StoreBuild data refresh pay pay_error/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(AppError::Unauthenticated) => view! {
                        <section class="card">
                            <h1>"Your store"</h1>
                            <p>"Please " <A href="/login">"log in"</A> " to watch your store being built."</p>
                        </section>
                    }
                        .into_any(),
                    Err(error) => view! {
                        <section class="card"><p class="form-error">{error.to_string()}</p></section>
                    }
                        .into_any(),
                }
            })}
        </Transition>
    }
}

/// The store's state: waiting for payment, being built, ready or failed.
#[component]
fn StoreBuild(
    data: StoreProgressData,
    refresh: RwSignal<u32>,
    pay: ServerAction<PayForStore>,
    pay_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let tenant = data.tenant;
    let state = tenant.state;
    let waiting = (state == TenantState::PendingPayment).then(|| {
        let subdomain = tenant.subdomain.clone();
        view! {
            <p data-testid="waiting-for-payment">
                "Waiting for the payment confirmation. This page moves on by itself once it arrives."
            </p>
            // Without JavaScript the page refreshes itself until the payment has arrived.
            <noscript inner_html=r#"<meta http-equiv="refresh" content="2">"#></noscript>
            {data.billing.then(|| view! {
                <ActionForm action=pay attr:class="row-form">
                    <input type="hidden" name="subdomain" value=subdomain/>
                    <FormError error=pay_error/>
                    <button type="submit">"Pay now"</button>
                </ActionForm>
            })}
        }
    });
    let building = data.progress.map(|progress| {
        view! {
            <JobProgressView
                initial=progress
                on_finish=move |()| {
                    refresh.try_update(|n| *n += 1);
                }
            />
        }
    });
    let ready = (state == TenantState::Ready).then(|| {
        let owner_page = format!("/stores/{}", tenant.subdomain);
        view! {
            <p class="ready" data-testid="store-ready">
                "Your store is ready at "
                <a href=tenant.url.clone() data-testid="store-url">{tenant.url.clone()}</a>
            </p>
            <p><A href=owner_page>"Manage your store"</A></p>
        }
    });
    let failed = (state == TenantState::Failed).then(|| {
        view! {
            <p class="form-error">
                "Building your store failed. An admin can see why and retry it; the page above shows the step that failed."
            </p>
        }
    });
    view! {
        <section class="card wide">
            <h1>{tenant.subdomain.clone()}</h1>
            <p>
                <span class=format!("state state-{}", state.as_str()) data-testid="store-state">
                    {state.as_str()}
                </span>
                " · plan " {tenant.plan}
            </p>
            {waiting}
            {building}
            {ready}
            {failed}
        </section>
    }
}

/// Reloads the page's data every two seconds while the store waits for its payment.
#[cfg(feature = "hydrate")]
fn poll_while_waiting(page: Resource<Result<StoreProgressData, AppError>>, refresh: RwSignal<u32>) {
    Effect::new(move |_| {
        let waiting = page.with(|loaded| {
            matches!(loaded, Some(Ok(data)) if data.tenant.state == TenantState::PendingPayment)
        });
        if waiting {
            set_timeout(
                move || {
                    refresh.try_update(|n| *n += 1);
                },
                std::time::Duration::from_secs(2),
            );
        }
    });
}
