//! `/organizations/:id/contacts/new` and `/contacts/:id/edit`: the contact form. Lazy routes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};

use crate::api::contacts::{ContactEdit, SaveContact, get_contact_form};
use crate::components::{
    CheckboxField, ErrorSummary, FormState, SelectField, SubmitButton, TextAreaField, TextField, code_options, loaded,
};
use crate::error::AppError;
use crate::model::{ContactForm, ContactMethod, Position};
use crate::pages::id_param;

type EditResource = Resource<Result<ContactEdit, AppError>>;

pub struct NewContactPage {
    edit: EditResource,
}

#[lazy_route]
impl LazyRoute for NewContactPage {
    fn data() -> Self {
        let organization = id_param("id");
        let edit = Resource::new(
            move || organization.get(),
            |organization| async move {
                match organization {
                    Some(id) => get_contact_form(None, Some(id)).await,
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
        let edit = Resource::new(
            move || id.get(),
            |id| async move {
                match id {
                    Some(id) => get_contact_form(Some(id), None).await,
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
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
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
    }
}
