//! Previous / next links for a paged list, usable without JavaScript.

use leptos::prelude::*;

/// `href(page)` builds the link to a page.
#[component]
pub fn Pagination(
    page: u32,
    page_count: u32,
    first: i64,
    last: i64,
    total: i64,
    href: impl Fn(u32) -> String + 'static,
) -> impl IntoView {
    let previous = (page > 1).then(|| href(page - 1));
    let next = (page < page_count).then(|| href(page + 1));
    view! {
        <nav class="pagination" aria-label="Pages">
            <p class="range">
                {if total == 0 { "No results".to_owned() } else { format!("{first}–{last} of {total}") }}
            </p>
            <div class="pager">
                {match previous {
                    Some(href) => view! { <a class="button" href=href rel="prev">"← Previous"</a> }.into_any(),
                    None => view! { <span class="button" aria-disabled="true">"← Previous"</span> }.into_any(),
                }}
                <span class="page-of">{format!("Page {page} of {page_count}")}</span>
                {match next {
                    Some(href) => view! { <a class="button" href=href rel="next">"Next →"</a> }.into_any(),
                    None => view! { <span class="button" aria-disabled="true">"Next →"</span> }.into_any(),
                }}
            </div>
        </nav>
    }
}
