//! Contacts: the chefs, buyers and owners at an organization.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enums::{ContactMethod, Position};
use super::form::{FormFields, parse_checkbox, parse_code, parse_uuid};
use super::validate::{Checker, FieldErrors, SHORT_TEXT_MAX, format_phone};

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Contact {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub first_name: String,
    pub last_name: Option<String>,
    pub position: Option<Position>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub is_primary: bool,
    pub is_decision_maker: bool,
    pub preferred_contact_method: Option<ContactMethod>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl Contact {
    pub fn full_name(&self) -> String {
        full_name(&self.first_name, self.last_name.as_deref())
    }

    pub fn to_draft(&self) -> ContactDraft {
        ContactDraft {
            organization_id: self.organization_id,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            position: self.position,
            email: self.email.clone(),
            phone: self.phone.clone(),
            mobile: self.mobile.clone(),
            is_primary: self.is_primary,
            is_decision_maker: self.is_decision_maker,
            preferred_contact_method: self.preferred_contact_method,
            notes: self.notes.clone(),
        }
    }
}

pub fn full_name(first: &str, last: Option<&str>) -> String {
    match last {
        Some(last) => format!("{first} {last}"),
        None => first.to_owned(),
    }
}

/// The name of a contact read along with another record (`None`: it has none).
pub fn optional_full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    first.map(|first| full_name(first, last))
}

/// The editable fields of a contact.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDraft {
    pub organization_id: Uuid,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub position: Option<Position>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub mobile: Option<String>,
    #[serde(default)]
    pub is_primary: bool,
    #[serde(default)]
    pub is_decision_maker: bool,
    #[serde(default)]
    pub preferred_contact_method: Option<ContactMethod>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl ContactDraft {
    pub fn validate(self) -> Result<Self, FieldErrors> {
        let mut c = Checker::new();
        let draft = self.normalized(&mut c);
        c.finish(draft)
    }

    fn normalized(self, c: &mut Checker) -> Self {
        let draft = ContactDraft {
            organization_id: self.organization_id,
            first_name: c.required_line("first_name", "First name", &self.first_name, SHORT_TEXT_MAX),
            last_name: c.optional_line("last_name", "Last name", self.last_name.as_deref(), SHORT_TEXT_MAX),
            position: self.position,
            email: c.optional_email("email", self.email.as_deref()),
            phone: c.optional_phone("phone", self.phone.as_deref()),
            mobile: c.optional_phone("mobile", self.mobile.as_deref()),
            is_primary: self.is_primary,
            is_decision_maker: self.is_decision_maker,
            preferred_contact_method: self.preferred_contact_method,
            notes: c.optional_notes("notes", self.notes.as_deref()),
        };
        // A preference nobody can act on is a mistake worth pointing out.
        let reachable = match draft.preferred_contact_method {
            Some(ContactMethod::Email) => draft.email.is_some(),
            Some(ContactMethod::Phone) => draft.phone.is_some() || draft.mobile.is_some(),
            Some(ContactMethod::Text) => draft.mobile.is_some(),
            _ => true,
        };
        if !reachable {
            let needed = match draft.preferred_contact_method {
                Some(ContactMethod::Email) => "an email address",
                Some(ContactMethod::Text) => "a mobile number",
                _ => "a phone number",
            };
            c.fail("preferred_contact_method", format!("Add {needed} to prefer this way of contact."));
        }
        draft
    }
}

/// The contact form as the browser posts it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    pub id: String,
    pub version: String,
    pub organization_id: String,
    pub first_name: String,
    pub last_name: String,
    pub position: String,
    pub email: String,
    pub phone: String,
    pub mobile: String,
    pub is_primary: String,
    pub is_decision_maker: String,
    pub preferred_contact_method: String,
    pub notes: String,
}

impl ContactForm {
    pub fn blank(id: Uuid, organization_id: Uuid) -> Self {
        ContactForm { id: id.to_string(), organization_id: organization_id.to_string(), ..Default::default() }
    }

    pub fn from_record(contact: &Contact) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let phone = |v: &Option<String>| v.as_deref().map(format_phone).unwrap_or_default();
        let flag = |b: bool| if b { "on".to_owned() } else { String::new() };
        ContactForm {
            id: contact.id.to_string(),
            version: contact.version.to_string(),
            organization_id: contact.organization_id.to_string(),
            first_name: contact.first_name.clone(),
            last_name: text(&contact.last_name),
            position: contact.position.map(|p| p.code().to_owned()).unwrap_or_default(),
            email: text(&contact.email),
            phone: phone(&contact.phone),
            mobile: phone(&contact.mobile),
            is_primary: flag(contact.is_primary),
            is_decision_maker: flag(contact.is_decision_maker),
            preferred_contact_method: contact.preferred_contact_method.map(|m| m.code().to_owned()).unwrap_or_default(),
            notes: text(&contact.notes),
        }
    }

    pub fn to_draft(&self) -> Result<ContactDraft, FieldErrors> {
        let mut c = Checker::new();
        let opt = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
        let organization_id = parse_uuid(&mut c, "organization_id", &self.organization_id);
        if organization_id.is_none() {
            c.fail("organization_id", "Choose the organization this contact works for.");
        }
        let draft = ContactDraft {
            organization_id: organization_id.unwrap_or_default(),
            first_name: self.first_name.clone(),
            last_name: opt(&self.last_name),
            position: parse_code(&mut c, "position", &self.position),
            email: opt(&self.email),
            phone: opt(&self.phone),
            mobile: opt(&self.mobile),
            is_primary: parse_checkbox(&self.is_primary),
            is_decision_maker: parse_checkbox(&self.is_decision_maker),
            preferred_contact_method: parse_code(&mut c, "preferred_contact_method", &self.preferred_contact_method),
            notes: opt(&self.notes),
        }
        .normalized(&mut c);
        c.finish(draft)
    }
}

impl FormFields for ContactForm {
    fn record_id(&self) -> &str {
        &self.id
    }
    fn record_version(&self) -> &str {
        &self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_form_parses_checkboxes_and_phones() {
        let form = ContactForm {
            first_name: " Mario ".into(),
            last_name: "Rossi".into(),
            position: "executive_chef".into(),
            mobile: "555 987 6543".into(),
            is_primary: "on".into(),
            preferred_contact_method: "text".into(),
            ..ContactForm::blank(Uuid::nil(), Uuid::from_u128(7))
        };
        let draft = form.to_draft().unwrap();
        assert_eq!(draft.organization_id, Uuid::from_u128(7));
        assert_eq!(draft.first_name, "Mario");
        assert_eq!(draft.position, Some(Position::ExecutiveChef));
        assert_eq!(draft.mobile.as_deref(), Some("+15559876543"));
        assert!(draft.is_primary && !draft.is_decision_maker);
    }

    #[test]
    fn preferring_an_unknown_channel_is_refused() {
        let draft = ContactDraft {
            organization_id: Uuid::from_u128(1),
            first_name: "Ana".into(),
            preferred_contact_method: Some(ContactMethod::Email),
            ..Default::default()
        };
        let errors = draft.validate().unwrap_err();
        assert!(errors["preferred_contact_method"].contains("email address"));
    }

    #[test]
    fn missing_organization_is_a_field_error() {
        let form = ContactForm { first_name: "Ana".into(), ..Default::default() };
        assert!(form.to_draft().unwrap_err().contains_key("organization_id"));
    }
}
