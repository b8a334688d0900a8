//! The admin panel's tenants: the form to create one, and the table of all of them.

use leptos::prelude::*;
use leptos_meta::Title;

use super::tenant_search::TenantSearch;
use crate::api::catalog::get_plans;
use crate::api::tenants::CreateTenant;
use crate::components::form_error::FormError;
use crate::domain::Subdomain;

/// A form to create a tenant that checks the subdomain as it is typed, and the searchable
/// table of every tenant.
#[component]
pub fn AdminTenantsPage() -> impl IntoView {
    let create = ServerAction::<CreateTenant>::new();
    let plans = Resource::new(|| (), |_| get_plans());
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
                    let plans = match plans.await {
                        Ok(plans) => plans,
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

            <TenantSearch plans/>
        </section>
    }
}
