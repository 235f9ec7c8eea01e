//! `/organizations`: every account, filtered, sorted and paged on the server. The filters
//! live in the address, so a filtered list can be bookmarked, shared and reloaded, and the
//! page works without JavaScript.

use crate::components::page_data;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_location;

use crate::api::organizations::{OrganizationList, list_organizations};
use crate::components::format::optional_date;
use crate::components::{ErrorPanel, Pagination, PriorityBadge, use_session};
use crate::model::query::parse_query_string;
use crate::model::validate::format_phone;
use crate::model::{
    FieldErrors, OrganizationKind, OrganizationQuery, OrganizationSort, Priority, Segment, SortDirection,
};

fn href(query: &OrganizationQuery) -> String {
    match query.to_query_string() {
        qs if qs.is_empty() => "/organizations".to_owned(),
        qs => format!("/organizations?{qs}"),
    }
}

#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let location = use_location();
    let parsed = Memo::new(move |_| {
        let pairs = parse_query_string(&location.search.get());
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        OrganizationQuery::from_pairs_lenient(&refs)
    });
    let list = page_data(
        move || parsed.with(|(q, _)| q.to_query_string()),
        |query| async move {
            crate::offline::or_from_copy!(list_organizations(query.clone()).await, organization_list(query))
        },
    );

    view! {
        <Title text="Organizations"/>
        <div class="page-header">
            <h1>"Organizations"</h1>
            {use_session().is_some_and(|user| crate::policy::can_write(&user)).then(|| view! {
                <div class="actions">
                    <a class="button primary" href="/organizations/new">"New organization"</a>
                </div>
            })}
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading organizations…"</p> }>
            {move || Suspend::new(async move {
                let (query, bad) = parsed.get();
                match list.await {
                    Ok(list) => view! { <ListView list query bad/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ListView(list: OrganizationList, query: OrganizationQuery, bad: FieldErrors) -> impl IntoView {
    let can_create = use_session().is_some_and(|user| crate::policy::can_write(&user));
    let can_import = use_session().is_some_and(|user| crate::policy::can_import(&user));
    let page = list.page;
    let (first, last) = page.range();
    let page_count = page.page_count();
    let pager_query = query.clone();
    view! {
        {(!bad.is_empty()).then(|| view! {
            <div class="alert warning" role="status">
                <p>"Some filters in the address were not understood and were left out:"</p>
                <ul>{bad.into_values().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            </div>
        })}
        <PriorityChips query=query.clone() counts=list.priority_counts/>
        <Filters query=query.clone() users=list.users/>
        <p class="list-tools">
            <a class="button small" href=format!("/api/v1/organizations.csv?{}", query.to_query_string()) download>
                "Export CSV"<span class="visually-hidden">" of the organizations as filtered"</span>
            </a>
            {can_import.then(|| view! { <a class="button small" href="/organizations/import">"Import CSV"</a> })}
        </p>
        {if page.items.is_empty() {
            let message = if query.is_filtered() {
                "No organizations match these filters."
            } else {
                "No organizations yet."
            };
            view! {
                <div class="empty card">
                    <p>{message}</p>
                    {if query.is_filtered() {
                        view! { <a class="button" href="/organizations">"Clear filters"</a> }.into_any()
                    } else if can_create {
                        view! { <a class="button primary" href="/organizations/new">"Add the first organization"</a> }.into_any()
                    } else {
                        ().into_any()
                    }}
                </div>
            }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data-table organizations">
                        <caption class="visually-hidden">"Organizations"</caption>
                        <thead>
                            <tr>
                                <SortHeader query=query.clone() sort=OrganizationSort::Name label="Name"/>
                                <SortHeader query=query.clone() sort=OrganizationSort::Priority label="Priority"/>
                                <th scope="col">"Segment"</th>
                                <SortHeader query=query.clone() sort=OrganizationSort::City label="City"/>
                                <th scope="col" class="num">"Contacts"</th>
                                <th scope="col">"Assigned to"</th>
                                <SortHeader query=query.clone() sort=OrganizationSort::LastInteraction label="Last interaction"/>
                                <SortHeader query=query.clone() sort=OrganizationSort::NextFollowUp label="Next follow-up"/>
                            </tr>
                        </thead>
                        <tbody>
                            {page.items.iter().map(|org| view! {
                                <tr>
                                    <th scope="row" data-label="Name">
                                        <a class="row-link" href=format!("/organizations/{}", org.id)>{org.name.clone()}</a>
                                        {org.phone.as_deref().map(|p| view! { <span class="sub">{format_phone(p)}</span> })}
                                    </th>
                                    <td data-label="Priority"><PriorityBadge priority=org.priority/></td>
                                    <td data-label="Segment">
                                        {org.segment.map(|s| s.label()).unwrap_or("—")}
                                        <span class="sub">{org.kind.label()}</span>
                                    </td>
                                    <td data-label="City">{org.place().unwrap_or_else(|| "—".into())}</td>
                                    <td data-label="Contacts" class="num">{org.contact_count}</td>
                                    <td data-label="Assigned to">{org.assigned_user_name.clone().unwrap_or_else(|| "Unassigned".into())}</td>
                                    <td data-label="Last interaction">{optional_date(org.last_interaction_at)}</td>
                                    <td data-label="Next follow-up">{optional_date(org.next_follow_up_at)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <Pagination
            page=page.page
            page_count
            first
            last
            total=page.total
            href=move |n| href(&pager_query.with_page(n))
        />
    }
}

/// One chip per priority, each toggling that priority in the filter, with its count.
#[component]
fn PriorityChips(query: OrganizationQuery, counts: Vec<(Priority, i64)>) -> impl IntoView {
    let all = counts.iter().map(|(_, n)| n).sum::<i64>();
    let none_selected = query.priorities.is_empty();
    let all_href = href(&OrganizationQuery { priorities: Vec::new(), page: 1, ..query.clone() });
    view! {
        <nav class="chips" aria-label="Filter by priority">
            <a class="chip" href=all_href aria-current=none_selected.then_some("true")>
                "All " <span class="chip-count">{all}</span>
            </a>
            {counts.into_iter().map(|(priority, n)| {
                let selected = query.priorities.contains(&priority);
                let mut priorities = query.priorities.clone();
                if selected {
                    priorities.retain(|p| *p != priority);
                } else {
                    priorities.push(priority);
                    priorities.sort();
                }
                let target = href(&OrganizationQuery { priorities, page: 1, ..query.clone() });
                view! {
                    <a class="chip" href=target aria-current=selected.then_some("true")>
                        <span class="visually-hidden">"Priority "</span>{priority.code()}" "
                        <span class="chip-count">{n}</span>
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

/// The search box and, folded away unless in use, the other filters and the sort: a plain
/// GET form, so it works without JavaScript and the result is a shareable address.
#[component]
fn Filters(query: OrganizationQuery, users: Vec<crate::model::UserSummary>) -> impl IntoView {
    let option = |value: &str, label: &str, selected: bool| {
        view! { <option value=value.to_owned() selected=selected>{label.to_owned()}</option> }
    };
    let refined = query.segment.is_some()
        || query.kind.is_some()
        || query.assigned_user_id.is_some()
        || query.sort != OrganizationSort::Name
        || query.direction != SortDirection::Asc;
    view! {
        <Form method="get" action="/organizations" attr:class="filters" attr:role="search">
            {query.priorities.iter().map(|p| view! { <input type="hidden" name="priority" value=p.code()/> }).collect_view()}
            <div class="search-row">
                <div class="field search">
                    <label for="filter-q">"Search by name"</label>
                    <input id="filter-q" type="search" name="q" value=query.search.clone().unwrap_or_default()
                        placeholder="e.g. Pizza" autocomplete="off" maxlength=100/>
                </div>
                <button type="submit" class="button primary">"Apply"</button>
                {query.is_filtered().then(|| view! { <a class="button" href="/organizations">"Clear"</a> })}
            </div>
            <details class="more-filters" open=refined>
                <summary>"Filters and sort"</summary>
                <div class="filter-grid">
                    <div class="field">
                        <label for="filter-segment">"Segment"</label>
                        <select id="filter-segment" name="segment">
                            {option("", "Any segment", query.segment.is_none())}
                            {Segment::ALL.iter().map(|s| option(s.code(), s.label(), query.segment == Some(*s))).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="filter-kind">"Type"</label>
                        <select id="filter-kind" name="kind">
                            {option("", "Any type", query.kind.is_none())}
                            {OrganizationKind::ALL.iter().map(|k| option(k.code(), k.label(), query.kind == Some(*k))).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="filter-assigned">"Assigned to"</label>
                        <select id="filter-assigned" name="assigned_to">
                            {option("", "Anyone", query.assigned_user_id.is_none())}
                            {users.iter().map(|u| option(&u.id.to_string(), &u.full_name, query.assigned_user_id == Some(u.id))).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="filter-sort">"Sort by"</label>
                        <select id="filter-sort" name="sort">
                            {OrganizationSort::ALL.iter().map(|s| option(s.code(), s.label(), query.sort == *s)).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="filter-dir">"Order"</label>
                        <select id="filter-dir" name="dir">
                            {option("asc", "Ascending", query.direction == SortDirection::Asc)}
                            {option("desc", "Descending", query.direction == SortDirection::Desc)}
                        </select>
                    </div>
                </div>
            </details>
        </Form>
    }
}

/// A column header that sorts by its column; a second click reverses the order.
#[component]
fn SortHeader(query: OrganizationQuery, sort: OrganizationSort, label: &'static str) -> impl IntoView {
    let current = query.sort == sort;
    let aria_sort = current.then_some(match query.direction {
        SortDirection::Asc => "ascending",
        SortDirection::Desc => "descending",
    });
    let arrow = match (current, query.direction) {
        (true, SortDirection::Asc) => " ↑",
        (true, SortDirection::Desc) => " ↓",
        _ => "",
    };
    view! {
        <th scope="col" aria-sort=aria_sort>
            <a href=href(&query.sorted_by(sort))>{label}{arrow}</a>
        </th>
    }
}
