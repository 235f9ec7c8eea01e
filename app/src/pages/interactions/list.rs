//! `/interactions`: every interaction the user may see, newest first, filtered on the
//! server by organization, author, kind, outcome and open follow-ups. A lazy route; the
//! filters are a plain GET form, so the page works without JavaScript.

use crate::components::{PageData, page_data};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_location;
use leptos_router::{LazyRoute, lazy_route};

use super::InteractionEntry;
use crate::api::interactions::{InteractionList, list_interactions};
use crate::components::{ErrorPanel, Pagination, use_session};
use crate::model::{InteractionKind, InteractionQuery, Outcome, SortDirection};

fn href(query: &InteractionQuery) -> String {
    match query.to_query_string() {
        qs if qs.is_empty() => "/interactions".to_owned(),
        qs => format!("/interactions?{qs}"),
    }
}

pub struct InteractionsPage {
    list: PageData<InteractionList>,
}

#[lazy_route]
impl LazyRoute for InteractionsPage {
    fn data() -> Self {
        let location = use_location();
        let list = page_data(move || location.search.get(), list_interactions);
        InteractionsPage { list }
    }

    fn view(this: Self) -> AnyView {
        let list = this.list;
        view! {
            <Title text="Interactions"/>
            <Transition fallback=|| view! { <p class="loading">"Loading interactions…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! { <ListView list/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    }
}

#[component]
fn ListView(list: InteractionList) -> impl IntoView {
    let query = list.query;
    let me = use_session().map(|u| u.id);
    let title = match &list.organization_name {
        Some(name) => format!("Interactions · {name}"),
        None if query.user_id.is_some() && query.user_id == me => "Your interactions".to_owned(),
        None => "Interactions".to_owned(),
    };
    let page = list.page;
    let (first, last) = page.range();
    let page_count = page.page_count();
    let pager_query = query.clone();
    let log_href = match query.organization_id {
        Some(id) => format!("/log?organization={id}"),
        None => "/log".to_owned(),
    };
    let can_log = list.can_log;
    view! {
        <div class="page-header">
            <h1>{title}</h1>
            {can_log.then(|| view! { <div class="actions"><a class="button primary" href=log_href>"Log visit"</a></div> })}
        </div>
        <Filters query=query.clone() users=list.users/>
        <p class="list-tools">
            <a class="button small" href=format!("/api/v1/interactions.csv?{}", query.to_query_string()) download>
                "Export CSV"<span class="visually-hidden">" of the interactions as filtered"</span>
            </a>
        </p>
        {if page.items.is_empty() {
            view! {
                <div class="empty card">
                    <p>{if query == InteractionQuery::default() { "Nothing logged yet." } else { "No interactions match these filters." }}</p>
                    <a class="button" href="/interactions">"All interactions"</a>
                </div>
            }.into_any()
        } else {
            view! {
                <ul class="interaction-list">
                    {page.items.into_iter().map(|item| view! { <InteractionEntry item can_edit=can_log/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <Pagination page=page.page page_count first last total=page.total href=move |n| href(&pager_query.with_page(n))/>
    }
}

#[component]
fn Filters(query: InteractionQuery, users: Vec<crate::model::UserSummary>) -> impl IntoView {
    let option = |value: &str, label: &str, selected: bool| {
        view! { <option value=value.to_owned() selected=selected>{label.to_owned()}</option> }
    };
    view! {
        <Form method="get" action="/interactions" attr:class="filters" attr:role="search">
            {query.organization_id.map(|id| view! { <input type="hidden" name="organization" value=id.to_string()/> })}
            <div class="filter-grid">
                <div class="field">
                    <label for="filter-user">"Logged by"</label>
                    <select id="filter-user" name="user">
                        {option("", "Anyone", query.user_id.is_none())}
                        {users.iter().map(|u| option(&u.id.to_string(), &u.full_name, query.user_id == Some(u.id))).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-kind">"Kind"</label>
                    <select id="filter-kind" name="kind">
                        {option("", "Any kind", query.kind.is_none())}
                        {InteractionKind::ALL.iter().map(|k| option(k.code(), k.label(), query.kind == Some(*k))).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-outcome">"Outcome"</label>
                    <select id="filter-outcome" name="outcome">
                        {option("", "Any outcome", query.outcome.is_none())}
                        {Outcome::ALL.iter().map(|o| option(o.code(), o.label(), query.outcome == Some(*o))).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-follow-ups">"Follow-ups"</label>
                    <select id="filter-follow-ups" name="follow_ups">
                        {option("", "All", !query.open_follow_ups)}
                        {option("open", "Open only", query.open_follow_ups)}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-dir">"Order"</label>
                    <select id="filter-dir" name="dir">
                        {option("desc", "Newest first", query.direction == SortDirection::Desc)}
                        {option("asc", "Oldest first", query.direction == SortDirection::Asc)}
                    </select>
                </div>
            </div>
            <div class="form-actions">
                <button type="submit" class="button primary">"Apply"</button>
                <a class="button" href="/interactions">"Clear"</a>
            </div>
        </Form>
    }
}
