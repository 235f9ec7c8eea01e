//! `/organizations/:id`: one account with its contacts. A lazy route.

use crate::components::{PageData, page_data, preload_route};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::organizations::{OrganizationDetail, get_organization};
use crate::components::format::{count, date, date_time, optional_date};
use crate::components::{History, PriorityBadge, loaded};
use crate::error::AppError;
use crate::model::validate::{format_money, format_phone};
use crate::model::{Contact, Organization};
use crate::offline::or_from_copy;
use crate::pages::id_param;
use crate::pages::interactions::{InteractionEntry, LogVisitPage};
use crate::pages::opportunities::DealEntry;

pub struct OrganizationDetailPage {
    detail: PageData<OrganizationDetail>,
}

#[lazy_route]
impl LazyRoute for OrganizationDetailPage {
    fn data() -> Self {
        let id = id_param("id");
        let detail = page_data(
            move || id.get(),
            |id| async move {
                match id {
                    Some(id) => or_from_copy!(get_organization(id).await, organization_detail(id)),
                    None => Err(AppError::not_found("Organization")),
                }
            },
        );
        OrganizationDetailPage { detail }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.detail, |detail| view! { <Detail detail/> }.into_any())
    }
}

#[component]
fn Detail(detail: OrganizationDetail) -> impl IntoView {
    let OrganizationDetail {
        organization: org,
        contacts,
        assigned_user,
        interactions,
        opportunities,
        history,
        now,
        can_edit,
    } = detail;
    let interaction_total = interactions.total;
    let id = org.id;
    // Logging a visit is what a rep mostly does next here: its code loads meanwhile.
    if can_edit {
        preload_route::<LogVisitPage>();
    }
    view! {
        <Title text=org.name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/organizations">"Organizations"</a>
        </nav>
        <div class="page-header">
            <h1>
                <PriorityBadge priority=org.priority/>" "{org.name.clone()}
            </h1>
            {can_edit.then(|| view! {
                <div class="actions">
                    <a class="button" href=format!("/organizations/{id}/edit")>"Edit"</a>
                    <a class="button" href=format!("/organizations/{id}/contacts/new")>"Add contact"</a>
                    <a class="button primary" href=format!("/log?organization={id}")>"Log visit"</a>
                </div>
            })}
        </div>
        <p class="tags">
            <span class="tag">{org.kind.label()}</span>
            {org.segment.map(|s| view! { <span class="tag">{s.label()}</span> })}
            {org.tags.iter().map(|t| view! { <span class="tag user-tag">{t.clone()}</span> }).collect_view()}
        </p>
        <div class="detail-grid">
            <section class="card" aria-labelledby="details-heading">
                <h2 id="details-heading">"Details"</h2>
                <Facts org=org.clone() assigned=assigned_user.map(|u| u.full_name)/>
            </section>
            <section class="card" id="contacts" aria-labelledby="contacts-heading">
                <div class="card-header">
                    <h2 id="contacts-heading">"Contacts"</h2>
                    <span class="muted">{count(contacts.len() as i64, "contact", "contacts")}</span>
                </div>
                {if contacts.is_empty() {
                    view! {
                        <p class="empty">"No contacts yet. "
                            {can_edit.then(|| view! {
                                <a href=format!("/organizations/{id}/contacts/new")>"Add the chef or buyer you deal with"</a>"."
                            })}
                        </p>
                    }.into_any()
                } else {
                    view! {
                        <ul class="contact-list">
                            {contacts.into_iter().map(|c| view! { <ContactItem contact=c can_edit/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="card" id="activity" aria-labelledby="activity-heading">
                <div class="card-header">
                    <h2 id="activity-heading">"Activity"</h2>
                    <span class="muted">{count(interaction_total, "interaction", "interactions")}</span>
                </div>
                <dl class="facts">
                    <dt>"Last interaction"</dt><dd>{optional_date(org.last_interaction_at)}</dd>
                    <dt>"Next follow-up"</dt><dd>{optional_date(org.next_follow_up_at)}</dd>
                </dl>
                {if interactions.items.is_empty() {
                    view! {
                        <p class="empty">"Nothing logged yet. "
                            {can_edit.then(|| view! { <a href=format!("/log?organization={id}")>"Log the first visit"</a>"." })}
                        </p>
                    }.into_any()
                } else {
                    view! {
                        <ul class="interaction-list">
                            {interactions.items.into_iter().map(|item| view! {
                                <InteractionEntry item can_edit show_organization=false/>
                            }).collect_view()}
                        </ul>
                        {(interaction_total > 10).then(|| view! {
                            <a href=format!("/interactions?organization={id}")>{format!("All {interaction_total} interactions")}</a>
                        })}
                    }.into_any()
                }}
            </section>
            <section class="card" id="opportunities" aria-labelledby="deals-heading">
                <div class="card-header">
                    <h2 id="deals-heading">"Opportunities"</h2>
                    {can_edit.then(|| view! { <a href=format!("/opportunities/new?organization={id}")>"New opportunity"</a> })}
                </div>
                {if opportunities.is_empty() {
                    view! { <p class="empty">"No deals with this account yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain-list deal-list">
                            {opportunities.into_iter().map(|item| view! { <DealEntry item now/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
        <section class="card" id="history" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <History entries=history/>
        </section>
        <p class="record-meta muted">
            {format!("Created {} · Updated {} · Version {}", date(org.created_at), date_time(org.updated_at), org.version)}
        </p>
    }
}

#[component]
fn Facts(org: Organization, assigned: Option<String>) -> impl IntoView {
    let town = match (org.place(), org.postal_code.clone()) {
        (Some(place), Some(code)) => Some(format!("{place} {code}")),
        (place, code) => place.or(code),
    };
    let address: Vec<String> = [org.street.clone(), town, org.country.clone()].into_iter().flatten().collect();
    view! {
        <dl class="facts">
            <dt>"Phone"</dt>
            <dd>{match org.phone.clone() {
                Some(p) => view! { <a href=format!("tel:{}", p.replace(";ext=", ","))>{format_phone(&p)}</a> }.into_any(),
                None => "—".into_any(),
            }}</dd>
            <dt>"Email"</dt>
            <dd>{match org.email.clone() {
                Some(e) => view! { <a href=format!("mailto:{e}")>{e.clone()}</a> }.into_any(),
                None => "—".into_any(),
            }}</dd>
            <dt>"Website"</dt>
            <dd>{match org.website.clone() {
                Some(w) => view! { <a href=w.clone() rel="noopener noreferrer" target="_blank">{w.clone()}</a> }.into_any(),
                None => "—".into_any(),
            }}</dd>
            <dt>"Address"</dt>
            <dd>{if address.is_empty() { "—".to_owned() } else { address.join(", ") }}</dd>
            <dt>"Distributor"</dt>
            <dd>{org.distributor.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Annual revenue"</dt>
            <dd>{org.annual_revenue_cents.map(format_money).unwrap_or_else(|| "—".into())}</dd>
            <dt>"Assigned to"</dt>
            <dd>{assigned.unwrap_or_else(|| "Unassigned".into())}</dd>
        </dl>
        {org.notes.clone().map(|notes| view! {
            <h3>"Notes"</h3>
            <p class="notes">{notes}</p>
        })}
    }
}

#[component]
fn ContactItem(contact: Contact, can_edit: bool) -> impl IntoView {
    let phone = |label: &'static str, number: Option<String>| {
        number.map(|n| {
            view! {
                <a href=format!("tel:{}", n.replace(";ext=", ","))>
                    <span class="visually-hidden">{label}" "</span>{format_phone(&n)}
                </a>
            }
        })
    };
    view! {
        <li class="contact">
            <div class="contact-name">
                <strong>{contact.full_name()}</strong>
                {contact.is_primary.then(|| view! { <span class="tag">"Primary"</span> })}
                {contact.is_decision_maker.then(|| view! { <span class="tag">"Decision maker"</span> })}
            </div>
            {contact.position.map(|p| view! { <div class="muted">{p.label()}</div> })}
            <div class="contact-ways">
                {phone("Phone", contact.phone.clone())}
                {phone("Mobile", contact.mobile.clone())}
                {contact.email.clone().map(|e| view! { <a href=format!("mailto:{e}")>{e.clone()}</a> })}
            </div>
            {contact.preferred_contact_method.map(|m| view! { <div class="muted">"Prefers: "{m.label()}</div> })}
            {can_edit.then(|| view! {
                <a class="edit-link" href=format!("/contacts/{}/edit", contact.id)>
                    "Edit"<span class="visually-hidden">" "{contact.full_name()}</span>
                </a>
            })}
        </li>
    }
}
