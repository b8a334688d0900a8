//! The admin panel's tenants: the list and the form to create one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::get_catalog;
use crate::api::tenants::{list_tenants, CreateTenant};
use crate::components::form_error::FormError;
use crate::components::load_error::AdminLoadError;
use crate::domain::Subdomain;

/// Every tenant, and a form to create one that checks the subdomain as it is typed.
#[component]
pub fn AdminTenantsPage() -> impl IntoView {
    let create = ServerAction::<CreateTenant>::new();
    let tenants = Resource::new(move || create.version().get(), |_| list_tenants());
    let catalog = Resource::new(|| (), |_| get_catalog());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let (typed, set_typed) = signal(String::new());
    let hint = move || {
        let text = typed.get();
        (!text.is_empty())
            .then(|| Subdomain::parse(&text).err().map(|e| e.to_string()))
            .flatten()
    };

    view! {
        <Title text="Tenants · storefleet"/>
        <section class="card wide">
            <h1>"Tenants"</h1>
            <h2>"New tenant"</h2>
            <Suspense fallback=|| view! { <p>"Loading plans…"</p> }>
                {move || Suspend::new(async move {
                    let plans = match catalog.await {
                        Ok(catalog) => catalog.plans,
                        Err(error) => return view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    };
                    view! {
                        <ActionForm action=create attr:data-testid="create-tenant-form" attr:class="row-form">
                            <label>
                                "Subdomain"
                                <input
                                    name="subdomain"
                                    required
                                    autocomplete="off"
                                    on:input=move |ev| set_typed.set(event_target_value(&ev))
                                />
                                <small class="form-error" data-testid="subdomain-hint">{hint}</small>
                            </label>
                            <label>
                                "Plan"
                                <select name="plan">
                                    {plans
                                        .into_iter()
                                        .map(|p| view! { <option value=p.name.clone()>{p.display_name}</option> })
                                        .collect_view()}
                                </select>
                            </label>
                            <label>
                                "Owner email (optional)"
                                <input type="email" name="owner_email"/>
                            </label>
                            <FormError error/>
                            <button type="submit" disabled=move || create.pending().get()>"Create tenant"</button>
                        </ActionForm>
                    }
                        .into_any()
                })}
            </Suspense>

            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tenants.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No tenants yet."</p> }.into_any(),
                        Ok(list) => {
                            view! {
                                <table data-testid="tenants-table">
                                    <thead>
                                        <tr>
                                            <th>"Subdomain"</th>
                                            <th>"State"</th>
                                            <th>"Plan"</th>
                                            <th>"Owner"</th>
                                            <th>"Created"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|t| {
                                                let href = format!("/admin/tenants/{}", t.subdomain);
                                                view! {
                                                    <tr>
                                                        <td><A href=href>{t.subdomain}</A></td>
                                                        <td><span class=format!("state state-{}", t.state.as_str())>{t.state.as_str()}</span></td>
                                                        <td>{t.plan}</td>
                                                        <td>{t.owner_email.unwrap_or_default()}</td>
                                                        <td>{t.created_at}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
