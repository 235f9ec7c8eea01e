//! `/`: where the day starts. For a rep, Today (what is due, who needs a visit); for
//! managers and others, an overview of the book of business.

use crate::components::page_data;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::home::{HomeSummary, get_home_summary};
use crate::components::format::{count, optional_date};
use crate::components::{PriorityBadge, loaded, use_session};

#[component]
pub fn HomePage() -> impl IntoView {
    if use_session().is_some_and(|user| user.role == crate::model::Role::SalesRep) {
        let today = crate::pages::today::today_resource();
        return loaded(today, |today| view! { <crate::pages::today::TodayView today/> }.into_any());
    }
    let summary = page_data(|| (), |_| get_home_summary());
    view! {
        <Title text="Home"/>
        {loaded(summary, |summary| view! { <Overview summary/> }.into_any())}
    }
    .into_any()
}

#[component]
fn Overview(summary: HomeSummary) -> impl IntoView {
    let can_create = use_session().is_some_and(|user| crate::policy::can_write(&user));
    view! {
                        <div class="page-header">
                            <h1>"Your accounts"</h1>
                            {can_create.then(|| view! {
                                <div class="actions">
                                    <a class="button" href="/today">"Today"</a>
                                    <a class="button" href="/organizations/new">"New organization"</a>
                                    <a class="button primary" href="/log">"Log visit"</a>
                                </div>
                            })}
                        </div>
                        <section class="stats" aria-label="Totals">
                            <a class="stat" href="/organizations">
                                <span class="stat-value">{summary.organizations}</span>
                                <span class="stat-label">"organizations"</span>
                            </a>
                            {summary.priority_counts.iter().map(|(priority, n)| view! {
                                <a class="stat" href=format!("/organizations?priority={}", priority.code())>
                                    <span class="stat-value">{*n}</span>
                                    <span class="stat-label">{format!("priority {}", priority.code())}</span>
                                </a>
                            }).collect_view()}
                            <div class="stat">
                                <span class="stat-value">{summary.contacts}</span>
                                <span class="stat-label">"contacts"</span>
                            </div>
                        </section>
                        <section class="card">
                            <h2>"Recently updated"</h2>
                            {if summary.recently_updated.is_empty() {
                                view! {
                                    <p class="empty">"No organizations yet. "
                                        {can_create.then(|| view! { <a href="/organizations/new">"Add the first one"</a>"." })}
                                    </p>
                                }.into_any()
                            } else {
                                view! {
                                    <ul class="plain-list">
                                        {summary.recently_updated.into_iter().map(|org| view! {
                                            <li>
                                                <PriorityBadge priority=org.priority/>
                                                <a href=format!("/organizations/{}", org.id)>{org.name.clone()}</a>
                                                <span class="muted">
                                                    {org.place().map(|p| format!(" · {p}"))}
                                                    {format!(" · {} · updated {}", count(org.contact_count, "contact", "contacts"), optional_date(Some(org.updated_at)))}
                                                </span>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>

    }
}
