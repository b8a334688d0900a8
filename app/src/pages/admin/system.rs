//! The admin's system page: the control plane's settings and dependencies, checked as the
//! page loads (the same checks as `storefleet doctor`).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::system_checks;
use crate::components::load_error::AdminLoadError;
use crate::domain::system::CheckOutcome;

/// One row per check: its outcome in words, what was seen, and what to do.
#[component]
pub fn AdminSystemPage() -> impl IntoView {
    let checks = Resource::new(|| (), |_| system_checks());
    view! {
        <Title text="System · storefleet"/>
        <section class="card wide">
            <h1>"System"</h1>
            <p class="muted">
                "The settings this server runs with and each dependency they name, checked now. "
                "The same checks run from a shell: "<code>"storefleet doctor"</code>"."
            </p>
            <Suspense fallback=|| view! { <p>"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match checks.await {
                        Ok(checks) => {
                            let failed = checks.iter().filter(|c| c.outcome == CheckOutcome::Failed).count();
                            view! {
                                <p data-testid="system-summary" role="status">
                                    {match failed {
                                        0 => "All checks passed.".to_owned(),
                                        1 => "1 check failed.".to_owned(),
                                        n => format!("{n} checks failed."),
                                    }}
                                </p>
                                <table data-testid="system-checks">
                                    <thead><tr><th>"Check"</th><th>"Result"</th><th>"Seen"</th><th>"What to do"</th></tr></thead>
                                    <tbody>
                                        {checks.into_iter().map(|c| {
                                            let name = c.name.clone();
                                            view! {
                                            <tr data-check=name.clone() id=format!("check-{}", name.replace(' ', "-"))>
                                                <td>{c.name}</td>
                                                <td><span class=format!("state check-{}", c.outcome.label())>{c.outcome.label()}</span></td>
                                                <td>{c.detail}</td>
                                                <td>{c.fix}</td>
                                            </tr>
                                            }
                                        }).collect_view()}
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
