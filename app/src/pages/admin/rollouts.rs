//! Rollouts: the form that starts one, and the list of them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::fleet::{list_rollouts, StartRollout};
use crate::components::form_error::FormError;
use crate::components::load_error::AdminLoadError;
use crate::components::when::When;
use crate::domain::rollout::RolloutOptions;

/// Start a rollout; every rollout, newest first.
#[component]
pub fn AdminRolloutsPage() -> impl IntoView {
    let start = ServerAction::<StartRollout>::new();
    let rollouts = Resource::new(move || start.version().get(), |_| list_rollouts());
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    let defaults = RolloutOptions::default();
    let waves: Vec<String> = defaults.waves.iter().map(u8::to_string).collect();
    view! {
        <Title text="Rollouts · storefleet"/>
        <section class="card wide">
            <h1>"Rollouts"</h1>
            <p class="muted">"A rollout moves the stores of a release's blueprint to it: a canary first, then waves of growing size. Each store is updated, then watched for the bake time; a wave failing past its budget halts the rollout and moves that wave back. Pinned and non-ready stores are left out."</p>
            <h2>"New rollout"</h2>
            <ActionForm action=start attr:class="row-form" attr:data-testid="rollout-form">
                <label>"Release"<input name="release" placeholder="1.4.0" required autocomplete="off"/></label>
                <label>"Plan (optional)"<input name="plan" autocomplete="off"/></label>
                <label>"Only these stores (optional)"<input name="stores" placeholder="acme, shop-2" autocomplete="off"/></label>
                <label>"Canary stores"<input type="number" name="canary" min="0" value=defaults.canary.to_string()/></label>
                <label>"Waves, % of the rest"<input name="waves" value=waves.join(",")/></label>
                <label>"At once"<input type="number" name="max_parallel" min="1" value=defaults.max_parallel.to_string()/></label>
                <label>"Bake, s"<input type="number" name="bake_secs" min="0" value=defaults.bake_secs.to_string()/></label>
                <label>"Failure budget, %"<input type="number" name="budget_percent" min="0" max="100" value=defaults.budget_percent.to_string()/></label>
                <label>"Timeout per store, s"<input type="number" name="timeout_secs" min="1" value=defaults.timeout_secs.to_string()/></label>
                <label class="check"><input type="checkbox" name="rollback_all" value="on"/>"On a halt, move every updated store back"</label>
                <FormError error/>
                <button type="submit" disabled=move || start.pending().get()>"Start rollout"</button>
            </ActionForm>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match rollouts.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No rollout yet: once a release exists, start one above."</p> }.into_any(),
                        Ok(list) => view! {
                            <table data-testid="rollouts-table">
                                <thead><tr><th>"Release"</th><th>"State"</th><th>"Started"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| view! {
                                        <tr>
                                            <td><A href=format!("/admin/rollouts/{}", r.id)>{format!("{} {}", r.blueprint, r.release)}</A></td>
                                            <td><span class=format!("state rollout-{}", r.state.as_str())>{r.state.as_str()}</span></td>
                                            <td><When at=r.created_at/>" by "{r.created_by}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
