//! What the dashboard and the reports share: the figures' resource read from the address
//! (`rep`, `from`, `to`), their filter form, and the charts (SVG drawn here, with the
//! numbers as text, so they need no JavaScript, read without colour and print).

use std::future::Future;

use super::page_data::{PageData, page_data};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::dashboard::Period;
use crate::model::validate::format_money;
use crate::model::{StageTotal, UserSummary};

/// The figures `fetch` answers for the address's `rep`, `from` and `to`.
pub fn figures_resource<T, Fut>(fetch: fn(Option<Uuid>, Option<String>, Option<String>) -> Fut) -> PageData<T>
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let query = use_query_map();
    page_data(
        move || query.with(|q| (q.get("rep"), q.get("from"), q.get("to"))),
        move |(rep, from, to)| async move {
            let rep = match rep.filter(|r| !r.trim().is_empty()) {
                Some(r) => {
                    Some(Uuid::parse_str(r.trim()).map_err(|_| AppError::bad_request("Choose a rep from the list."))?)
                }
                None => None,
            };
            fetch(rep, from, to).await
        },
    )
}

/// The rep (when there is a choice) and date range of a figures page: a plain GET form.
#[component]
pub fn FiguresFilter(
    /// The page's address.
    action: &'static str,
    users: Vec<UserSummary>,
    rep: Option<Uuid>,
    period: Period,
    /// Buttons after "Show".
    children: Children,
) -> impl IntoView {
    view! {
        <form method="get" action=action class="filters dashboard-filters" role="search">
            {(!users.is_empty()).then(|| view! {
                <div class="field">
                    <label for="figures-rep">"Rep"</label>
                    <select id="figures-rep" name="rep">
                        <option value="" selected=rep.is_none()>"The whole team"</option>
                        {users.iter().map(|u| view! { <option value=u.id.to_string() selected=rep == Some(u.id)>{u.full_name.clone()}</option> }).collect_view()}
                    </select>
                </div>
            })}
            <div class="field">
                <label for="figures-from">"From"</label>
                <input id="figures-from" type="date" name="from" value=period.from.to_string()/>
            </div>
            <div class="field">
                <label for="figures-to">"To"</label>
                <input id="figures-to" type="date" name="to" value=period.to.to_string()/>
            </div>
            <div class="form-actions">
                <button type="submit" class="button primary">"Show"</button>
                {children()}
            </div>
        </form>
    }
}

/// Pipeline value by stage as horizontal bars (value, and its weighted part), drawn as SVG
/// with the numbers as text, so it reads without colour and prints.
#[component]
pub fn PipelineChart(totals: Vec<StageTotal>) -> impl IntoView {
    let max = totals.iter().map(|t| t.value_cents).max().unwrap_or(0).max(1);
    let row_height = 28;
    let height = totals.len() as i32 * row_height + 8;
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 600 {height}") role="img" aria-labelledby="pipeline-chart-title" preserveAspectRatio="xMinYMin meet">
                <title id="pipeline-chart-title">"Pipeline value by stage"</title>
                {totals.iter().enumerate().map(|(i, t)| {
                    let y = i as i32 * row_height + 4;
                    let width = |cents: i64| (cents as f64 / max as f64 * 330.0).round() as i32;
                    view! {
                        <g>
                            <text x="0" y=y + 18 class="chart-label">{t.stage.label()}</text>
                            <rect x="120" y=y + 4 width=width(t.value_cents) height="18" rx="3" class="bar-value"></rect>
                            <rect x="120" y=y + 4 width=width(t.weighted_cents) height="18" rx="3" class="bar-weighted"></rect>
                            <text x=126 + width(t.value_cents) y=y + 18 class="chart-number">
                                {format!("{} ({})", format_money(t.value_cents), t.deals)}
                            </text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <figcaption class="muted">"Bar: value of the deals in each stage (count in brackets); darker part: weighted by probability."</figcaption>
        </figure>
    }
}

/// Interactions per week as columns, drawn as SVG with each count written on its column.
#[component]
pub fn WeeklyChart(weeks: Vec<(chrono::NaiveDate, i64)>) -> impl IntoView {
    let max = weeks.iter().map(|w| w.1).max().unwrap_or(0).max(1);
    let slot = 600 / weeks.len().max(1) as i32;
    view! {
        <figure class="chart">
            <svg viewBox="0 0 600 200" role="img" aria-labelledby="weekly-chart-title" preserveAspectRatio="xMinYMin meet">
                <title id="weekly-chart-title">"Interactions per week"</title>
                {weeks.iter().enumerate().map(|(i, (start, n))| {
                    let h = (*n as f64 / max as f64 * 140.0).round() as i32;
                    let x = i as i32 * slot + 8;
                    view! {
                        <g>
                            <rect x=x y=160 - h width=slot - 16 height=h rx="3" class="bar-weighted"></rect>
                            <text x=x + (slot - 16) / 2 y=152 - h text-anchor="middle" class="chart-number">{*n}</text>
                            <text x=x + (slot - 16) / 2 y="182" text-anchor="middle" class="chart-label">{start.format("%b %-d").to_string()}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <figcaption class="muted">"Interactions logged per week (weeks start on Monday), by when they happened."</figcaption>
        </figure>
    }
}
