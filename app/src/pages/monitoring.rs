//! `/monitoring`: whether the CRM is healthy and fast for the reps, at a glance. Status and
//! the overview cards (with their trend), the charts of the period (1 h, 24 h, 7 d), the
//! routes, real users' web vitals, the database and caches, the errors and the alerts.
//! Managers and administrators; a lazy route. It refreshes itself every few seconds while
//! the tab is visible (and holds still while a mouse points into a table); without
//! JavaScript it is a server-rendered snapshot whose links and buttons still work.

use crate::components::{PageData, page_data};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::alerts::ActOnAlert;
use crate::api::monitoring::{ClearCaches, MONITORING_PAGE, get_monitoring, get_route_detail};
use crate::components::format::date_time;
use crate::components::line_chart::{KeptDetails, KeptView, LineChart};
use crate::components::{open_page_on_success, rendered_or_error};
use crate::error::AppError;
use crate::model::monitoring::{
    CacheRow, Card, ErrorOccurrenceRow, ErrorRow, MonitoringOverview, Period, QueryRow, RouteDetail, RouteRow,
    RouteSort, SlowRequestRow, Unit, route_link, sort_routes,
};
use crate::model::vitals::{Metric, VitalSummary};
use crate::pages::alerts::{alert_item, event_item};

/// How often the open dashboard asks for fresh figures.
#[cfg(feature = "hydrate")]
const REFRESH_MS: u64 = 5_000;

/// The Core Web Vitals and their diagnostics, in the order the reports show them.
const VITALS: [Metric; 5] = [Metric::Lcp, Metric::Inp, Metric::Cls, Metric::Fcp, Metric::Ttfb];

pub struct MonitoringPage {
    overview: PageData<MonitoringOverview>,
}

#[lazy_route]
impl LazyRoute for MonitoringPage {
    fn data() -> Self {
        let query = use_query_map();
        MonitoringPage { overview: live(move || query.with(|q| q.get("period")), get_monitoring) }
    }

    fn view(this: Self) -> AnyView {
        let sort = move || use_query_map().with(|q| RouteSort::parse(q.get("sort").as_deref()));
        live_view("Monitoring", this.overview, move |overview| view! { <Dashboard overview sort=sort()/> }.into_any())
    }
}

/// `/monitoring/route?route=…&period=…`: one route's figures of the last hour, its charts
/// over the period and its errors. A lazy route, live like the dashboard.
pub struct MonitoringRoutePage {
    detail: PageData<RouteDetail>,
}

#[lazy_route]
impl LazyRoute for MonitoringRoutePage {
    fn data() -> Self {
        let query = use_query_map();
        let detail = live(
            move || query.with(|q| (q.get("route"), q.get("period"))),
            |(route, period)| get_route_detail(route, period),
        );
        MonitoringRoutePage { detail }
    }

    fn view(this: Self) -> AnyView {
        live_view("Route · Monitoring", this.detail, route_page)
    }
}

/// A resource asked again every few seconds while the tab is visible (a hidden tab asks
/// nothing), besides whenever `key` changes.
fn live<K, T, Fut>(
    key: impl Fn() -> K + Send + Sync + 'static,
    fetch: impl Fn(K) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    K: Clone + PartialEq + Send + Sync + 'static,
    T: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let refresh = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    keep_fresh(refresh);
    page_data(move || (key(), refresh.get()), move |(key, _)| fetch(key))
}

/// A live page: a refresh keeps the figures on screen until the new ones arrive, and what
/// the reader opened or pointed at stays so.
fn live_view<T>(
    title: &'static str,
    resource: PageData<T>,
    render: impl Fn(T) -> AnyView + Clone + Send + Sync + 'static,
) -> AnyView
where
    T: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    KeptView::provide();
    view! {
        <Title text=title/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {rendered_or_error(resource, render)}
        </Transition>
    }
    .into_any()
}

