//! Contacts: the edit form's data and saving it.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{Contact, ContactForm};

/// What the contact form needs: the contact (if editing) and the organization it is under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactEdit {
    pub contact: Option<Contact>,
    /// The id a new contact will get (chosen now, so a double submit saves one contact).
    pub new_id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
}

/// Loads a contact to edit (`contact_id`) or the organization a new one goes under.
#[server(endpoint = "contacts/edit", input = GetUrl)]
pub async fn get_contact_form(
    contact_id: Option<Uuid>,
    organization_id: Option<Uuid>,
) -> Result<ContactEdit, AppError> {
    let access = super::server::access()?;
    let (contact, organization) = match (contact_id, organization_id) {
        (Some(id), _) => {
            let contact = access.contact_to_edit(id).await?;
            let organization = access.organization(contact.organization_id).await?;
            (Some(contact), organization)
        }
        (None, Some(organization_id)) => (None, access.organization_to_add_to(organization_id).await?),
        (None, None) => return Err(AppError::bad_request("Say which organization the contact is for.")),
    };
    let organization_id = organization.id;
    Ok(ContactEdit { contact, new_id: Uuid::now_v7(), organization_id, organization_name: organization.name })
}

/// Creates or updates a contact from its form, then returns to its organization's page.
#[server(endpoint = "contacts/save")]
pub async fn save_contact(form: ContactForm) -> Result<Uuid, AppError> {
    use super::server::{access, redirect_to};
    use crate::model::form::FormFields;
    use crate::store::StoreError;

    let echo = |e: AppError| e.with_values(&form);
    let access = access()?;
    let id = form.parsed_id().map_err(|f| echo(AppError::invalid(f)))?;
    let draft = form.to_draft().map_err(|f| echo(AppError::invalid(f)))?;
    let organization_id = draft.organization_id;
    let saved = if form.version.trim().is_empty() {
        match access.create_contact(Some(id), draft).await {
            Err(StoreError::Exists { .. }) => Ok(()),
            other => other.map(|_| ()),
        }
    } else {
        let version = form.parsed_version().map_err(|f| echo(AppError::invalid(f)))?;
        access.update_contact(id, version, draft).await.map(|_| ())
    };
    saved.map_err(|e| echo(e.into()))?;
    redirect_to(&format!("/organizations/{organization_id}#contacts"));
    Ok(id)
}
