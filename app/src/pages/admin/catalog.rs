//! The admin panel's view of plans and blueprints.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::get_catalog;
use crate::components::load_error::AdminLoadError;

fn price(cents: i64) -> String {
    format!("{}.{:02} / month", cents / 100, cents % 100)
}

/// Plans with their quotas, and blueprints with their components and settings.
#[component]
pub fn AdminCatalogPage() -> impl IntoView {
    let catalog = Resource::new(|| (), |_| get_catalog());
    view! {
        <Title text="Plans and blueprints · storefleet"/>
        <section class="card wide">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Ok(catalog) => view! {
                            <h1>"Plans"</h1>
                            <table data-testid="plans-table">
                                <thead><tr><th>"Plan"</th><th>"Price"</th><th>"Blueprint"</th><th>"CPU"</th><th>"Memory"</th><th>"Storage"</th><th>"Pods"</th><th>"Backups"</th></tr></thead>
                                <tbody>
                                    {catalog.plans.into_iter().map(|p| view! {
                                        <tr>
                                            <td>{p.display_name}" ("<code>{p.name}</code>")"</td>
                                            <td>{price(p.monthly_price_cents)}</td>
                                            <td>{p.blueprint}</td>
                                            <td>{p.quota.cpu}</td>
                                            <td>{p.quota.memory}</td>
                                            <td>{p.quota.storage}</td>
                                            <td>{p.quota.pods}</td>
                                            <td><code>{p.backup_schedule}</code></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <h1>"Blueprints"</h1>
                            {catalog.blueprints.into_iter().map(|b| view! {
                                <h2>{b.name}</h2>
                                <p class="muted">{b.description}</p>
                                <table>
                                    <thead><tr><th>"Component"</th><th>"Image"</th><th>"Port"</th><th>"Replicas"</th></tr></thead>
                                    <tbody>
                                        {b.components.into_iter().map(|c| view! {
                                            <tr><td>{c.name}</td><td><code>{format!("{}:{}", c.image, c.tag)}</code></td><td>{c.port}</td><td>{c.replicas}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <h3>"Settings owners may edit"</h3>
                                <ul>
                                    {b.settings.into_iter().map(|s| {
                                        let secret = s.is_secret();
                                        view! {
                                            <li>{s.label}" ("<code>{s.key}</code>")"{secret.then_some(" · secret")}</li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }).collect_view()}
                        }.into_any(),
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
