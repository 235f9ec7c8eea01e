//! `/organizations/new` and `/organizations/:id/edit`: the organization form. Lazy routes.

use crate::components::{PageData, page_data, preload_route};
use crate::pages::organizations::OrganizationDetailPage;
use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::organizations::{OrganizationEdit, SaveOrganization, get_organization_form};
use crate::components::{
    ErrorSummary, FormState, SelectField, SubmitButton, TextAreaField, TextField, code_options, loaded,
};
use crate::error::AppError;
use crate::model::sync::SyncEntity;
use crate::model::{Organization, OrganizationForm, OrganizationKind, Priority, Segment};
use crate::offline::outbox::save_op;
use crate::offline::{KeptOffline, OfflineSave, ToKeep, or_from_copy};
use crate::pages::id_param;

type EditResource = PageData<OrganizationEdit>;

pub struct NewOrganizationPage {
    edit: EditResource,
}

#[lazy_route]
impl LazyRoute for NewOrganizationPage {
    fn data() -> Self {
        let edit = page_data(
            || (),
            |_| async move { or_from_copy!(get_organization_form(None).await, organization_form(None)) },
        );
        NewOrganizationPage { edit }
    }

    fn view(this: Self) -> AnyView {
        form_page(this.edit)
    }
}

pub struct EditOrganizationPage {
    edit: EditResource,
}

#[lazy_route]
impl LazyRoute for EditOrganizationPage {
    fn data() -> Self {
        let id = id_param("id");
        let edit = page_data(
            move || id.get(),
            |id| async move {
                match id {
                    Some(id) => or_from_copy!(get_organization_form(Some(id)).await, organization_form(Some(id))),
                    None => Err(AppError::not_found("Organization")),
                }
            },
        );
        EditOrganizationPage { edit }
    }

    fn view(this: Self) -> AnyView {
        form_page(this.edit)
    }
}

fn form_page(edit: EditResource) -> AnyView {
    loaded(edit, |edit| view! { <OrganizationFormView edit/> }.into_any())
}

#[component]
fn OrganizationFormView(edit: OrganizationEdit) -> impl IntoView {
    let save = ServerAction::<SaveOrganization>::new();
    // A save opens this page: its code loads while the form is filled in.
    preload_route::<OrganizationDetailPage>();
    let offline = {
        let record = edit.organization.clone();
        OfflineSave::new(save, move |s: SaveOrganization| organization_to_keep(s.form, record.as_ref()))
    };
    let error = offline.error();
    let initial = match &edit.organization {
        Some(org) => OrganizationForm::from_record(org),
        None => OrganizationForm::blank(edit.new_id),
    };
    provide_context(FormState::new(error, &initial));
    let (title, submit, cancel) = match &edit.organization {
        Some(org) => (format!("Edit {}", org.name), "Save changes", format!("/organizations/{}", org.id)),
        None => ("New organization".to_owned(), "Create organization", "/organizations".to_owned()),
    };
    let editing = edit.organization.is_some();
    let cancel_link = cancel.clone();
    let users: Vec<(String, String)> = edit.users.iter().map(|u| (u.id.to_string(), u.full_name.clone())).collect();
    view! {
        <Title text=title.clone()/>
        <div class="page-header"><h1>{title}</h1></div>
        {move || offline.is_kept().then(|| view! {
            <KeptOffline what=if editing { "changes are" } else { "organization is" } link=(cancel_link.clone(), "Back".into())/>
        })}
        <div on:submit=move |_| offline.remember()>
        <ActionForm action=save attr:class="record-form" attr:novalidate=true>
            <ErrorSummary/>
            <input type="hidden" name="form[id]" value=initial.id.clone()/>
            <input type="hidden" name="form[version]" value=initial.version.clone()/>
            <fieldset>
                <legend>"Account"</legend>
                <TextField name="name" label="Name" required=true maxlength=200 autocomplete="organization"/>
                <div class="field-row">
                    <SelectField name="priority" label="Priority" hint="A is your most important accounts."
                        options=code_options(Priority::ALL, Priority::code, |p| match p {
                            Priority::A => "A — key account",
                            Priority::B => "B — important",
                            Priority::C => "C — regular",
                            Priority::D => "D — occasional",
                        })/>
                    <SelectField name="kind" label="Type" options=code_options(OrganizationKind::ALL, OrganizationKind::code, OrganizationKind::label)/>
                </div>
                <SelectField name="segment" label="Segment" blank="Not set" options=code_options(Segment::ALL, Segment::code, Segment::label)/>
            </fieldset>
            <fieldset>
                <legend>"How to reach them"</legend>
                <TextField name="phone" label="Phone" kind="tel" autocomplete="tel" hint="e.g. (555) 123-4567; add + and the country code outside North America."/>
                <TextField name="email" label="Email" kind="email" autocomplete="email" inputmode="email"/>
                <TextField name="website" label="Website" inputmode="url" autocomplete="url" placeholder="www.example.com"/>
            </fieldset>
            <fieldset>
                <legend>"Address"</legend>
                <TextField name="street" label="Street" autocomplete="street-address"/>
                <div class="field-row">
                    <TextField name="city" label="City" autocomplete="address-level2"/>
                    <TextField name="region" label="State or region" autocomplete="address-level1"/>
                </div>
                <div class="field-row">
                    <TextField name="postal_code" label="Postal code" autocomplete="postal-code" maxlength=20/>
                    <TextField name="country" label="Country" autocomplete="country-name"/>
                </div>
            </fieldset>
            <fieldset>
                <legend>"Business"</legend>
                <div class="field-row">
                    <TextField name="annual_revenue" label="Annual revenue" inputmode="decimal" hint="In dollars, e.g. 250000."/>
                    <TextField name="distributor" label="Distributor" hint="The broadline distributor they buy through."/>
                </div>
                <SelectField name="assigned_user_id" label="Assigned to" blank="Unassigned" options=users/>
                <TextField name="tags" label="Tags" hint="Separate tags with commas."/>
                <TextAreaField name="notes" label="Notes"/>
            </fieldset>
            <div class="form-actions">
                <SubmitButton label=submit pending=save.pending().into()/>
                <a class="button" href=cancel>"Cancel"</a>
            </div>
        </ActionForm>
        </div>
    }
}

/// An organization saved without the server, as an op for the outbox (checked as the server
/// would).
fn organization_to_keep(submitted: OrganizationForm, record: Option<&Organization>) -> Result<ToKeep, AppError> {
    use crate::model::form::FormFields;
    let echo = |fields| AppError::invalid(fields).with_values(&submitted);
    let id = submitted.parsed_id().map_err(echo)?;
    let draft = submitted.to_draft().map_err(echo)?;
    let (op, summary) = match record {
        None => (
            save_op(SyncEntity::Organization, id, None, &draft, Utc::now()),
            format!("Organization added · {}", draft.name),
        ),
        Some(was) => (
            save_op(SyncEntity::Organization, id, Some((was.version, &was.to_draft())), &draft, Utc::now()),
            format!("Organization edited · {}", draft.name),
        ),
    };
    Ok(ToKeep { op, summary, link: format!("/organizations/{id}") })
}
