//! `/search?q=…`: one box for organizations and contacts, results ranked best first and
//! reachable with the arrow keys. A plain GET form without JavaScript; with it, results
//! follow the typing. A lazy route.

use crate::components::{PageData, page_data};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::search::search;
use crate::components::keyboard::move_between_results;
use crate::components::{ErrorPanel, loaded};
use crate::model::search::{HitKind, SearchHit};

pub struct SearchPage {
    initial: PageData<(String, Vec<SearchHit>)>,
}

#[lazy_route]
impl LazyRoute for SearchPage {
    fn data() -> Self {
        let query = use_query_map();
        let initial = page_data(
            move || query.with(|q| q.get("q").unwrap_or_default()),
            |q| async move {
                let hits = if q.trim().is_empty() { Vec::new() } else { search(q.clone()).await? };
                Ok((q, hits))
            },
        );
        SearchPage { initial }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.initial, |(q, hits)| view! { <SearchView q hits/> }.into_any())
    }
}

#[component]
fn SearchView(q: String, hits: Vec<SearchHit>) -> impl IntoView {
    let initial = q.clone();
    let typed = RwSignal::new(None::<String>);
    let find = Action::new(|q: &String| search(q.clone()));
    let shown_query = move || typed.get().unwrap_or_else(|| q.clone());
    let results = move || match (typed.get(), find.value().get()) {
        (Some(text), _) if text.trim().is_empty() => Ok(Vec::new()),
        (Some(_), Some(found)) => found,
        _ => Ok(hits.clone()),
    };
    let keys = |ev: leptos::ev::KeyboardEvent| move_between_results(&ev, "search-q", "#search-results a");
    view! {
        <Title text="Search"/>
        <div class="page-header"><h1>"Search"</h1></div>
        <form method="get" action="/search" role="search" class="typeahead">
            <label for="search-q">"Organizations and contacts"</label>
            <div class="search-row">
                <input
                    id="search-q"
                    type="search"
                    name="q"
                    value=initial
                    autocomplete="off"
                    autofocus=true
                    maxlength=100
                    placeholder="Name, city, phone or email"
                    aria-controls="search-results"
                    aria-describedby="search-hint"
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        typed.set(Some(text.clone()));
                        if !text.trim().is_empty() {
                            find.dispatch(text);
                        }
                    }
                    on:keydown=keys
                />
                <button type="submit" class="button primary">"Search"</button>
            </div>
            <p class="hint" id="search-hint">"Small typos in names are forgiven. Use ↓ and ↑ to move through the results."</p>
        </form>
        <div aria-live="polite">
            {move || match results() {
                Err(error) => view! { <ErrorPanel error/> }.into_any(),
                Ok(list) if list.is_empty() && !shown_query().trim().is_empty() => view! {
                    <p class="empty">{format!("Nothing matches “{}”.", shown_query().trim())}</p>
                }.into_any(),
                Ok(list) => view! {
                    <ul class="choice-list search-results" id="search-results" on:keydown=keys>
                        {list.into_iter().map(|hit| view! { <Hit hit/> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn Hit(hit: SearchHit) -> impl IntoView {
    let kind = match hit.kind {
        HitKind::Organization => "Organization",
        HitKind::Contact => "Contact",
    };
    let contact = [hit.email.clone(), hit.phone.as_deref().map(crate::model::validate::format_phone)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li>
            <a href=hit.href()>
                <span class="tag">{kind}</span>" "
                <strong>{hit.title.clone()}</strong>
                {hit.detail.clone().map(|d| view! { <span class="muted">{format!(" · {d}")}</span> })}
                {(!contact.is_empty()).then(|| view! { <span class="sub muted">{contact}</span> })}
            </a>
        </li>
    }
}
