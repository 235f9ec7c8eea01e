//! Today: the rep's home. Follow-ups overdue, due today and in the next 7 days (each one tap
//! from the visit log that completes it), A-priority accounts not visited for 30 days, and
//! recent activity. `/` shows it to reps; `/today` (a lazy route) to everyone.

use crate::components::{PageData, page_data};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::today::{Today, get_today};
use crate::components::format::{count, day, optional_date};
use crate::components::{loaded, use_session};
use crate::model::{AccountToVisit, FollowUp, interaction::NEGLECTED_AFTER_DAYS};
use crate::pages::interactions::InteractionEntry;

pub struct TodayPage {
    today: PageData<Today>,
}

/// Today from the server, or from the copy on this device when the server cannot be reached.
pub(crate) fn today_resource() -> PageData<Today> {
    page_data(|| (), |_| async move { crate::offline::or_from_copy!(get_today().await, today()) })
}

#[lazy_route]
impl LazyRoute for TodayPage {
    fn data() -> Self {
        TodayPage { today: today_resource() }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.today, |today| view! { <TodayView today/> }.into_any())
    }
}

#[component]
pub fn TodayView(today: Today) -> impl IntoView {
    let can_log = use_session().is_some_and(|user| crate::policy::can_write(&user));
    let due = today.overdue.len() + today.due_today.len();
    let heading = format!("Today · {}", day(today.today));
    view! {
        <Title text="Today"/>
        <div class="page-header">
            <h1>{heading}</h1>
            {can_log.then(|| view! { <div class="actions"><a class="button primary" href="/log">"Log visit"</a></div> })}
        </div>
        <p class="lead">
            {match due {
                0 => "Nothing due today.".to_owned(),
                n => format!("{} due today or overdue.", count(n as i64, "follow-up", "follow-ups")),
            }}
        </p>
        <div class="today-grid">
            <FollowUps id="overdue" title="Overdue" items=today.overdue can_log urgent=true/>
            <FollowUps id="due-today" title="Due today" items=today.due_today can_log urgent=false/>
            <FollowUps id="this-week" title="Next 7 days" items=today.this_week can_log urgent=false/>
            <ToVisit accounts=today.to_visit total=today.to_visit_total can_log/>
            <section class="card" aria-labelledby="recent-heading">
                <div class="card-header">
                    <h2 id="recent-heading">"Recent activity"</h2>
                    <a href="/interactions?user=me">"All yours"</a>
                </div>
                {if today.recent.is_empty() {
                    view! { <p class="empty">"Nothing logged yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="interaction-list compact">
                            {today.recent.into_iter().map(|item| view! { <InteractionEntry item can_edit=can_log/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
    }
}

#[component]
fn FollowUps(
    id: &'static str,
    title: &'static str,
    items: Vec<FollowUp>,
    can_log: bool,
    urgent: bool,
) -> impl IntoView {
    let heading_id = format!("{id}-heading");
    let labelled_by = heading_id.clone();
    let urgent = urgent && !items.is_empty();
    let total = items.len();
    view! {
        <section class="card follow-ups" class:urgent=urgent id=id aria-labelledby=labelled_by>
            <div class="card-header">
                <h2 id=heading_id>{title}</h2>
                <span class="count-badge">{total}</span>
            </div>
            {if items.is_empty() {
                view! { <p class="empty">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list follow-up-list">
                        {items.into_iter().map(|item| {
                            let log = format!("/log?organization={}&completes={}", item.organization_id, item.id);
                            view! {
                                <li>
                                    <div>
                                        <a href=format!("/organizations/{}", item.organization_id)><strong>{item.organization_name.clone()}</strong></a>
                                        {item.contact_name().map(|c| format!(" · {c}"))}
                                        <div class="muted">
                                            {day(item.due_on())}
                                            {item.follow_up_notes.clone().map(|n| format!(" · {n}"))}
                                        </div>
                                    </div>
                                    {can_log.then(|| view! {
                                        <a class="button small" href=log>
                                            "Log visit"<span class="visually-hidden">{format!(" at {}", item.organization_name)}</span>
                                        </a>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ToVisit(accounts: Vec<AccountToVisit>, total: i64, can_log: bool) -> impl IntoView {
    let shown = accounts.len() as i64;
    view! {
        <section class="card" id="to-visit" aria-labelledby="to-visit-heading">
            <div class="card-header">
                <h2 id="to-visit-heading">{format!("A accounts not visited in {NEGLECTED_AFTER_DAYS}+ days")}</h2>
                <span class="count-badge">{total}</span>
            </div>
            {if accounts.is_empty() {
                view! { <p class="empty">"Every A account has been visited lately."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list follow-up-list">
                        {accounts.into_iter().map(|org| view! {
                            <li>
                                <div>
                                    <a href=format!("/organizations/{}", org.id)><strong>{org.name.clone()}</strong></a>
                                    {crate::model::organization::place(org.city.as_deref(), org.region.as_deref()).map(|p| format!(" · {p}"))}
                                    <div class="muted">"Last visit: "{optional_date(org.last_interaction_at)}</div>
                                </div>
                                {can_log.then(|| view! {
                                    <a class="button small" href=format!("/log?organization={}", org.id)>
                                        "Log visit"<span class="visually-hidden">{format!(" at {}", org.name)}</span>
                                    </a>
                                })}
                            </li>
                        }).collect_view()}
                    </ul>
                    {(total > shown).then(|| view! {
                        <p class="muted">
                            {format!("{} more. ", total - shown)}
                            <a href="/organizations?priority=A&sort=last_interaction">"See them all"</a>
                        </p>
                    })}
                }.into_any()
            }}
        </section>
    }
}
