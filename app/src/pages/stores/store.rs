//! One store's dashboard for its owner: state, address, plan, health from the cluster, the
//! latest job live, the settings form and the history of changes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::backups::RestoreBackup;
use crate::api::stores::{store_overview, store_settings, BillingPortal, SaveSettings};
use crate::components::backups::BackupsPanel;
use crate::components::form_error::FormError;
use crate::components::load_error::answer_page;
use crate::components::progress::JobProgressView;
use crate::components::settings_form::SettingsFormView;
use crate::components::when::When;
use crate::domain::clock::rfc3339;
use crate::domain::{SettingChangeView, TenantHealth, TenantState};
use crate::error::AppError;
use crate::pages::not_found::NothingHere;

/// A store's workloads, whether it is degraded, and what the reconciler found and put back.
#[component]
pub fn Health(health: Result<TenantHealth, String>) -> impl IntoView {
    match health {
        Ok(health) => view! {
            {health.degraded.map(|reason| view! {
                <p class="form-error" data-testid="degraded">"Degraded: " {reason}</p>
            })}
            {health.drift.map(|drift| view! {
                <p class="form-error" data-testid="drift">"Not as configured: " {drift}</p>
            })}
            <dl class="facts" data-testid="store-health">
                <dt>"Pods ready"</dt>
                <dd>{health.pods_ready} " of " {health.pods_total}</dd>
                <dt>"Restarts"</dt>
                <dd>{health.restarts}</dd>
                {health.workloads.into_iter().map(|w| view! {
                    <dt>{w.name}</dt>
                    <dd>{w.ready} "/" {w.desired} " ready"</dd>
                }).collect_view()}
            </dl>
            {(!health.warnings.is_empty()).then(|| view! {
                <h3>"Recent warnings"</h3>
                <ul class="warnings">
                    {health.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                </ul>
            })}
            {(!health.repairs.is_empty()).then(|| view! {
                <h3>"Drift found"</h3>
                <ul class="warnings" data-testid="repairs">
                    {health.repairs.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                </ul>
            })}
        }
        .into_any(),
        Err(reason) => view! { <p class="form-error">{reason}</p> }.into_any(),
    }
}

/// The history of setting changes, secrets redacted.
#[component]
pub fn SettingsHistory(history: Vec<SettingChangeView>) -> impl IntoView {
    view! {
        <h2>"History of changes"</h2>
        {if history.is_empty() {
            view! { <p>"No change yet."</p> }.into_any()
        } else {
            view! {
                <ul class="history" data-testid="settings-history">
                    {history.into_iter().map(|entry| view! {
                        <li>
                            <time>{entry.at}</time> " · " {entry.actor_email} ": "
                            {entry.changes.into_iter().map(|c| match (c.from, c.to) {
                                (Some(from), Some(to)) => format!("{} {from} → {to}; ", c.label),
                                _ => format!("{} changed (secret); ", c.label),
                            }).collect::<String>()}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

/// `/stores/:subdomain`.
#[component]
pub fn StorePage() -> impl IntoView {
    let params = use_params_map();
    let subdomain = move || params.with(|p| p.get("subdomain").unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let save = ServerAction::<SaveSettings>::new();
    let portal = ServerAction::<BillingPortal>::new();
    let restore = ServerAction::<RestoreBackup>::new();
    let overview = Resource::new(
        move || {
            (
                subdomain(),
                refresh.get(),
                save.version().get(),
                restore.version().get(),
            )
        },
        |(subdomain, ..)| store_overview(subdomain),
    );
    let settings = Resource::new(
        move || (subdomain(), refresh.get(), save.version().get()),
        |(subdomain, ..)| store_settings(subdomain),
    );
    let portal_error = Signal::derive(move || portal.value().get().and_then(Result::err));

    view! {
        <Title text=move || format!("{} · storefleet", subdomain())/>
        <section class="card wide">
            <p><A href="/stores">"← Your stores"</A></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(data) => {
                            let t = data.detail.tenant;
                            let name = t.subdomain.clone();
                            let activity = data.detail.jobs.iter().take(5).map(|job| {
                                let what = format!("{} · {} · ", job.kind, job.state.as_str());
                                view! { <li>{what}<When at=rfc3339(job.created_at)/></li> }
                            }).collect_view();
                            let last_backup = match data.last_backup {
                                Some(at) => view! { <When at/> }.into_any(),
                                None => "none yet".into_any(),
                            };
                            view! {
                                <h1>{t.subdomain.clone()}</h1>
                                <dl class="facts">
                                    <dt>"State"</dt>
                                    <dd><span class=format!("state state-{}", t.state.as_str()) data-testid="store-state">{t.state.as_str()}</span></dd>
                                    <dt>"Address"</dt>
                                    <dd><a href=t.url.clone() data-testid="store-url">{t.url.clone()}</a></dd>
                                    <dt>"Plan"</dt>
                                    <dd>{t.plan}</dd>
                                    <dt>"Namespace"</dt>
                                    <dd><code data-testid="store-namespace">{t.namespace}</code></dd>
                                    <dt>"Version"</dt>
                                    <dd data-testid="store-release">{match (t.state, t.release) {
                                        (TenantState::Updating, Some(release)) => format!("updating to {release}"),
                                        (_, Some(release)) => release,
                                        (_, None) => "the first version".to_owned(),
                                    }}</dd>
                                    <dt>"Last backup"</dt>
                                    <dd data-testid="store-last-backup">{last_backup}</dd>
                                </dl>
                                <h2>"Recent activity"</h2>
                                <ul class="activity" data-testid="store-activity">{activity}</ul>
                                <h2>"Health"</h2>
                                <Health health=data.health/>
                                {data.progress.map(|progress| {
                                    let title = format!("Latest job: {}", progress.job.kind);
                                    view! {
                                        <h2>{title}</h2>
                                        <JobProgressView initial=progress on_finish=move |()| refresh.update(|n| *n += 1)/>
                                    }
                                })}
                                {data.billing.then(move || view! {
                                    <h2>"Billing"</h2>
                                    <ActionForm action=portal attr:class="row-form">
                                        <input type="hidden" name="subdomain" value=name/>
                                        <FormError error=portal_error/>
                                        <button type="submit">"Manage billing"</button>
                                    </ActionForm>
                                })}
                            }
                            .into_any()
                        }
                        // Whether the store does not exist or is someone else's, the viewer
                        // finds nothing here.
                        Err(AppError::NotFound) => view! { <NothingHere/> }.into_any(),
                        Err(AppError::Unauthenticated) => view! {
                            <p>"Please " <A href="/login">"log in"</A> " to see your store."</p>
                        }.into_any(),
                        Err(error) => {
                            answer_page(&error);
                            view! { <p class="form-error">{error.to_string()}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    settings.await.ok().map(|form| view! {
                        <h2>"Settings"</h2>
                        <SettingsFormView subdomain=subdomain() fields=form.fields action=save/>
                        <SettingsHistory history=form.history/>
                    })
                })}
            </Suspense>
            {move || view! { <BackupsPanel subdomain=subdomain() restore reload=refresh/> }}
        </section>
    }
}
