//! `/opportunities/:id`: one deal, its way through the pipeline and its history. A lazy route.

use crate::components::{PageData, page_data};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::opportunities::{OpportunityDetail, get_opportunity};
use crate::components::format::{date_time, day};
use crate::components::{History, loaded};
use crate::error::AppError;
use crate::model::validate::format_money;
use crate::offline::or_from_copy;
use crate::pages::id_param;

pub struct OpportunityDetailPage {
    detail: PageData<OpportunityDetail>,
}

#[lazy_route]
impl LazyRoute for OpportunityDetailPage {
    fn data() -> Self {
        let id = id_param("id");
        let detail = page_data(
            move || id.get(),
            |id| async move {
                match id {
                    Some(id) => or_from_copy!(get_opportunity(id).await, opportunity_detail(id)),
                    None => Err(AppError::not_found("Opportunity")),
                }
            },
        );
        OpportunityDetailPage { detail }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.detail, |detail| view! { <Detail detail/> }.into_any())
    }
}

#[component]
fn Detail(detail: OpportunityDetail) -> impl IntoView {
    let stale = detail.deal.staleness(detail.now);
    let item = detail.deal;
    let contact = item.contact_name();
    let o = item.opportunity;
    let dash = || "—".to_owned();
    view! {
        <Title text=o.name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/pipeline">"Pipeline"</a>
            " › "
            <a href=format!("/organizations/{}", o.organization_id)>{item.organization_name.clone()}</a>
        </nav>
        <div class="page-header">
            <h1>{o.name.clone()}" "<span class=format!("tag stage stage-{}", o.stage.code().replace('_', "-"))>{o.stage.label()}</span></h1>
            {detail.can_edit.then(|| view! {
                <div class="actions">
                    <a class="button" href=format!("/opportunities/{}/edit", o.id)>"Edit"</a>
                    <a class="button primary" href=format!("/log?organization={}", o.organization_id)>"Log visit"</a>
                </div>
            })}
        </div>
        {stale.map(|s| view! { <p class="alert warning">{s.label()}". Time for a visit or a next step."</p> })}
        <div class="detail-grid">
            <section class="card" aria-labelledby="deal-heading">
                <h2 id="deal-heading">"Details"</h2>
                <dl class="facts">
                    <dt>"Organization"</dt>
                    <dd><a href=format!("/organizations/{}", o.organization_id)>{item.organization_name.clone()}</a></dd>
                    <dt>"Value"</dt><dd>{o.estimated_value_cents.map(format_money).unwrap_or_else(dash)}</dd>
                    <dt>"Probability"</dt><dd>{format!("{}%", o.probability)}</dd>
                    <dt>"Weighted value"</dt><dd>{format_money(o.weighted_cents())}</dd>
                    <dt>"Expected close"</dt><dd>{o.expected_close_date.map(day).unwrap_or_else(dash)}</dd>
                    <dt>"Closed"</dt><dd>{o.actual_close_date.map(day).unwrap_or_else(dash)}</dd>
                    <dt>"Close reason"</dt><dd>{o.close_reason.map(|r| r.label().to_owned()).unwrap_or_else(dash)}</dd>
                    <dt>"Principal"</dt><dd>{o.principal.clone().unwrap_or_else(dash)}</dd>
                    <dt>"Contact"</dt><dd>{contact.unwrap_or_else(dash)}</dd>
                    <dt>"Owner"</dt><dd>{item.owner_name.clone().unwrap_or_else(dash)}</dd>
                </dl>
                {o.notes.clone().map(|n| view! { <h3>"Notes"</h3><p class="notes">{n}</p> })}
            </section>
            <section class="card" aria-labelledby="stages-heading">
                <h2 id="stages-heading">"Stage changes"</h2>
                <ol class="history">
                    {detail.stage_changes.into_iter().map(|c| view! {
                        <li>
                            <p class="history-head">
                                {match c.from_stage {
                                    Some(from) => format!("{} → {}", from.label(), c.to_stage.label()),
                                    None => format!("Created in {}", c.to_stage.label()),
                                }}
                            </p>
                            <p class="muted">
                                {c.changed_by_name.clone().unwrap_or_else(|| "The system".into())}" · "
                                <time datetime=c.changed_at.to_rfc3339()>{date_time(c.changed_at)}</time>
                            </p>
                        </li>
                    }).collect_view()}
                </ol>
            </section>
        </div>
        <section class="card" id="history" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <History entries=detail.history/>
        </section>
    }
}
