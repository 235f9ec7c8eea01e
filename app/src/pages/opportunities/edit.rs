//! `/opportunities/new?organization=…` and `/opportunities/:id/edit`: the deal form. Lazy
//! routes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::{LazyRoute, lazy_route};
use uuid::Uuid;

use crate::api::opportunities::{OpportunityEdit, SaveOpportunity, get_opportunity_form};
use crate::components::{ErrorSummary, FormState, SelectField, SubmitButton, TextAreaField, TextField, loaded};
use crate::error::AppError;
use crate::model::{CloseReason, OpportunityForm, Stage};
use crate::pages::id_param;

type EditResource = Resource<Result<OpportunityEdit, AppError>>;

pub struct NewOpportunityPage {
    edit: EditResource,
}

#[lazy_route]
impl LazyRoute for NewOpportunityPage {
    fn data() -> Self {
        let query = use_query_map();
        let edit = Resource::new(
            move || query.with(|q| q.get("organization")),
            |organization| async move {
                match organization.and_then(|id| Uuid::parse_str(id.trim()).ok()) {
                    Some(id) => get_opportunity_form(None, Some(id)).await,
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
        let edit = Resource::new(
            move || id.get(),
            |id| async move {
                match id {
                    Some(id) => get_opportunity_form(Some(id), None).await,
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
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
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
    }
}
