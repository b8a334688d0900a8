//! The admin tenants table: searched, filtered, sorted and paged on the server, with every
//! choice in the URL, so that it works the same without JavaScript and can be linked to.

use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

use crate::api::tenants::search_tenants;
use crate::components::load_error::AdminLoadError;
use crate::components::pager::Pager;
use crate::components::when::When;
use crate::domain::paging;
use crate::domain::tenant::ALL_STATES;
use crate::domain::{Plan, TenantPage, TenantQuery, TenantSort};
use crate::error::AppError;

/// The URL parameters the table reads.
const PARAMS: [&str; 5] = ["q", "state", "plan", "sort", "page"];

/// The search form, the table of one page of tenants, and the links to the other pages.
#[component]
pub fn TenantSearch(plans: Resource<Result<Vec<Plan>, AppError>>) -> impl IntoView {
    let query_map = use_query_map();
    let tenants = Resource::new(
        move || query_map.with(|map| PARAMS.map(|key| map.get(key))),
        |[q, state, plan, sort, page]| search_tenants(q, state, plan, sort, page),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let plans = plans.await.unwrap_or_default();
                let found = tenants.await;
                let query = query_map
                    .with_untracked(|map| TenantQuery::parse(|key| map.get(key)))
                    .unwrap_or_default();
                view! {
                    <SearchForm query=query.clone() plans/>
                    {match found {
                        Ok(page) => view! { <TenantTable query page/> }.into_any(),
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }}
                }
            })}
        </Transition>
    }
}

/// A GET form: submitting it loads the table's address with the new search, from page 1.
#[component]
fn SearchForm(query: TenantQuery, plans: Vec<Plan>) -> impl IntoView {
    let state_options = ALL_STATES
        .into_iter()
        .map(|state| {
            let selected = query.state == Some(state);
            view! { <option value=state.as_str() selected=selected>{state.as_str()}</option> }
        })
        .collect_view();
    let plan_options = plans
        .into_iter()
        .map(|plan| {
            let selected = query.plan.as_deref() == Some(plan.name.as_str());
            view! { <option value=plan.name selected=selected>{plan.display_name}</option> }
        })
        .collect_view();
    view! {
        <h2>"All tenants"</h2>
        <Form method="get" action="/admin/tenants" attr:class="row-form" attr:data-testid="tenant-search">
            <label>
                "Search"
                <input
                    type="search"
                    name="q"
                    value=query.text.clone()
                    placeholder="subdomain or owner email"
                    maxlength="100"
                />
            </label>
            <label>
                "State"
                <select name="state">
                    <option value="">"any"</option>
                    {state_options}
                </select>
            </label>
            <label>
                "Plan"
                <select name="plan">
                    <option value="">"any"</option>
                    {plan_options}
                </select>
            </label>
            <input type="hidden" name="sort" value=query.sort_param()/>
            <button type="submit">"Search"</button>
        </Form>
    }
}

/// One page of tenants with sortable headers and page links.
#[component]
fn TenantTable(query: TenantQuery, page: TenantPage) -> impl IntoView {
    let header = |sort: TenantSort, title: &'static str| {
        let arrow = match (query.sort == sort, query.descending) {
            (true, true) => " ↓",
            (true, false) => " ↑",
            (false, _) => "",
        };
        let order = match (query.sort == sort, query.descending) {
            (true, true) => "descending",
            (true, false) => "ascending",
            (false, _) => "none",
        };
        view! {
            <th aria-sort=order>
                <A href=query.sorted_by(sort).href() attr:data-testid=format!("sort-{}", sort.as_str())>
                    {title}{arrow}
                </A>
            </th>
        }
    };
    let summary = paging::summary(page.total, page.page, page.pages, "tenant", "tenants");
    let rows = page
        .rows
        .into_iter()
        .map(|t| {
            let href = format!("/admin/tenants/{}", t.subdomain);
            view! {
                <tr>
                    <td><A href=href>{t.subdomain}</A></td>
                    <td>
                        <span class=format!("state state-{}", t.state.as_str())>{t.state.as_str()}</span>
                        {t.drift.map(|drift| view! {
                            " " <span class="state state-drifted" title=drift data-testid="drifted">"drifted"</span>
                        })}
                    </td>
                    <td>{t.plan}</td>
                    <td>{t.owner_email.unwrap_or_default()}</td>
                    <td><When at=t.created_at/></td>
                </tr>
            }
        })
        .collect_view();
    let empty = page.total == 0;
    view! {
        <p class="muted" data-testid="tenants-summary">{summary}</p>
        <table data-testid="tenants-table">
            <thead>
                <tr>
                    {header(TenantSort::Subdomain, "Subdomain")}
                    {header(TenantSort::State, "State")}
                    {header(TenantSort::Plan, "Plan")}
                    <th>"Owner"</th>
                    {header(TenantSort::Created, "Created")}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {empty.then(|| view! { <p class="empty">"No tenants match: clear the search, or create one above."</p> })}
        <Pager page=page.page pages=page.pages href=move |n| query.on_page(n).href()/>
    }
}
