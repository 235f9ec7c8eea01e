//! `/dashboard`: the key figures of domain.md for the team (managers, admins, read-only)
//! or the rep's own, for a date range, per rep, with weekly activity and the pipeline by
//! stage as charts. A lazy route; the filters are a plain GET form.

use crate::components::PageData;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::dashboard::{Dashboard, get_dashboard};
use crate::components::figures::{FiguresFilter, PipelineChart, WeeklyChart, figures_resource};
use crate::components::format::day;
use crate::components::loaded;
use crate::model::dashboard::Kpis;
use crate::model::validate::format_money;

pub struct DashboardPage {
    dashboard: PageData<Dashboard>,
}

#[lazy_route]
impl LazyRoute for DashboardPage {
    fn data() -> Self {
        DashboardPage { dashboard: figures_resource(get_dashboard) }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.dashboard, |dashboard| view! { <DashboardView dashboard/> }.into_any())
    }
}

#[component]
fn DashboardView(dashboard: Dashboard) -> impl IntoView {
    let Dashboard { period, rep, team, reps, weekly, stages, users } = dashboard;
    let whose = match rep.and_then(|id| reps.iter().find(|r| r.rep == Some(id))) {
        Some(row) if !users.is_empty() => row.name.clone(),
        _ if users.is_empty() => "Your figures".to_owned(),
        _ => "The team".to_owned(),
    };
    let range = format!("{} – {}", day(period.from), day(period.to));
    view! {
        <Title text="Dashboard"/>
        <div class="page-header">
            <h1>"Dashboard"</h1>
            <p class="muted">{format!("{whose} · {range}")}</p>
        </div>
        <FiguresFilter action="/dashboard" users=users.clone() rep period>
            <a class="button" href="/dashboard">"This quarter"</a>
        </FiguresFilter>
        <KpiCards kpis=team/>
        <div class="detail-grid">
            <section class="card" aria-labelledby="weekly-heading">
                <h2 id="weekly-heading">"Weekly activity"</h2>
                <WeeklyChart weeks=weekly/>
            </section>
            <section class="card" aria-labelledby="stages-heading">
                <h2 id="stages-heading">"Pipeline by stage"</h2>
                <PipelineChart totals=stages/>
            </section>
        </div>
        {(reps.len() > 1 || (!users.is_empty() && rep.is_none())).then(|| view! { <RepTable reps=reps.clone()/> })}
    }
}

#[component]
fn KpiCards(kpis: Kpis) -> impl IntoView {
    let cards: Vec<(String, &str, Option<&str>)> = vec![
        (kpis.organizations.to_string(), "organizations", Some("/organizations")),
        (kpis.a_priority.to_string(), "A-priority organizations", Some("/organizations?priority=A")),
        (kpis.contacts.to_string(), "contacts", None),
        (kpis.interactions_this_week.to_string(), "interactions this week", Some("/interactions")),
        (kpis.interactions_this_month.to_string(), "interactions this month", Some("/interactions")),
        (kpis.interactions_in_range.to_string(), "interactions in the range", None),
        (kpis.open_opportunities.to_string(), "open opportunities", Some("/pipeline")),
        (format_money(kpis.pipeline_cents), "pipeline value", Some("/pipeline")),
        (format_money(kpis.weighted_cents), "weighted pipeline", Some("/pipeline")),
        (format_money(kpis.won_cents), "won in the range", None),
        (kpis.follow_ups_due.to_string(), "follow-ups due", Some("/interactions?follow_ups=open")),
        (kpis.stale_deals.to_string(), "stale deals", Some("/pipeline")),
    ];
    view! {
        <section class="stats kpis" aria-label="Key figures">
            {cards.into_iter().map(|(value, label, href)| {
                let body = view! { <span class="stat-value">{value}</span><span class="stat-label">{label.to_owned()}</span> };
                match href {
                    Some(href) => view! { <a class="stat" href=href>{body}</a> }.into_any(),
                    None => view! { <div class="stat">{body}</div> }.into_any(),
                }
            }).collect_view()}
        </section>
    }
}

#[component]
fn RepTable(reps: Vec<crate::model::dashboard::RepKpis>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="reps-heading">
            <h2 id="reps-heading">"Per rep"</h2>
            <div class="table-wrap">
                <table class="data-table reps">
                    <thead>
                        <tr>
                            <th scope="col">"Rep"</th>
                            <th scope="col" class="num">"Organizations"</th>
                            <th scope="col" class="num">"A"</th>
                            <th scope="col" class="num">"Contacts"</th>
                            <th scope="col" class="num">"This week"</th>
                            <th scope="col" class="num">"This month"</th>
                            <th scope="col" class="num">"In range"</th>
                            <th scope="col" class="num">"Open deals"</th>
                            <th scope="col" class="num">"Pipeline"</th>
                            <th scope="col" class="num">"Weighted"</th>
                            <th scope="col" class="num">"Won"</th>
                            <th scope="col" class="num">"Follow-ups due"</th>
                            <th scope="col" class="num">"Stale"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {reps.into_iter().map(|r| {
                            let k = r.kpis;
                            let name = match r.rep {
                                Some(id) => view! { <a href=format!("/dashboard?rep={id}")>{r.name.clone()}</a> }.into_any(),
                                None => r.name.clone().into_any(),
                            };
                            view! {
                                <tr>
                                    <th scope="row" data-label="Rep">{name}</th>
                                    <td class="num" data-label="Organizations">{k.organizations}</td>
                                    <td class="num" data-label="A">{k.a_priority}</td>
                                    <td class="num" data-label="Contacts">{k.contacts}</td>
                                    <td class="num" data-label="This week">{k.interactions_this_week}</td>
                                    <td class="num" data-label="This month">{k.interactions_this_month}</td>
                                    <td class="num" data-label="In range">{k.interactions_in_range}</td>
                                    <td class="num" data-label="Open deals">{k.open_opportunities}</td>
                                    <td class="num" data-label="Pipeline">{format_money(k.pipeline_cents)}</td>
                                    <td class="num" data-label="Weighted">{format_money(k.weighted_cents)}</td>
                                    <td class="num" data-label="Won">{format_money(k.won_cents)}</td>
                                    <td class="num" data-label="Follow-ups due">{k.follow_ups_due}</td>
                                    <td class="num" data-label="Stale">{k.stale_deals}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
