//! One tenant in the admin panel: its facts, its latest job live, its jobs, and deletion.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::backups::RestoreBackup;
use crate::api::tenants::{
    tenant_page, CancelTenantJob, DeleteTenant, PinTenant, ReprovisionTenant, ResumeTenant,
    RetryTenantJob, SetCanary, SetSelfHeal, SuspendTenant,
};
use crate::components::backups::BackupsPanel;
use crate::components::confirm::ConfirmButton;
use crate::components::form_error::FormError;
use crate::components::load_error::{answer_page, AdminLoadError};
use crate::components::progress::JobProgressView;
use crate::domain::{JobState, TenantState};
use crate::error::AppError;
use crate::pages::admin::tenant_inspect::TenantInspectionView;

/// The tenant named in the URL.
#[component]
pub fn AdminTenantPage() -> impl IntoView {
    let params = use_params_map();
    let subdomain = move || params.with(|p| p.get("subdomain").unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let delete = ServerAction::<DeleteTenant>::new();
    let retry = ServerAction::<RetryTenantJob>::new();
    let suspend = ServerAction::<SuspendTenant>::new();
    let resume = ServerAction::<ResumeTenant>::new();
    let reprovision = ServerAction::<ReprovisionTenant>::new();
    let cancel = ServerAction::<CancelTenantJob>::new();
    let self_heal = ServerAction::<SetSelfHeal>::new();
    let pin = ServerAction::<PinTenant>::new();
    let canary = ServerAction::<SetCanary>::new();
    let restore = ServerAction::<RestoreBackup>::new();
    let version = Signal::derive(move || {
        refresh.get()
            + delete.version().get() as u32
            + retry.version().get() as u32
            + suspend.version().get() as u32
            + resume.version().get() as u32
            + reprovision.version().get() as u32
            + cancel.version().get() as u32
            + self_heal.version().get() as u32
            + pin.version().get() as u32
            + canary.version().get() as u32
            + restore.version().get() as u32
    });
    let action_error = Signal::derive(move || {
        [
            suspend.value().get().and_then(Result::err),
            resume.value().get().and_then(Result::err),
            reprovision.value().get().and_then(Result::err),
            cancel.value().get().and_then(Result::err),
            self_heal.value().get().and_then(Result::err),
            pin.value().get().and_then(Result::err),
            canary.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let page = Resource::new(
        move || (subdomain(), version.get()),
        |(subdomain, ..)| tenant_page(subdomain),
    );
    let retry_error = Signal::derive(move || retry.value().get().and_then(Result::err));
    let delete_error = Signal::derive(move || delete.value().get().and_then(Result::err));

    view! {
        <Title text=move || format!("{} · storefleet", subdomain())/>
        <section class="card wide">
            <p><A href="/admin/tenants">"← Tenants"</A></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(data) => {
                            let t = data.detail.tenant;
                            let name = t.subdomain.clone();
                            let failed = data.detail.jobs.first().is_some_and(|j| j.state == JobState::Failed);
                            let unfinished = data.detail.jobs.first().is_some_and(|j| matches!(j.state, JobState::Queued | JobState::Running));
                            let retry_name = name.clone();
                            let state = t.state;
                            let (n1, n2, n3, n4, n5) = (name.clone(), name.clone(), name.clone(), name.clone(), name.clone());
                            let (n6, n7) = (name.clone(), name.clone());
                            let pinned = t.pinned.clone();
                            let (canary_label, canary_turn) = if t.canary {
                                ("No longer a canary", "false")
                            } else {
                                ("Make a canary", "true")
                            };
                            let (heal_label, heal_turn) = if t.self_heal {
                                ("Turn self-heal off", "false")
                            } else {
                                ("Turn self-heal on", "true")
                            };
                            view! {
                                <h1>{t.subdomain.clone()}</h1>
                                <dl class="facts">
                                    <dt>"State"</dt>
                                    <dd><span class=format!("state state-{}", t.state.as_str()) data-testid="tenant-state">{t.state.as_str()}</span></dd>
                                    <dt>"Plan"</dt>
                                    <dd>{t.plan}</dd>
                                    <dt>"Owner"</dt>
                                    <dd>{t.owner_email.unwrap_or_else(|| "none".into())}</dd>
                                    <dt>"Namespace"</dt>
                                    <dd><code>{t.namespace}</code></dd>
                                    <dt>"Address"</dt>
                                    <dd><a href=t.url.clone() data-testid="tenant-url">{t.url.clone()}</a></dd>
                                    <dt>"On the cluster"</dt>
                                    <dd data-testid="tenant-drift">{match t.drift {
                                        Some(drift) => format!("not as configured: {drift}"),
                                        None => "as configured, as far as the last look saw".to_owned(),
                                    }}</dd>
                                    <dt>"Release"</dt>
                                    <dd data-testid="tenant-release">{t.release.clone().unwrap_or_else(|| "the blueprint's own images".into())}
                                        {(t.state == TenantState::Updating).then_some(" (updating to it)")}</dd>
                                    <dt>"Rollouts"</dt>
                                    <dd data-testid="tenant-pinned">{match (&t.pinned, t.canary) {
                                        (Some(reason), _) => format!("pinned to its release: {reason}"),
                                        (None, true) => "a canary: updated first".to_owned(),
                                        (None, false) => "reached in its wave".to_owned(),
                                    }}</dd>
                                    <dt>"Self-heal"</dt>
                                    <dd data-testid="tenant-self-heal">{if t.self_heal {
                                        "on: drift is put back"
                                    } else {
                                        "off: drift is only reported"
                                    }}</dd>
                                </dl>
                                {(!data.detail.drift_history.is_empty()).then(|| view! {
                                    <h2>"Drift found"</h2>
                                    <ul class="warnings" data-testid="drift-history">
                                        {data.detail.drift_history.clone().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                                    </ul>
                                })}
                                {data.progress.map(|progress| {
                                    let title = format!("{} job", progress.job.kind);
                                    view! {
                                        <h2>{title}</h2>
                                        <JobProgressView initial=progress on_finish=move |()| refresh.update(|n| *n += 1)/>
                                    }
                                })}
                                {failed.then(move || view! {
                                    <ActionForm action=retry attr:class="row-form">
                                        <input type="hidden" name="subdomain" value=retry_name/>
                                        <FormError error=retry_error/>
                                        <button type="submit">"Retry the failed job"</button>
                                    </ActionForm>
                                })}
                                <h2>"Actions"</h2>
                                <div class="actions">
                                    {matches!(state, TenantState::Ready | TenantState::Updating | TenantState::Failed).then(move || view! {
                                        <ActionForm action=suspend attr:class="row-form">
                                            <input type="hidden" name="subdomain" value=n1/>
                                            <ConfirmButton testid="suspend" class="danger"
                                                question="Suspend this tenant? Its store stops and shows a maintenance page.">"Suspend"</ConfirmButton>
                                        </ActionForm>
                                    })}
                                    {(state == TenantState::Suspended).then(move || view! {
                                        <ActionForm action=resume attr:class="row-form">
                                            <input type="hidden" name="subdomain" value=n2/>
                                            <ConfirmButton testid="resume"
                                                question="Resume this tenant?">"Resume"</ConfirmButton>
                                        </ActionForm>
                                    })}
                                    {unfinished.then(move || view! {
                                        <ActionForm action=cancel attr:class="row-form">
                                            <input type="hidden" name="subdomain" value=n4/>
                                            <ConfirmButton testid="cancel-job" class="danger"
                                                question="Cancel the running job? It stops at its next step.">"Cancel the job"</ConfirmButton>
                                        </ActionForm>
                                    })}
                                    {state.can_reprovision().then(move || view! {
                                        <ActionForm action=reprovision attr:class="row-form">
                                            <input type="hidden" name="subdomain" value=n3/>
                                            <ConfirmButton testid="reprovision"
                                                question="Re-provision this tenant? Every object is applied again.">"Re-provision"</ConfirmButton>
                                        </ActionForm>
                                    })}
                                    <ActionForm action=self_heal attr:class="row-form">
                                        <input type="hidden" name="subdomain" value=n5/>
                                        <input type="hidden" name="on" value=heal_turn/>
                                        <button type="submit" data-testid="self-heal">{heal_label}</button>
                                    </ActionForm>
                                    <ActionForm action=canary attr:class="row-form">
                                        <input type="hidden" name="subdomain" value=n6/>
                                        <input type="hidden" name="on" value=canary_turn/>
                                        <button type="submit" data-testid="canary">{canary_label}</button>
                                    </ActionForm>
                                    <ActionForm action=pin attr:class="row-form">
                                        <input type="hidden" name="subdomain" value=n7/>
                                        {match pinned {
                                            Some(_) => view! {
                                                <button type="submit" data-testid="unpin">"Unpin"</button>
                                            }.into_any(),
                                            None => view! {
                                                <input name="reason" placeholder="Why it keeps its release" required autocomplete="off"/>
                                                <button type="submit" data-testid="pin">"Pin to its release"</button>
                                            }.into_any(),
                                        }}
                                    </ActionForm>
                                    <FormError error=action_error/>
                                </div>
                                <h2>"Jobs"</h2>
                                <ul class="jobs">
                                    {data.detail.jobs.into_iter().map(|job| view! {
                                        <li>{job.kind} " · " {job.state.as_str()} " · " {job.steps_done} "/" {job.steps_total}
                                            {job.last_error.map(|e| view! { <span class="form-error">" · " {e}</span> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                                <h2>"Delete"</h2>
                                <ActionForm action=delete attr:class="row-form">
                                    <input type="hidden" name="subdomain" value=name.clone()/>
                                    <label>
                                        "Type the subdomain to confirm"
                                        <input name="confirm" autocomplete="off" placeholder=name.clone()/>
                                    </label>
                                    <FormError error=delete_error/>
                                    <button type="submit" class="danger">"Delete tenant"</button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Err(AppError::NotFound) => {
                            answer_page(&AppError::NotFound);
                            view! { <h1>"No such tenant"</h1> }.into_any()
                        }
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Suspense>
            // Its own boundary, beside the page's rather than inside it: the page's data
            // reloads (a job finishing, an action) do not re-create it while it hydrates.
            <TenantInspectionView subdomain=Signal::derive(subdomain) version=version/>
            {move || view! { <BackupsPanel subdomain=subdomain() restore reload=version/> }}
        </section>
    }
}
