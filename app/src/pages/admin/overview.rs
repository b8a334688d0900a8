//! The admin's first page: the fleet at a glance. Counts by state and plan, what needs
//! attention now (each a link to its list), today's figures and the last 30 days as charts
//! drawn on the server. Hydrated, it refreshes itself every 15 seconds.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::get_overview;
use crate::components::load_error::AdminLoadError;
use crate::domain::overview::{Attention, Count, FleetOverview};

/// How often the hydrated page reads the figures again.
const REFRESH: Duration = Duration::from_secs(15);

/// The overview page.
#[component]
pub fn AdminOverviewPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());
    Effect::new(move |_| {
        let timer = set_interval_with_handle(move || overview.refetch(), REFRESH).ok();
        on_cleanup(move || {
            if let Some(timer) = timer {
                timer.clear();
            }
        });
    });
    view! {
        <Title text="Overview · storefleet"/>
        <section class="card wide overview">
            <h1>"Fleet overview"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => view! { <Figures overview/> }.into_any(),
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Figures(overview: FleetOverview) -> AnyView {
    let FleetOverview {
        total,
        by_state,
        by_plan,
        attention,
        today,
        charts,
        pools_html,
    } = overview;
    view! {
        <p class="lead" data-testid="overview-total">
            {format!("{total} {}", if total == 1 { "store" } else { "stores" })}
        </p>
        <section aria-labelledby="attention-heading" data-testid="attention">
            <h2 id="attention-heading">"Needs attention"</h2>
            {if attention.is_empty() {
                view! { <p class="empty">"Nothing needs attention."</p> }.into_any()
            } else {
                view! {
                    <ul class="attention">
                        {attention.into_iter().map(|item| view! { <AttentionItem item/> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <section aria-labelledby="today-heading">
            <h2 id="today-heading">"Today (UTC)"</h2>
            <dl class="figures" data-testid="today">
                {today
                    .into_iter()
                    .map(|(label, figure)| view! { <div><dt>{label}</dt><dd>{figure}</dd></div> })
                    .collect_view()}
            </dl>
        </section>
        <div class="overview-tables">
            <CountTable heading="By state" column="State" id="by-state" counts=by_state/>
            <CountTable heading="By plan" column="Plan" id="by-plan" counts=by_plan/>
        </div>
        <div inner_html=pools_html></div>
        <section aria-labelledby="charts-heading">
            <h2 id="charts-heading">"The last 30 days"</h2>
            <div class="charts">
                {charts
                    .into_iter()
                    .map(|chart| view! {
                        <figure class="chart-figure">
                            <figcaption>{chart.title}</figcaption>
                            <div inner_html=chart.svg></div>
                        </figure>
                    })
                    .collect_view()}
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn AttentionItem(item: Attention) -> AnyView {
    let Attention {
        label,
        detail,
        count,
        href,
        items,
    } = item;
    let key = label.clone();
    view! {
        <li data-attention=key>
            <a href=href class="attention-link">
                <span class="attention-label">{label}</span>
                " "
                <span class="attention-count">{count}</span>
            </a>
            <p class="muted">{detail}</p>
            <ul class="attention-items">
                {items
                    .into_iter()
                    .map(|(name, href)| view! { <li><a href=href>{name}</a></li> })
                    .collect_view()}
            </ul>
        </li>
    }
    .into_any()
}

#[component]
fn CountTable(
    heading: &'static str,
    column: &'static str,
    id: &'static str,
    counts: Vec<Count>,
) -> AnyView {
    view! {
        <section aria-labelledby=format!("{id}-heading")>
            <h2 id=format!("{id}-heading")>{heading}</h2>
            <div class="table-scroll">
                <table data-testid=id>
                    <thead><tr><th scope="col">{column}</th><th scope="col">"Stores"</th></tr></thead>
                    <tbody>
                        {counts
                            .into_iter()
                            .map(|count| {
                                let key = count.name.clone();
                                view! {
                                <tr data-name=key>
                                    <td><a href=count.href>{count.name}</a></td>
                                    <td class="number">{count.count}</td>
                                </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
