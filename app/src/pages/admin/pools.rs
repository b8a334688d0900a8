//! Pools of standby stores on the admin's overview: each plan's size (editable), its ready,
//! being-made and failed standbys and today's claims, and how fast recent stores became
//! ready with a standby and without.

use leptos::prelude::*;

use crate::api::pools::{list_pools, SetPoolSize};
use crate::components::form_error::FormError;
use crate::components::load_error::AdminLoadError;
use crate::domain::pool::{duration_text, PoolView, Pools, ReadyTimes};

/// One plan's row, with its size form.
#[component]
fn PoolRow(pool: PoolView, set: ServerAction<SetPoolSize>) -> impl IntoView {
    let row = format!("pool-{}", pool.plan);
    let label = format!("Standby stores kept for {}", pool.plan);
    view! {
        <tr data-testid=row>
            <th scope="row">{pool.plan.clone()}</th>
            <td>
                <ActionForm action=set attr:class="pool-form">
                    <input type="hidden" name="plan" value=pool.plan/>
                    <input type="number" name="size" min="0" max="100"
                        value=pool.size.to_string() aria-label=label/>
                    <button type="submit" class="small">"Set"</button>
                </ActionForm>
            </td>
            <td data-testid="pool-ready">{pool.ready}</td>
            <td>{pool.provisioning}</td>
            <td>{pool.failed}</td>
            <td>{pool.claimed_today}</td>
        </tr>
    }
}

fn times_text(times: &ReadyTimes) -> String {
    let what = if times.from_standby {
        "With a standby"
    } else {
        "Built from scratch"
    };
    match (times.p50_ms, times.p95_ms) {
        (Some(p50), Some(p95)) => format!(
            "{what}: p50 {}, p95 {} ({} stores)",
            duration_text(p50),
            duration_text(p95),
            times.stores
        ),
        _ => format!("{what}: no store in the last 30 days"),
    }
}

#[component]
fn PoolTable(pools: Pools, set: ServerAction<SetPoolSize>) -> impl IntoView {
    view! {
        <table data-testid="pools">
            <thead>
                <tr>
                    <th scope="col">"Plan"</th>
                    <th scope="col">"Size"</th>
                    <th scope="col">"Ready"</th>
                    <th scope="col">"Being made"</th>
                    <th scope="col">"Failed"</th>
                    <th scope="col">"Claimed today"</th>
                </tr>
            </thead>
            <tbody>
                {pools.pools.into_iter().map(|pool| view! { <PoolRow pool set/> }).collect_view()}
            </tbody>
        </table>
        <h3>"Sign-up to ready, last 30 days"</h3>
        <ul class="plain" data-testid="ready-times">
            {pools.ready_times.iter().map(|t| view! { <li>{times_text(t)}</li> }).collect_view()}
        </ul>
    }
}

/// The pools section.
#[component]
pub fn PoolsPanel() -> impl IntoView {
    let set = ServerAction::<SetPoolSize>::new();
    let pools = Resource::new(move || set.version().get(), |_| list_pools());
    let error = Signal::derive(move || set.value().get().and_then(Result::err));
    view! {
        <section aria-labelledby="pools-heading">
            <h2 id="pools-heading">"Standby pools"</h2>
            <p class="muted">
                "Ready stores kept per plan: a sign-up claims one and is live in seconds. 0 keeps none."
            </p>
            <FormError error/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match pools.await {
                        Ok(pools) => view! { <PoolTable pools set/> }.into_any(),
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
