//! Links to the pages of a long table.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::paging::page_links;

/// "Page N of M" with links to the previous, next and nearby pages; `href` gives a page's
/// address.
#[component]
pub fn Pager(page: u32, pages: u32, href: impl Fn(u32) -> String + 'static) -> impl IntoView {
    let previous = (page > 1).then(|| href(page - 1));
    let next = (page < pages).then(|| href(page + 1));
    let numbers = page_links(page, pages)
        .into_iter()
        .map(|link| match link {
            Some(number) if number == page => {
                view! { <span class="current" aria-current="page">{number}</span> }.into_any()
            }
            Some(number) => view! { <A href=href(number)>{number}</A> }.into_any(),
            None => view! { <span class="gap">"…"</span> }.into_any(),
        })
        .collect_view();
    view! {
        <nav class="pager" aria-label="Pages" data-testid="pager">
            {previous.map(|href| view! { <A href=href attr:rel="prev">"Previous"</A> })}
            {numbers}
            {next.map(|href| view! { <A href=href attr:rel="next">"Next"</A> })}
        </nav>
    }
}
