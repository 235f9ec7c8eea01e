//! `/organizations/:id/contacts/new` and `/contacts/:id/edit`: the contact form. Lazy routes.

use crate::components::{PageData, page_data, preload_route};
use crate::pages::organizations::OrganizationDetailPage;
use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::contacts::{ContactEdit, SaveContact, get_contact_form};
use crate::components::{
    CheckboxField, ErrorSummary, FormState, SelectField, SubmitButton, TextAreaField, TextField, code_options, loaded,
};
use crate::error::AppError;
use crate::model::sync::SyncEntity;
use crate::model::{Contact, ContactForm, ContactMethod, Position};
use crate::offline::outbox::save_op;
use crate::offline::{KeptOffline, OfflineSave, ToKeep, or_from_copy};
use crate::pages::id_param;

type EditResource = PageData<ContactEdit>;

pub struct NewContactPage {
    edit: EditResource,
}

#[lazy_route]
impl LazyRoute for NewContactPage {
    fn data() -> Self {
        let organization = id_param("id");
        let edit = page_data(
            move || organization.get(),
            |organization| async move {
                match organization {
                    Some(id) => or_from_copy!(get_contact_form(None, Some(id)).await, contact_form(None, Some(id))),
                    None => Err(AppError::not_found("Organization")),
                }
            },
        );
        NewContactPage { edit }
    }

    fn view(this: Self) -> AnyView {
        form_page(this.edit)
    }
}

pub struct EditContactPage {
    edit: EditResource,
}

#[lazy_route]
impl LazyRoute for EditContactPage {
    fn data() -> Self {
        let id = id_param("id");
        let edit = page_data(
            move || id.get(),
            |id| async move {
                match id {
                    Some(id) => or_from_copy!(get_contact_form(Some(id), None).await, contact_form(Some(id), None)),
                    None => Err(AppError::not_found("Contact")),
                }
            },
        );
        EditContactPage { edit }
    }

    fn view(this: Self) -> AnyView {
        form_page(this.edit)
    }
}

fn form_page(edit: EditResource) -> AnyView {
    loaded(edit, |edit| view! { <ContactFormView edit/> }.into_any())
}

#[component]
fn ContactFormView(edit: ContactEdit) -> impl IntoView {
    let save = ServerAction::<SaveContact>::new();
    // A save opens this page: its code loads while the form is filled in.
    preload_route::<OrganizationDetailPage>();
    let offline = {
        let (record, organization) = (edit.contact.clone(), edit.organization_name.clone());
        OfflineSave::new(save, move |s: SaveContact| contact_to_keep(s.form, record.as_ref(), &organization))
    };
    let error = offline.error();
    let initial = match &edit.contact {
        Some(contact) => ContactForm::from_record(contact),
        None => ContactForm::blank(edit.new_id, edit.organization_id),
    };
    provide_context(FormState::new(error, &initial));
    let title = match &edit.contact {
        Some(contact) => format!("Edit {}", contact.full_name()),
        None => format!("New contact at {}", edit.organization_name),
    };
    let submit = if edit.contact.is_some() { "Save changes" } else { "Add contact" };
    let back = format!("/organizations/{}", edit.organization_id);
    let editing = edit.contact.is_some();
    let (back_link, organization_name) = (back.clone(), edit.organization_name.clone());
    let positions = code_options(Position::ALL, Position::code, Position::label);
    let methods = code_options(ContactMethod::ALL, ContactMethod::code, ContactMethod::label);
    view! {
        <Title text=title.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/organizations">"Organizations"</a>
            " › "
            <a href=back.clone()>{edit.organization_name.clone()}</a>
        </nav>
        <div class="page-header"><h1>{title}</h1></div>
        {move || offline.is_kept().then(|| view! {
            <KeptOffline
                what=if editing { "changes are" } else { "contact is" }
                link=(back_link.clone(), format!("Back to {organization_name}"))
            />
        })}
        <div on:submit=move |_| offline.remember()>
        <ActionForm action=save attr:class="record-form" attr:novalidate=true>
            <ErrorSummary/>
            <input type="hidden" name="form[id]" value=initial.id.clone()/>
            <input type="hidden" name="form[version]" value=initial.version.clone()/>
            <input type="hidden" name="form[organization_id]" value=initial.organization_id.clone()/>
            <fieldset>
                <legend>"Who"</legend>
                <div class="field-row">
                    <TextField name="first_name" label="First name" required=true autocomplete="given-name" maxlength=120/>
                    <TextField name="last_name" label="Last name" autocomplete="family-name" maxlength=120/>
                </div>
                <SelectField name="position" label="Position" blank="Not set" options=positions/>
                <CheckboxField name="is_primary" label="Primary contact" hint="The person you deal with first; an organization has one."/>
                <CheckboxField name="is_decision_maker" label="Makes buying decisions"/>
            </fieldset>
            <fieldset>
                <legend>"How to reach them"</legend>
                <TextField name="email" label="Email" kind="email" autocomplete="email" inputmode="email"/>
                <div class="field-row">
                    <TextField name="phone" label="Phone" kind="tel" autocomplete="tel"/>
                    <TextField name="mobile" label="Mobile" kind="tel" autocomplete="tel"/>
                </div>
                <SelectField name="preferred_contact_method" label="Prefers" blank="No preference" options=methods/>
            </fieldset>
            <TextAreaField name="notes" label="Notes" hint="Menu style, delivery days, what they are buying now."/>
            <div class="form-actions">
                <SubmitButton label=submit pending=save.pending().into()/>
                <a class="button" href=back>"Cancel"</a>
            </div>
        </ActionForm>
        </div>
    }
}

/// A contact saved without the server, as an op for the outbox (checked as the server would).
fn contact_to_keep(submitted: ContactForm, record: Option<&Contact>, organization: &str) -> Result<ToKeep, AppError> {
    use crate::model::form::FormFields;
    let echo = |fields| AppError::invalid(fields).with_values(&submitted);
    let id = submitted.parsed_id().map_err(echo)?;
    let draft = submitted.to_draft().map_err(echo)?;
    let name = crate::model::contact::full_name(&draft.first_name, draft.last_name.as_deref());
    let (op, summary) = match record {
        None => (
            save_op(SyncEntity::Contact, id, None, &draft, Utc::now()),
            format!("Contact added · {name}, {organization}"),
        ),
        Some(was) => (
            save_op(SyncEntity::Contact, id, Some((was.version, &was.to_draft())), &draft, Utc::now()),
            format!("Contact edited · {name}, {organization}"),
        ),
    };
    Ok(ToKeep { op, summary, link: format!("/contacts/{id}/edit") })
}
