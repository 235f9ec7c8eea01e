//! Opportunities: the pipeline board, one deal, and the deal form.

pub mod detail;
pub mod edit;
pub mod pipeline;

pub use detail::OpportunityDetailPage;
pub use edit::{EditOpportunityPage, NewOpportunityPage};
pub use pipeline::PipelinePage;

use leptos::prelude::*;

use crate::components::format::day;
use crate::model::validate::format_money;
use crate::model::{OpportunityItem, Stage};

/// A deal in a list (an organization's page): name, stage, value, close date, stale flag.
#[component]
pub fn DealEntry(item: OpportunityItem, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let stale = item.staleness(now);
    let o = item.opportunity;
    let closing = match (o.stage, o.actual_close_date, o.expected_close_date) {
        (Stage::ClosedWon | Stage::ClosedLost, Some(on), _) => Some(format!("closed {}", day(on))),
        (_, _, Some(on)) => Some(format!("expected {}", day(on))),
        _ => None,
    };
    view! {
        <li class="deal">
            <a href=format!("/opportunities/{}", o.id)><strong>{o.name.clone()}</strong></a>
            <span class=format!("tag stage stage-{}", o.stage.code().replace('_', "-"))>{o.stage.label()}</span>
            <div class="muted">
                {o.estimated_value_cents.map(format_money).unwrap_or_else(|| "No value yet".into())}
                {format!(" · {}%", o.probability)}
                {closing.map(|c| format!(" · {c}"))}
            </div>
            {stale.map(|s| view! { <div class="stale-flag">{s.label()}</div> })}
        </li>
    }
}
