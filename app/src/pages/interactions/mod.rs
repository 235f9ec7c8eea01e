//! Interactions: the quick log, the edit form and the list.

pub mod list;
pub mod log;

pub use list::InteractionsPage;
pub use log::{EditInteractionPage, LogVisitPage};

use leptos::prelude::*;

use crate::components::format::{date_time, day};
use crate::model::InteractionItem;

/// One interaction in a list: when, what, with whom, how it went, the notes and the next
/// step, with a link to edit it when the user may.
#[component]
pub fn InteractionEntry(
    item: InteractionItem,
    can_edit: bool,
    /// Whether to name the organization (not on the organization's own page).
    #[prop(default = true)]
    show_organization: bool,
) -> impl IntoView {
    let contact = item.contact_name();
    let i = item.interaction;
    let outcome_class = i.outcome.map(|o| format!("outcome outcome-{}", o.code().replace('_', "-")));
    view! {
        <li class="interaction">
            <div class="interaction-head">
                <span class="tag kind">{i.kind.label()}</span>
                {show_organization.then(|| view! {
                    <a href=format!("/organizations/{}", i.organization_id)><strong>{item.organization_name.clone()}</strong></a>
                })}
                {contact.map(|c| view! { <span>" with "{c}</span> })}
                {i.outcome.map(|o| view! { <span class=outcome_class.clone()>{o.label()}</span> })}
            </div>
            <p class="muted">
                <time datetime=i.occurred_at.to_rfc3339()>{date_time(i.occurred_at)}</time>
                {item.author_name.clone().map(|a| format!(" · {a}"))}
                {i.duration_minutes.map(|m| format!(" · {m} min"))}
            </p>
            {i.notes.clone().map(|n| view! { <p class="notes">{n}</p> })}
            {i.follow_up_on().map(|on| view! {
                <p class="follow-up" class:done=i.follow_up_done>
                    {if i.follow_up_done { "Followed up: " } else { "Follow up " }}
                    {day(on)}
                    {i.follow_up_notes.clone().map(|n| format!(" · {n}"))}
                </p>
            })}
            {can_edit.then(|| view! {
                <a class="edit-link" href=format!("/interactions/{}/edit", i.id)>
                    "Edit"<span class="visually-hidden">{format!(" the {} of {}", i.kind.label(), date_time(i.occurred_at))}</span>
                </a>
            })}
        </li>
    }
}
