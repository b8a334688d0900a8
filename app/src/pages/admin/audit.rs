//! The admin panel's audit log: every admin and owner action, newest first, filtered and
//! paged on the server with the choices in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::search_audit;
use crate::components::load_error::AdminLoadError;
use crate::components::pager::Pager;
use crate::components::when::When;
use crate::domain::audit::action;
use crate::domain::paging;
use crate::domain::{ActorKind, AuditPage, AuditQuery};

/// The URL parameters the page reads.
const PARAMS: [&str; 4] = ["actor", "action", "target", "page"];

/// The filter form and one page of the audit log.
#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query_map = use_query_map();
    let entries = Resource::new(
        move || query_map.with(|map| PARAMS.map(|key| map.get(key))),
        |[actor, action, target, page]| search_audit(actor, action, target, page),
    );
    view! {
        <Title text="Audit log · storefleet"/>
        <section class="card wide">
            <h1>"Audit log"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let found = entries.await;
                    let query = query_map
                        .with_untracked(|map| AuditQuery::parse(|key| map.get(key)))
                        .unwrap_or_default();
                    view! {
                        <AuditForm query=query.clone()/>
                        {match found {
                            Ok(page) => view! { <AuditTable query page/> }.into_any(),
                            Err(error) => view! { <AdminLoadError error/> }.into_any(),
                        }}
                    }
                })}
            </Transition>
        </section>
    }
}

/// A GET form: submitting it loads the page with the new filters, from page 1.
#[component]
fn AuditForm(query: AuditQuery) -> impl IntoView {
    let actions = action::ALL
        .into_iter()
        .map(|name| {
            let selected = query.action.as_deref() == Some(name);
            view! { <option value=name selected=selected>{name}</option> }
        })
        .collect_view();
    view! {
        <Form method="get" action="/admin/audit" attr:class="row-form" attr:data-testid="audit-search">
            <label>
                "Actor"
                <input type="search" name="actor" value=query.actor.clone() placeholder="email"/>
            </label>
            <label>
                "Action"
                <select name="action">
                    <option value="">"any"</option>
                    {actions}
                </select>
            </label>
            <label>
                "Target"
                <input type="search" name="target" value=query.target.clone() placeholder="subdomain or email"/>
            </label>
            <button type="submit">"Filter"</button>
        </Form>
    }
}

/// One page of entries and the links to the others.
#[component]
fn AuditTable(query: AuditQuery, page: AuditPage) -> impl IntoView {
    let summary = paging::summary(page.total, page.page, page.pages, "entry", "entries");
    let rows = page
        .rows
        .into_iter()
        .map(|entry| {
            let actor = match entry.actor_kind {
                ActorKind::User => entry.actor_email,
                kind => format!("{} ({})", entry.actor_email, kind.as_str()),
            };
            view! {
                <tr>
                    <td><When at=entry.at/></td>
                    <td>{actor}</td>
                    <td>{entry.action}</td>
                    <td>{entry.target}</td>
                    <td>{entry.detail}</td>
                    <td>{entry.client_addr}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted" data-testid="audit-summary">{summary}</p>
        <table data-testid="audit-table">
            <thead>
                <tr>
                    <th>"When"</th>
                    <th>"Who"</th>
                    <th>"Action"</th>
                    <th>"Target"</th>
                    <th>"Detail"</th>
                    <th>"From"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {(page.total == 0).then(|| view! {
            <p class="empty">"Nothing recorded matches: clear the filter to see every entry."</p>
        })}
        <Pager page=page.page pages=page.pages href=move |n| query.on_page(n).href()/>
    }
}
