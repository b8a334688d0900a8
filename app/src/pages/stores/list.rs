//! The stores the signed-in account owns.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::stores::my_stores;
use crate::error::AppError;

/// `/stores`: one row per store with its state and address.
#[component]
pub fn StoresPage() -> impl IntoView {
    let stores = Resource::new(|| (), |()| my_stores());
    view! {
        <Title text="Your stores · storefleet"/>
        <section class="card wide">
            <h1>"Your stores"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match stores.await {
                        Ok(list) if list.is_empty() => view! {
                            <p>"You have no store yet. " <A href="/signup">"Start one"</A></p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="tenants">
                                <thead><tr><th>"Store"</th><th>"State"</th><th>"Plan"</th><th>"Address"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|t| view! {
                                        <tr>
                                            <td><A href=format!("/stores/{}", t.subdomain)>{t.subdomain.clone()}</A></td>
                                            <td><span class=format!("state state-{}", t.state.as_str())>{t.state.as_str()}</span></td>
                                            <td>{t.plan}</td>
                                            <td><a href=t.url.clone()>{t.url.clone()}</a></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(AppError::Unauthenticated) => view! {
                            <p>"Please " <A href="/login">"log in"</A> " to see your stores."</p>
                        }.into_any(),
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
