//! One rollout, live: its state and why, the waves as progress bars (done, updating, failed,
//! rolled back, skipped, waiting), each store's state, time and reason, the failure budget
//! used, the pace and the time left, and the buttons that steer it. Once hydrated it follows the
//! rollout's event stream while anything moves; without JavaScript the page refreshes itself.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::fleet::{show_rollout, RollbackRolloutStore, SteerRollout};
use crate::components::form_error::FormError;
use crate::components::load_error::{answer_page, AdminLoadError};
use crate::components::when::When;
use crate::domain::rollout::{RolloutState, RolloutView, StepCounts, StepState, WaveView};
use crate::error::AppError;

fn percent(part: usize, total: usize) -> String {
    if total == 0 {
        "0%".to_owned()
    } else {
        format!("{:.2}%", part as f64 * 100.0 / total as f64)
    }
}

/// "3 min 20 s", "45 s".
fn duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        _ => format!("{} min {} s", secs / 60, secs % 60),
    }
}

/// A wave's bar: one segment per state, as wide as its share of the wave.
#[component]
fn WaveBar(counts: StepCounts) -> impl IntoView {
    let total = counts.total();
    let segments = [
        ("done", counts.done),
        ("updating", counts.updating),
        ("failed", counts.failed),
        ("rolled-back", counts.rolled_back),
        ("skipped", counts.skipped),
        ("waiting", counts.waiting),
    ];
    view! {
        <div class="wave-bar" role="img" aria-label=format!(
            "{} done, {} updating, {} failed, {} rolled back, {} skipped, {} waiting",
            counts.done, counts.updating, counts.failed, counts.rolled_back, counts.skipped, counts.waiting
        )>
            {segments.into_iter().filter(|(_, n)| *n > 0).map(|(class, n)| view! {
                <span class=format!("segment segment-{class}") style=format!("width: {}", percent(n, total))></span>
            }).collect_view()}
        </div>
    }
}

