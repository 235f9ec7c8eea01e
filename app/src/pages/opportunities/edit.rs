//! `/opportunities/new?organization=…` and `/opportunities/:id/edit`: the deal form. Lazy
//! routes.

use crate::components::{PageData, page_data, preload_route};
use crate::pages::opportunities::OpportunityDetailPage;
use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::{LazyRoute, lazy_route};
use uuid::Uuid;

use crate::api::opportunities::{OpportunityEdit, SaveOpportunity, get_opportunity_form};
use crate::components::{ErrorSummary, FormState, SelectField, SubmitButton, TextAreaField, TextField, loaded};
use crate::error::AppError;
use crate::model::sync::SyncEntity;
use crate::model::{CloseReason, Opportunity, OpportunityForm, Stage};
use crate::offline::outbox::save_op;
use crate::offline::{KeptOffline, OfflineSave, ToKeep, or_from_copy};
use crate::pages::id_param;

type EditResource = PageData<OpportunityEdit>;

pub struct NewOpportunityPage {
    edit: EditResource,
}

#[lazy_route]
impl LazyRoute for NewOpportunityPage {
    fn data() -> Self {
        let query = use_query_map();
        let edit = page_data(
            move || query.with(|q| q.get("organization")),
            |organization| async move {
                match organization.and_then(|id| Uuid::parse_str(id.trim()).ok()) {
                    Some(id) => {
                        or_from_copy!(get_opportunity_form(None, Some(id)).await, opportunity_form(None, Some(id)))
                    }
                    None => Err(AppError::bad_request("Open the organization the deal is with, then add it there.")),
                }
            },
        );
        NewOpportunityPage { edit }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.edit, |edit| view! { <DealForm edit/> }.into_any())
    }
}

pub struct EditOpportunityPage {
    edit: EditResource,
}

#[lazy_route]
impl LazyRoute for EditOpportunityPage {
    fn data() -> Self {
        let id = id_param("id");
        let edit = page_data(
            move || id.get(),
            |id| async move {
                match id {
                    Some(id) => {
                        or_from_copy!(get_opportunity_form(Some(id), None).await, opportunity_form(Some(id), None))
                    }
                    None => Err(AppError::not_found("Opportunity")),
                }
            },
        );
        EditOpportunityPage { edit }
    }

    fn view(this: Self) -> AnyView {
        loaded(this.edit, |edit| view! { <DealForm edit/> }.into_any())
    }
}

