//! `/reports`: the printable reports for a date range (and optionally one rep): weekly
//! activity per rep, interaction volume by kind and outcome, pipeline status and
//! organization performance. A lazy route; the print stylesheet leaves out everything but
//! the reports.

use crate::components::PageData;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::reports::{Reports, get_reports};
use crate::components::figures::{FiguresFilter, PipelineChart, WeeklyChart, figures_resource};
use crate::components::format::day;
use crate::components::loaded;
use crate::model::validate::format_money;
use crate::model::{InteractionKind, Outcome};

pub struct ReportsPage {
    reports: PageData<Reports>,
}

#[lazy_route]
impl LazyRoute for ReportsPage {
    fn data() -> Self {
        ReportsPage { reports: figures_resource(get_reports) }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.reports, |reports| view! { <ReportsView reports/> }.into_any())
    }
}

#[component]
fn ReportsView(reports: Reports) -> impl IntoView {
    let Reports { period, rep, weekly, volume, stages, top_organizations, users } = reports;
    let range = format!("{} – {}", day(period.from), day(period.to));
    let weeks: Vec<chrono::NaiveDate> =
        weekly.first().map(|(_, w)| w.iter().map(|(d, _)| *d).collect()).unwrap_or_default();
    let team_weeks: Vec<(chrono::NaiveDate, i64)> = weeks
        .iter()
        .enumerate()
        .map(|(i, d)| (*d, weekly.iter().map(|(_, w)| w.get(i).map(|x| x.1).unwrap_or(0)).sum()))
        .collect();
    let count = |kind: InteractionKind, outcome: Option<Outcome>| {
        volume.iter().filter(|(k, o, _)| *k == kind && *o == outcome).map(|(_, _, n)| *n).sum::<i64>()
    };
    let outcomes: Vec<Option<Outcome>> = Outcome::ALL.iter().copied().map(Some).chain([None]).collect();
    let kind_total =
        |kind: InteractionKind| volume.iter().filter(|(k, _, _)| *k == kind).map(|(_, _, n)| *n).sum::<i64>();
    view! {
        <Title text="Reports"/>
        <div class="page-header">
            <h1>"Reports"</h1>
            <p class="muted">{range.clone()}</p>
        </div>
        <FiguresFilter action="/reports" users rep period>
            <button type="button" class="button" on:click=move |_| { let _ = window().print(); }>"Print"</button>
        </FiguresFilter>

        <section class="card report" aria-labelledby="weekly-report">
            <h2 id="weekly-report">"Weekly activity per rep"</h2>
            <p class="muted">"Interactions logged in each of the last 8 weeks (weeks start on Monday)."</p>
            <WeeklyChart weeks=team_weeks/>
            <div class="table-wrap">
                <table class="data-table report-table">
                    <thead>
                        <tr>
                            <th scope="col">"Rep"</th>
                            {weeks.iter().map(|d| view! { <th scope="col" class="num">{d.format("%b %-d").to_string()}</th> }).collect_view()}
                            <th scope="col" class="num">"Total"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {weekly.iter().map(|(name, w)| view! {
                            <tr>
                                <th scope="row">{name.clone()}</th>
                                {w.iter().map(|(_, n)| view! { <td class="num">{*n}</td> }).collect_view()}
                                <td class="num"><strong>{w.iter().map(|(_, n)| n).sum::<i64>()}</strong></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>

        <section class="card report" aria-labelledby="volume-report">
            <h2 id="volume-report">"Interactions by kind and outcome"</h2>
            <p class="muted">{format!("Logged with a date in {range}.")}</p>
            <div class="table-wrap">
                <table class="data-table report-table">
                    <thead>
                        <tr>
                            <th scope="col">"Kind"</th>
                            {outcomes.iter().map(|o| view! { <th scope="col" class="num">{o.map(|o| o.label()).unwrap_or("No outcome")}</th> }).collect_view()}
                            <th scope="col" class="num">"Total"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {InteractionKind::ALL.iter().map(|kind| view! {
                            <tr>
                                <th scope="row">{kind.label()}</th>
                                {outcomes.iter().map(|o| view! { <td class="num">{count(*kind, *o)}</td> }).collect_view()}
                                <td class="num"><strong>{kind_total(*kind)}</strong></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>

        <section class="card report" aria-labelledby="pipeline-report">
            <h2 id="pipeline-report">"Pipeline status"</h2>
            <p class="muted">"Open deals now; won and lost since the start of the range."</p>
            <PipelineChart totals=stages.clone()/>
            <div class="table-wrap">
                <table class="data-table report-table">
                    <thead><tr><th scope="col">"Stage"</th><th scope="col" class="num">"Deals"</th><th scope="col" class="num">"Value"</th><th scope="col" class="num">"Weighted"</th></tr></thead>
                    <tbody>
                        {stages.iter().map(|t| view! {
                            <tr>
                                <th scope="row">{t.stage.label()}</th>
                                <td class="num">{t.deals}</td>
                                <td class="num">{format_money(t.value_cents)}</td>
                                <td class="num">{format_money(t.weighted_cents)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>

        <section class="card report" aria-labelledby="organizations-report">
            <h2 id="organizations-report">"Organization performance"</h2>
            <p class="muted">{format!("The accounts with the most value won in {range}.")}</p>
            {if top_organizations.is_empty() {
                view! { <p class="empty">"No deal was won in this range."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table report-table">
                            <thead><tr>
                                <th scope="col">"Organization"</th><th scope="col" class="num">"Won deals"</th>
                                <th scope="col" class="num">"Won value"</th><th scope="col" class="num">"Interactions"</th>
                                <th scope="col" class="num">"Open pipeline"</th>
                            </tr></thead>
                            <tbody>
                                {top_organizations.into_iter().map(|o| view! {
                                    <tr>
                                        <th scope="row"><a href=format!("/organizations/{}", o.id)>{o.name.clone()}</a></th>
                                        <td class="num">{o.won_deals}</td>
                                        <td class="num">{format_money(o.won_cents)}</td>
                                        <td class="num">{o.interactions}</td>
                                        <td class="num">{format_money(o.open_pipeline_cents)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