/// The 1h / 24h / 7d buttons, each linking where `link` says.
fn period_nav(period: Period, link: impl Fn(Period) -> String) -> AnyView {
    let periods = Period::ALL
        .into_iter()
        .map(|p| {
            let current = p == period;
            view! {
                <a href=link(p) class="button small" class:primary=current
                    aria-current=current.then_some("page")>{p.label()}</a>
            }
        })
        .collect_view();
    view! { <nav class="button-row" aria-label="Period">{periods}</nav> }.into_any()
}

fn route_page(detail: RouteDetail) -> AnyView {
    let RouteDetail { generated_at, period, route, last_hour, charts, errors, slowest } = detail;
    let periods = period_nav(period, |p| route_link(&route, p));
    let ms = |v: Option<f64>| Unit::Millis.format(v);
    let figures = match last_hour {
        Some(r) => view! {
            <dl class="facts" data-testid="route-figures">
                <dt>"Requests"</dt>
                <dd data-value=r.requests>{format!("{} ({})", r.requests, Unit::PerMinute.format(Some(r.requests_per_minute)))}</dd>
                <dt>"p50 / p95 / p99"</dt><dd>{format!("{} / {} / {}", ms(r.p50_ms), ms(r.p95_ms), ms(r.p99_ms))}</dd>
                <dt>"Slowest"</dt><dd>{ms(r.max_ms)}</dd>
                <dt>"Errors (5xx)"</dt><dd>{Unit::Share.format(Some(r.error_rate))}</dd>
            </dl>
        }
        .into_any(),
        None => view! { <p class="muted">"No request in the last hour."</p> }.into_any(),
    };
    let header = view! {
        <div class="page-header monitoring-header">
            <p><a href=format!("{MONITORING_PAGE}?period={}", period.label())>"← Monitoring"</a></p>
            <h1>"Route "<span class="mono">{route.clone()}</span></h1>
            <p class="muted" data-testid="monitoring-updated">
                {format!("{} · updated {} · refreshes every 5 s while open", period.title(), generated_at.format("%H:%M:%S UTC"))}
            </p>
            {periods}
        </div>
    }
    .into_any();
    view! {
        {header}
        <section class="card" aria-labelledby="route-last-hour">
            <h2 id="route-last-hour">"Last hour"</h2>
            {figures}
        </section>
        <section class="card" aria-labelledby="route-charts">
            <h2 id="route-charts">{format!("Charts · {}", period.title().to_lowercase())}</h2>
            <div class="charts">{charts.into_iter().map(|chart| view! { <LineChart chart period/> }.into_any()).collect_view()}</div>
        </section>
        <section class="card" aria-labelledby="route-slowest">
            <h2 id="route-slowest">"Slowest requests · last hour"</h2>
            {slowest_table(slowest)}
        </section>
        <section class="card" aria-labelledby="route-errors">
            <h2 id="route-errors">"Errors · since start"</h2>
            {errors_table(errors)}
        </section>
    }
    .into_any()
}

/// Asks again every few seconds while the tab is visible; a hidden tab costs nothing. Not
/// while a mouse points into a table: a refresh re-sorts its rows, and the row under the
/// pointer would change just as it is clicked.
#[cfg(feature = "hydrate")]
fn keep_fresh(refresh: RwSignal<u64>) {
    let pointing_into_table = || {
        // Touch screens keep `:hover` on what was last tapped: they would never refresh again.
        let mouse = window().match_media("(hover: hover)").ok().flatten().is_some_and(|m| m.matches());
        mouse && document().query_selector("main table:hover").ok().flatten().is_some()
    };
    let tick = move || {
        if document().visibility_state() == web_sys::VisibilityState::Visible && !pointing_into_table() {
            refresh.update(|n| *n += 1);
        }
    };
    if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_millis(REFRESH_MS)) {
        on_cleanup(move || handle.clear());
    }
}

fn page_link(period: Period, sort: RouteSort) -> String {
    format!("{MONITORING_PAGE}?period={}&sort={}", period.label(), sort.code())
}