fn wave_line(counts: &StepCounts, budget: usize) -> String {
    let mut parts = vec![format!("{}/{} done", counts.done, counts.total())];
    for (n, what) in [
        (counts.updating, "updating"),
        (counts.failed, "failed"),
        (counts.rolled_back, "rolled back"),
        (counts.skipped, "skipped"),
        (counts.waiting, "waiting"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.push(format!("failures {} of {budget} allowed", counts.failures));
    parts.join(" · ")
}

/// A wave: its bar, its line, its stores.
#[component]
fn Wave(wave: WaveView, id: String, rollback: ServerAction<RollbackRolloutStore>) -> impl IntoView {
    let line = wave_line(&wave.counts, wave.budget);
    view! {
        <section class="wave" data-testid=format!("wave-{}", wave.index)>
            <h3>{wave.name.clone()}</h3>
            <WaveBar counts=wave.counts/>
            <p class="muted" data-testid="wave-line">{line}</p>
            <table>
                <tbody>
                    {wave.stores.into_iter().map(|store| {
                        let back = matches!(store.state, StepState::Done | StepState::Baking | StepState::Failed | StepState::Updating);
                        let (id, subdomain) = (id.clone(), store.subdomain.clone());
                        let (testid, href) = (format!("store-{subdomain}"), format!("/admin/tenants/{subdomain}"));
                        view! {
                            <tr data-testid=testid>
                                <td><A href=href>{store.subdomain}</A></td>
                                <td><span class=format!("state step-{}", store.state.as_str())>{store.state.as_str()}</span>
                                    {store.step.map(|step| view! { <small class="muted">" · "{step}</small> })}</td>
                                <td>{store.seconds.map(duration)}</td>
                                <td class=if store.failed { "form-error" } else { "muted" }>{store.reason}</td>
                                <td>{back.then(move || view! {
                                    <ActionForm action=rollback attr:class="row-form">
                                        <input type="hidden" name="id" value=id/>
                                        <input type="hidden" name="subdomain" value=subdomain/>
                                        <button type="submit" class="small">"Move back"</button>
                                    </ActionForm>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The rollout named in the URL.
#[component]
pub fn AdminRolloutPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let steer = ServerAction::<SteerRollout>::new();
    let rollback = ServerAction::<RollbackRolloutStore>::new();
    let page = Resource::new(
        move || (id(), steer.version().get(), rollback.version().get()),
        |(id, ..)| show_rollout(id),
    );
    let error = Signal::derive(move || {
        steer
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| rollback.value().get().and_then(Result::err))
    });
    view! {
        <Title text="Rollout · storefleet"/>
        <section class="card wide">
            <p><A href="/admin/rollouts">"← Rollouts"</A></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(initial) => view! { <Rollout initial steer rollback error/> }.into_any(),
                        Err(AppError::NotFound) => {
                            answer_page(&AppError::NotFound);
                            view! { <h1>"No such rollout"</h1> }.into_any()
                        }
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The rollout as loaded, then as its stream says while it moves.
#[component]
fn Rollout(
    initial: RolloutView,
    steer: ServerAction<SteerRollout>,
    rollback: ServerAction<RollbackRolloutStore>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let shown = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    live::follow(shown);
    move || {
        let view = shown.get();
        let id = view.id.clone();
        view! {
            <RolloutHead view=view.clone() steer error/>
            {view.waves.into_iter().map(|wave| {
                view! { <Wave wave id=id.clone() rollback/> }
            }).collect_view()}
            {(!view.left_out.is_empty()).then(|| view! {
                <h3>"Left out"</h3>
                <ul data-testid="left-out">
                    {view.left_out.into_iter().map(|s| view! {
                        <li>{s.subdomain}": "{s.reason}</li>
                    }).collect_view()}
                </ul>
            })}
        }
        .into_any()
    }
}

/// The rollout's title, state, options, pace and the buttons that steer it.
#[component]
fn RolloutHead(
    view: RolloutView,
    steer: ServerAction<SteerRollout>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let live = view.is_moving();
    let state = view.state;
    let id = view.id.clone();
    let buttons: Vec<(&str, &str, bool)> = vec![
        ("pause", "Pause", state == RolloutState::Running),
        ("resume", "Resume", state == RolloutState::Paused),
        (
            "abort",
            "Abort",
            matches!(state, RolloutState::Running | RolloutState::Paused),
        ),
        (
            "rollback",
            "Roll back every store",
            !matches!(state, RolloutState::RollingBack | RolloutState::RolledBack),
        ),
    ];
    let pace = view
        .seconds_per_store
        .map(|s| format!("{} per store", duration(s)));
    let left = view
        .seconds_left
        .map(|s| format!("about {} left", duration(s)));
    let options = &view.options;
    let how = format!(
        "{} at once · bake {} s · budget {} % per wave · timeout {} s",
        options.max_parallel, options.bake_secs, options.budget_percent, options.timeout_secs
    );
    view! {
        // Without JavaScript the page refreshes itself while the rollout moves.
        {live.then(|| view! { <noscript inner_html=r#"<meta http-equiv="refresh" content="2">"#></noscript> })}
        <h1>{format!("Rollout of {} {}", view.blueprint, view.release)}</h1>
        <p>
            <span class=format!("state rollout-{}", state.as_str()) data-testid="rollout-state">{state.as_str()}</span>
            {view.reason.clone().map(|r| view! { " · " <span data-testid="rollout-reason">{r}</span> })}
        </p>
        <p class="muted">{how}" · started "<When at=view.created_at.clone()/>" by "{view.created_by.clone()}</p>
        <p data-testid="rollout-pace">{[pace, left].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</p>
        <div class="actions">
            {buttons.into_iter().filter(|(_, _, shown)| *shown).map(|(action, label, _)| {
                let id = id.clone();
                view! {
                    <ActionForm action=steer attr:class="row-form">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="steer" value=action/>
                        <button type="submit" class=matches!(action, "abort" | "rollback").then_some("danger")
                            data-testid=format!("rollout-{action}")>{label}</button>
                    </ActionForm>
                }
            }).collect_view()}
            <FormError error/>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use crate::domain::rollout::RolloutView;

    /// Follows the rollout's stream while it moves; closes it when nothing moves any more or
    /// the view goes away.
    pub fn follow(shown: RwSignal<RolloutView>) {
        if !shown.with_untracked(RolloutView::is_moving) {
            return;
        }
        let url = format!(
            "/api/rollouts/{}/events",
            shown.with_untracked(|v| v.id.clone())
        );
        let Ok(source) = EventSource::new(&url) else {
            return;
        };
        let closer = source.clone();
        let on_rollout = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(text) = message.data().as_string() else {
                return;
            };
            let Ok(view) = serde_json::from_str::<RolloutView>(&text) else {
                return;
            };
            let settled = !view.is_moving();
            shown.set(view);
            if settled {
                closer.close();
            }
        });
        let _ =
            source.add_event_listener_with_callback("rollout", on_rollout.as_ref().unchecked_ref());
        let held = SendWrapper::new((source, on_rollout));
        on_cleanup(move || held.take().0.close());
    }
}
