//! One rollout, live: its state and why, the waves as progress bars (done, updating, failed,
//! rolled back, skipped, waiting), each store's state, time and reason, the failure budget
//! used, the pace and the time left, and the buttons that steer it. Once hydrated it reloads
//! every two seconds while anything moves; without JavaScript the page refreshes itself.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::fleet::{show_rollout, RollbackRolloutStore, SteerRollout};
use crate::components::form_error::FormError;
use crate::components::load_error::{answer_page, AdminLoadError};
use crate::domain::rollout::{RolloutState, RolloutView, StepCounts, StepState, WaveView};
use crate::error::AppError;

/// Whether anything in the rollout may still change by itself.
fn moving(view: &RolloutView) -> bool {
    !view.state.is_final()
        || view
            .waves
            .iter()
            .flat_map(|w| &w.stores)
            .any(|s| s.state.is_open())
}

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
    let refresh = RwSignal::new(0u32);
    let steer = ServerAction::<SteerRollout>::new();
    let rollback = ServerAction::<RollbackRolloutStore>::new();
    let page = Resource::new(
        move || {
            (
                id(),
                refresh.get(),
                steer.version().get(),
                rollback.version().get(),
            )
        },
        |(id, ..)| show_rollout(id),
    );
    #[cfg(feature = "hydrate")]
    poll_while_moving(page, refresh);
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
                        Ok(view) => {
                            let live = moving(&view);
                            let state = view.state;
                            let id = view.id.clone();
                            let buttons: Vec<(&str, &str, bool)> = vec![
                                ("pause", "Pause", state == RolloutState::Running),
                                ("resume", "Resume", state == RolloutState::Paused),
                                ("abort", "Abort", matches!(state, RolloutState::Running | RolloutState::Paused)),
                                ("rollback", "Roll back every store", !matches!(state, RolloutState::RollingBack | RolloutState::RolledBack)),
                            ];
                            let pace = view.seconds_per_store.map(|s| format!("{} per store", duration(s)));
                            let left = view.seconds_left.map(|s| format!("about {} left", duration(s)));
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
                                <p class="muted">{how}" · started "{view.created_at.clone()}" by "{view.created_by.clone()}</p>
                                <p data-testid="rollout-pace">{[pace, left].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</p>
                                <div class="actions">
                                    {buttons.into_iter().filter(|(_, _, shown)| *shown).map(|(action, label, _)| {
                                        let id = id.clone();
                                        view! {
                                            <ActionForm action=steer attr:class="row-form">
                                                <input type="hidden" name="id" value=id/>
                                                <input type="hidden" name="steer" value=action/>
                                                <button type="submit" data-testid=format!("rollout-{action}")>{label}</button>
                                            </ActionForm>
                                        }
                                    }).collect_view()}
                                    <FormError error/>
                                </div>
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
                            }.into_any()
                        }
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

/// Reloads the rollout every two seconds while anything in it moves.
#[cfg(feature = "hydrate")]
fn poll_while_moving(page: Resource<Result<RolloutView, AppError>>, refresh: RwSignal<u32>) {
    Effect::new(move |_| {
        let live = page.with(|loaded| matches!(loaded, Some(Ok(view)) if moving(view)));
        if live {
            set_timeout(
                move || {
                    refresh.try_update(|n| *n += 1);
                },
                std::time::Duration::from_secs(2),
            );
        }
    });
}