#[component]
fn Dashboard(overview: MonitoringOverview, sort: RouteSort) -> impl IntoView {
    let act = ServerAction::<ActOnAlert>::new();
    let clear = ServerAction::<ClearCaches>::new();
    open_page_on_success(move || act.value().get());
    open_page_on_success(move || clear.value().get());
    let failed = move || {
        let error = act.value().get().and_then(Result::err).or_else(|| clear.value().get().and_then(Result::err));
        error.map(|e| view! { <div class="alert error" role="alert"><p>{e.to_string()}</p></div> })
    };
    let MonitoringOverview {
        generated_at,
        period,
        status,
        reasons,
        uptime_seconds,
        cards,
        charts,
        mut routes,
        vitals,
        queries,
        slow_queries,
        pools,
        caches,
        errors,
        alerts,
        alert_history,
        can_clear_caches,
    } = overview;
    sort_routes(&mut routes, sort);
    let periods = period_nav(period, |p| page_link(p, sort));
    let export = format!("/api/v1/monitoring?period={}", period.label());
    // Each section is type-erased: one concrete type for the whole page is too deep for the
    // release build's hydration code.
    let header = view! {
        <div class="page-header monitoring-header">
            <h1>"Monitoring"</h1>
            <p class="muted" data-testid="monitoring-updated">
                {format!("{} · updated {} · ", period.title(), generated_at.format("%H:%M:%S UTC"))}
                <span class="live-note">"refreshes every 5 s while open"</span>
            </p>
            {periods}
            <div class="button-row">
                <a class="button small" href=format!("{export}&format=csv") download="">"Export CSV"</a>
                <a class="button small" href=export download="">"Export JSON"</a>
            </div>
        </div>
    }
    .into_any();
    let status = view! {
        <section class=format!("card status-banner status-{status}") aria-labelledby="monitoring-status" data-testid="monitoring-status">
            <h2 id="monitoring-status">{format!("Status: {status}")}</h2>
            <p>{format!("Up for {}", Unit::Seconds.format(Some(uptime_seconds as f64)))}</p>
            {(!reasons.is_empty()).then(|| view! { <ul>{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul> })}
        </section>
        <section aria-label="Overview" class="overview-cards">{cards.into_iter().map(card).collect_view()}</section>
    }
    .into_any();
    let charts = view! {
        <section class="card" aria-labelledby="monitoring-charts">
            <h2 id="monitoring-charts">{format!("Charts · {}", period.title().to_lowercase())}</h2>
            <div class="charts">{charts.into_iter().map(|chart| view! { <LineChart chart period/> }.into_any()).collect_view()}</div>
        </section>
    }
    .into_any();
    let tables = view! {
        <section class="card" aria-labelledby="monitoring-routes">
            <h2 id="monitoring-routes">"Routes · last hour"</h2>
            {routes_table(routes, period, sort)}
        </section>
        <section class="card" aria-labelledby="monitoring-vitals">
            <h2 id="monitoring-vitals">{format!("Web vitals of real users · {}", period.title().to_lowercase())}</h2>
            {vitals_panel(vitals)}
        </section>
    }
    .into_any();
    let database = view! {
        <section class="card" aria-labelledby="monitoring-database">
            <h2 id="monitoring-database">"Database and caches · last hour"</h2>
            {queries_table(queries)}
            {(!slow_queries.is_empty()).then(|| view! {
                <h3>"Slow statements"</h3>
                <ul class="event-list">
                    {slow_queries.into_iter().map(|q| view! {
                        <li>
                            <span class="muted">{date_time(q.at)}</span>" "
                            <strong>{format!("{} · {}", q.name, Unit::Millis.format(Some(q.elapsed_ms)))}</strong>
                            <div class="mono">{q.sql}</div>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <h3>"Connection pools"</h3>
            <ul class="plain-list">
                {pools.into_iter().map(|p| view! {
                    <li>{format!("{}: {} open of {} at most, {} idle", p.pool, p.size, p.max, p.idle)}</li>
                }).collect_view()}
            </ul>
            <h3>"Read caches · since start"</h3>
            {caches_table(caches)}
            {can_clear_caches.then(|| view! {
                <ActionForm action=clear attr:class="inline-form">
                    <button type="submit" class="button small">"Clear all caches"</button>
                </ActionForm>
                <p class="muted">"Every instance forgets its cached reads; the next reads go to the database."</p>
            })}
        </section>
    }
    .into_any();
    let incidents = view! {
        <section class="card" aria-labelledby="monitoring-errors">
            <h2 id="monitoring-errors">"Errors · since start"</h2>
            {errors_table(errors)}
        </section>
        <section class="card" aria-labelledby="monitoring-alerts">
            <h2 id="monitoring-alerts">"Alerts"</h2>
            {if alerts.is_empty() {
                view! { <p class="muted">"Nothing is pending or firing."</p> }.into_any()
            } else {
                view! {
                    <ul class="alert-list">{alerts.into_iter().map(|a| alert_item(a, act, MONITORING_PAGE)).collect_view()}</ul>
                }.into_any()
            }}
            {(!alert_history.is_empty()).then(|| view! {
                <h3>"Lately"</h3>
                <ul class="event-list">{alert_history.into_iter().map(event_item).collect_view()}</ul>
            })}
            <p><a href="/alerts">"Rules, silences and notifications"</a></p>
        </section>
    }
    .into_any();
    view! { {header} {failed} {status} {charts} {tables} {database} {incidents} }
}

fn card(card: Card) -> AnyView {
    let trend = card.trend();
    view! {
        <article class=format!("figure-card {}", card.level.class()) data-testid=format!("card-{}", card.key)>
            <h3>{card.title.clone()}</h3>
            <p class="figure-value">{card.unit.format(card.value)}</p>
            <p class=trend.map(|t| t.class()).unwrap_or("trend-flat")>
                {trend.map(|t| t.text()).unwrap_or_else(|| "no earlier figure".to_owned())}
            </p>
            <p class="muted">{card.note.clone()}</p>
        </article>
    }
    .into_any()
}

fn routes_table(routes: Vec<RouteRow>, period: Period, sort: RouteSort) -> AnyView {
    if routes.is_empty() {
        return view! { <p class="muted">"No requests in the last hour."</p> }.into_any();
    }
    let columns = [
        (RouteSort::Route, "Route"),
        (RouteSort::Requests, "Requests"),
        (RouteSort::P50, "p50"),
        (RouteSort::P95, "p95"),
        (RouteSort::P99, "p99"),
        (RouteSort::Errors, "Errors"),
    ];
    let header = |by: RouteSort, text: &'static str| {
        let order = match (by == sort, by) {
            (false, _) => "none",
            (true, RouteSort::Route) => "ascending",
            (true, _) => "descending",
        };
        view! { <th scope="col" aria-sort=order>{text}</th> }
    };
    // Links above the table, not in its header: phones show the table as cards, without one.
    let sorts = columns
        .into_iter()
        .map(|(by, text)| {
            let current = by == sort;
            view! {
                <a class="chip" href=page_link(period, by) aria-current=current.then_some("true")>{text}</a>
            }
        })
        .collect_view();
    let ms = |v: Option<f64>| Unit::Millis.format(v);
    view! {
        <nav class="chips" aria-label="Sort routes by">{sorts}</nav>
        <div class="table-wrap">
            <table class="data-table routes-table" data-testid="routes-table">
                <thead><tr>{columns.into_iter().map(|(by, text)| header(by, text)).collect_view()}</tr></thead>
                <tbody>
                    {routes.into_iter().map(|r| view! {
                        <tr data-route=r.route.clone()>
                            <th scope="row" data-label="Route" class="mono"><a href=route_link(&r.route, period)>{r.route.clone()}</a></th>
                            <td data-label="Requests" data-value=r.requests>{r.requests}</td>
                            <td data-label="p50">{ms(r.p50_ms)}</td>
                            <td data-label="p95" data-value=r.p95_ms.map(|v| v.to_string())>{ms(r.p95_ms)}</td>
                            <td data-label="p99">{ms(r.p99_ms)}</td>
                            <td data-label="Errors">{Unit::Share.format(Some(r.error_rate))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

fn vital_value(metric: Metric, value: f64) -> String {
    match metric {
        Metric::Cls => format!("{value:.3}"),
        _ => Unit::Millis.format(Some(value)),
    }
}

/// Good / needs improvement / poor as one bar, as the Core Web Vitals reports draw it.
fn distribution(summary: &VitalSummary) -> AnyView {
    let pct = |share: f64| format!("{:.0}%", share * 100.0);
    let label = format!(
        "{} good, {} needs improvement, {} poor",
        pct(summary.good),
        pct(summary.needs_improvement),
        pct(summary.poor)
    );
    // SVG attributes, not inline styles: the pages' CSP allows no inline style.
    let (good, fair) = (summary.good * 100.0, summary.needs_improvement * 100.0);
    view! {
        <svg class="distribution" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label=label>
            <rect class="rating-good" x="0" y="0" width=good height="6"></rect>
            <rect class="rating-needs-improvement" x=good y="0" width=fair height="6"></rect>
            <rect class="rating-poor" x=good + fair y="0" width=summary.poor * 100.0 height="6"></rect>
        </svg>
    }
    .into_any()
}

fn vitals_panel(vitals: Vec<VitalSummary>) -> AnyView {
    if vitals.is_empty() {
        return view! { <p class="muted">"No page views measured in this period yet."</p> }.into_any();
    }
    let overall = VITALS
        .into_iter()
        .filter_map(|metric| vitals.iter().find(|v| v.metric == metric && v.route.is_none() && v.device.is_none()))
        .map(|v| {
            view! {
                <article class=format!("vital-card rating-{}", v.rating.code()) data-testid=format!("vital-{}", v.metric.code())>
                    <h3>{v.metric.code()}</h3>
                    <p class="figure-value">{vital_value(v.metric, v.p75)}</p>
                    <p>{format!("p75 · {} · {} samples", v.rating.label(), v.samples)}</p>
                    {distribution(v)}
                </article>
            }
        })
        .collect_view();
    let detailed: Vec<&VitalSummary> =
        vitals.iter().filter(|v| VITALS.contains(&v.metric) && v.route.is_some() && v.device.is_some()).collect();
    let rows = detailed
        .into_iter()
        .map(|v| {
            view! {
                <tr>
                    <th scope="row" data-label="Route" class="mono">{v.route.clone().unwrap_or_default()}</th>
                    <td data-label="Device">{v.device.map(|d| d.code()).unwrap_or("all")}</td>
                    <td data-label="Metric">{v.metric.code()}</td>
                    <td data-label="p75" class=format!("rating-text-{}", v.rating.code())>{vital_value(v.metric, v.p75)}</td>
                    <td data-label="Samples">{v.samples}</td>
                    <td data-label="Spread">{distribution(v)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="vital-cards">{overall}</div>
        <KeptDetails key="vitals-by-route" summary=|| "By route and device" class="vitals-by-route">
            <div class="table-wrap">
                <table class="data-table">
                    <thead><tr>
                        <th scope="col">"Route"</th><th scope="col">"Device"</th><th scope="col">"Metric"</th>
                        <th scope="col">"p75"</th><th scope="col">"Samples"</th><th scope="col">"Good / NI / poor"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </KeptDetails>
    }
    .into_any()
}

fn queries_table(queries: Vec<QueryRow>) -> AnyView {
    if queries.is_empty() {
        return view! { <p class="muted">"No statements timed in the last hour."</p> }.into_any();
    }
    let ms = |v: Option<f64>| Unit::Millis.format(v);
    let rows = queries
        .into_iter()
        .map(|q| {
            view! {
                <tr>
                    <th scope="row" data-label="Statement" class="mono">{q.name}</th>
                    <td data-label="Calls">{q.calls}</td>
                    <td data-label="p50">{ms(q.p50_ms)}</td>
                    <td data-label="p95">{ms(q.p95_ms)}</td>
                    <td data-label="Max">{ms(q.max_ms)}</td>
                    <td data-label="Failed">{Unit::Share.format(Some(q.error_rate))}</td>
                </tr>
            }
            .into_any()
        })
        .collect();
    let columns = ["Statement", "Calls", "p50", "p95", "Max", "Failed"];
    view! {
        <h3>"Slowest statements by p95"</h3>
        {data_table("queries-table", &columns, rows)}
    }
    .into_any()
}

fn caches_table(caches: Vec<CacheRow>) -> AnyView {
    if caches.is_empty() {
        return view! { <p class="muted">"The read caches are off (CACHE_TTL_SECS=0)."</p> }.into_any();
    }
    let rows = caches
        .into_iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row" data-label="Cache" class="mono">{c.name}</th>
                    <td data-label="Entries">{c.entries}</td>
                    <td data-label="Hits">{c.hits}</td>
                    <td data-label="Shared hits">{c.shared_hits}</td>
                    <td data-label="Joined reads">{c.joined}</td>
                    <td data-label="Misses">{c.misses}</td>
                    <td data-label="Evictions">{c.evictions}</td>
                    <td data-label="Hit ratio">{Unit::Share.format(c.hit_ratio)}</td>
                </tr>
            }
            .into_any()
        })
        .collect();
    let columns = ["Cache", "Entries", "Hits", "Shared hits", "Joined reads", "Misses", "Evictions", "Hit ratio"];
    data_table("caches-table", &columns, rows)
}

/// A route's slowest requests, with what finds each in the logs and traces (its request id).
fn slowest_table(slowest: Vec<SlowRequestRow>) -> AnyView {
    if slowest.is_empty() {
        return view! { <p class="muted">"No request in the last hour on this instance."</p> }.into_any();
    }
    let rows = slowest
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <td data-label="Time">{date_time(r.at)}</td>
                    <td data-label="Request" data-value=r.latency_ms>
                        {format!("{} · {}", r.method, Unit::Millis.format(Some(r.latency_ms)))}
                    </td>
                    <td data-label="Status">{r.status}</td>
                    <td data-label="Request id" class="mono">{r.request_id.unwrap_or_else(|| "—".into())}</td>
                    <td data-label="User">{r.user.unwrap_or_else(|| "not signed in".into())}</td>
                </tr>
            }
            .into_any()
        })
        .collect();
    data_table("slowest-requests", &["Time", "Request", "Status", "Request id", "User"], rows)
}

/// One of the page's tables: its column headings over its rows.
fn data_table(testid: &'static str, columns: &[&'static str], rows: Vec<AnyView>) -> AnyView {
    view! {
        <div class="table-wrap">
            <table class="data-table" data-testid=testid>
                <thead><tr>{columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn errors_table(errors: Vec<ErrorRow>) -> AnyView {
    if errors.is_empty() {
        return view! { <p class="muted">"No server or browser errors since this instance started."</p> }.into_any();
    }
    view! {
        <ul class="error-groups" data-testid="error-groups">
            {errors.into_iter().map(|e| {
                let summary = view! {
                    <strong>{e.kind.clone()}</strong>
                    <span class="mono">{format!(" · {}", e.route)}</span>
                    <span class="muted">{format!(" · {} times, first {}, last {}", e.count, date_time(e.first_seen), date_time(e.last_seen))}</span>
                };
                let latest = if e.recent.len() == 1 { "The occurrence".to_owned() } else { format!("The latest {}", e.recent.len()) };
                view! {
                    <li>
                        <KeptDetails key=format!("error-{}-{}", e.route, e.kind) summary=summary class="error-group">
                            <p class="muted">{latest}", newest first:"</p>
                            <ol class="occurrences">{e.recent.into_iter().map(occurrence_item).collect_view()}</ol>
                        </KeptDetails>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

fn occurrence_item(o: ErrorOccurrenceRow) -> impl IntoView {
    view! {
        <li>
            <dl class="facts">
                <dt>"When"</dt><dd>{date_time(o.at)}</dd>
                <dt>"Status"</dt><dd>{if o.status == 0 { "—".to_owned() } else { o.status.to_string() }}</dd>
                <dt>"Request"</dt><dd class="mono">{o.request_id.unwrap_or_else(|| "—".into())}</dd>
                <dt>"User"</dt><dd>{o.user.unwrap_or_else(|| "not signed in".into())}</dd>
                <dt>"Cause"</dt>
                <dd><ol>{o.causes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ol></dd>
            </dl>
        </li>
    }
}