#[component]
fn DealForm(edit: OpportunityEdit) -> impl IntoView {
    let save = ServerAction::<SaveOpportunity>::new();
    // A save opens this page: its code loads while the form is filled in.
    preload_route::<OpportunityDetailPage>();
    let offline = {
        let (record, organization) = (edit.opportunity.clone(), edit.organization_name.clone());
        OfflineSave::new(save, move |s: SaveOpportunity| deal_to_keep(s.form, record.as_ref(), &organization))
    };
    let error = offline.error();
    let initial = match &edit.opportunity {
        Some(deal) => OpportunityForm::from_record(deal),
        None => OpportunityForm::blank(edit.new_id, edit.organization_id),
    };
    provide_context(FormState::new(error, &initial));
    let title = match &edit.opportunity {
        Some(deal) => format!("Edit {}", deal.name),
        None => format!("New opportunity with {}", edit.organization_name),
    };
    let back = match &edit.opportunity {
        Some(deal) => format!("/opportunities/{}", deal.id),
        None => format!("/organizations/{}", edit.organization_id),
    };
    let editing = edit.opportunity.is_some();
    let back_link = back.clone();
    let stages = Stage::ALL
        .iter()
        .map(|s| (s.code().to_owned(), format!("{} · {}%", s.label(), s.default_probability())))
        .collect::<Vec<_>>();
    let reasons = CloseReason::ALL
        .iter()
        .map(|r| {
            let side = match (r.fits(Stage::ClosedWon), r.fits(Stage::ClosedLost)) {
                (true, true) => "won or lost",
                (true, false) => "won",
                _ => "lost",
            };
            (r.code().to_owned(), format!("{} ({side})", r.label()))
        })
        .collect::<Vec<_>>();
    let contacts = edit.contacts.iter().map(|c| (c.id.to_string(), c.full_name())).collect::<Vec<_>>();
    let owners = edit.owners.iter().map(|u| (u.id.to_string(), u.full_name.clone())).collect::<Vec<_>>();
    let submit = if edit.opportunity.is_some() { "Save changes" } else { "Create opportunity" };
    view! {
        <Title text=title.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/pipeline">"Pipeline"</a>
            " › "
            <a href=format!("/organizations/{}", edit.organization_id)>{edit.organization_name.clone()}</a>
        </nav>
        <div class="page-header"><h1>{title}</h1></div>
        {move || offline.is_kept().then(|| view! {
            <KeptOffline what=if editing { "changes are" } else { "deal is" } link=(back_link.clone(), "Back".into())/>
        })}
        <div on:submit=move |_| offline.remember()>
        <ActionForm action=save attr:class="record-form" attr:novalidate=true>
            <ErrorSummary/>
            <input type="hidden" name="form[id]" value=initial.id.clone()/>
            <input type="hidden" name="form[version]" value=initial.version.clone()/>
            <input type="hidden" name="form[organization_id]" value=initial.organization_id.clone()/>
            <fieldset>
                <legend>"The deal"</legend>
                <TextField name="name" label="Name" required=true maxlength=200 placeholder="e.g. Holiday menu: burrata and cured meats"/>
                <TextField name="principal" label="Principal" hint="The brand or product line pitched."/>
                <div class="field-row">
                    <TextField name="estimated_value" label="Estimated value ($)" inputmode="decimal"/>
                    <TextField name="expected_close_date" label="Expected close" kind="date"/>
                </div>
                <SelectField name="primary_contact_id" label="Contact" blank="No one in particular" options=contacts/>
                {(!owners.is_empty()).then(|| view! { <SelectField name="owner_id" label="Owner" blank="Me" options=owners.clone()/> })}
            </fieldset>
            <fieldset>
                <legend>"Stage"</legend>
                <SelectField name="stage" label="Stage" options=stages hint="Each stage comes with its usual probability."/>
                <TextField name="probability" label="Probability (%)" inputmode="numeric" hint="Leave empty for the stage's usual probability."/>
                <SelectField name="close_reason" label="Close reason" blank="Not closed" options=reasons hint="Required when the deal is won or lost."/>
            </fieldset>
            <TextAreaField name="notes" label="Notes"/>
            <div class="form-actions">
                <SubmitButton label=submit pending=save.pending().into()/>
                <a class="button" href=back>"Cancel"</a>
            </div>
        </ActionForm>
        </div>
    }
}

/// A deal saved without the server, as an op for the outbox (checked as the server would).
fn deal_to_keep(
    submitted: OpportunityForm,
    record: Option<&Opportunity>,
    organization: &str,
) -> Result<ToKeep, AppError> {
    use crate::model::form::FormFields;
    let echo = |fields| AppError::invalid(fields).with_values(&submitted);
    let id = submitted.parsed_id().map_err(echo)?;
    let mut draft = submitted.to_draft().map_err(echo)?;
    // No owner chosen keeps the one it has (the server's rule), so it is no change.
    draft.owner_id = draft.owner_id.or(record.map(|o| o.owner_id));
    let was = record.map(|o| (o.version, o.to_draft()));
    let summary = match record {
        None => format!("Deal added · {}, {organization}", draft.name),
        Some(_) => format!("Deal edited · {}, {organization}", draft.name),
    };
    Ok(ToKeep {
        op: save_op(SyncEntity::Opportunity, id, was.as_ref().map(|(v, d)| (*v, d)), &draft, Utc::now()),
        summary,
        link: format!("/opportunities/{id}"),
    })
}
