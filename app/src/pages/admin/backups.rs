//! The fleet's backup health: for each store its last backup and its last restore drill (a
//! backup restored into a scratch database and read back), with the stores whose drill failed
//! or is overdue first, and a button to drill a store now.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::backups::{backup_health, DrillNow};
use crate::components::form_error::FormError;
use crate::components::load_error::AdminLoadError;
use crate::components::when::When;
use crate::domain::drill::{DrillHealth, StoreDrillHealth};

/// How many healthy stores the page lists after those needing attention.
const HEALTHY_SHOWN: usize = 50;

/// One store's row.
#[component]
fn StoreRow(store: StoreDrillHealth, drill: ServerAction<DrillNow>) -> impl IntoView {
    let href = format!("/admin/tenants/{}", store.subdomain);
    let drill_state = store.last_drill.as_ref().map(|d| d.state.as_str());
    let drill_error = store.last_drill.as_ref().and_then(|d| d.error.clone());
    let subdomain = store.subdomain.clone();
    let row = format!("health-{}", store.subdomain);
    view! {
        <tr data-testid=row>
            <td><A href=href>{store.subdomain}</A></td>
            <td>{match store.last_backup_at {
                    Some(at) => view! { <When at/> }.into_any(),
                    None => "never".into_any(),
                }}
                {store.last_backup_state.map(|s| format!(" ({})", s.as_str()))}</td>
            <td>{drill_state.map(|s| s.to_owned()).unwrap_or_else(|| "never".into())}
                {drill_error.map(|e| view! { <small class="form-error">" "{e}</small> })}</td>
            <td>{match store.last_passed_at {
                Some(at) => view! { <When at/> }.into_any(),
                None => "never".into_any(),
            }}</td>
            <td>{store.overdue.then_some("overdue")}</td>
            <td>
                <ActionForm action=drill attr:class="row-form">
                    <input type="hidden" name="subdomain" value=subdomain/>
                    <button type="submit" class="small">"Drill now"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

fn ordered(health: DrillHealth) -> Vec<StoreDrillHealth> {
    let needs = |s: &StoreDrillHealth| {
        health.last_failed.contains(&s.subdomain) || health.overdue.contains(&s.subdomain)
    };
    let (mut first, rest): (Vec<_>, Vec<_>) = health.stores.iter().cloned().partition(needs);
    first.extend(rest.into_iter().take(HEALTHY_SHOWN));
    first
}

/// `/admin/backups`.
#[component]
pub fn AdminBackupsPage() -> impl IntoView {
    let drill = ServerAction::<DrillNow>::new();
    let health = Resource::new(move || drill.version().get(), |_| backup_health());
    let error = Signal::derive(move || drill.value().get().and_then(Result::err));
    view! {
        <Title text="Backups · storefleet"/>
        <section class="card wide">
            <h1>"Backups"</h1>
            <FormError error/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match health.await {
                        Ok(health) => {
                            let summary = format!(
                                "{} stores · {} whose last drill failed · {} overdue (no passed drill within {} h)",
                                health.stores.len(), health.last_failed.len(), health.overdue.len(), health.every_hours
                            );
                            let enabled = health.enabled;
                            view! {
                                {(!enabled).then(|| view! {
                                    <p data-testid="drills-off">"Restore drills are off: they need object storage and a PostgreSQL server to restore into (STOREFLEET_DRILL_POSTGRES_URL)."</p>
                                })}
                                <p data-testid="backup-summary">{summary}</p>
                                <table data-testid="backup-health">
                                    <thead><tr><th>"Store"</th><th>"Last backup"</th><th>"Last drill"</th><th>"Last proven restore"</th><th></th><th></th></tr></thead>
                                    <tbody>
                                        {ordered(health).into_iter().map(|store| view! { <StoreRow store drill/> }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
