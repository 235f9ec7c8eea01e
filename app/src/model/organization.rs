//! Organizations: the restaurants, hospitals, schools and caterers reps sell to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enums::{OrganizationKind, Priority, Segment};
use super::form::{FormFields, parse_code, parse_uuid};
use super::validate::{Checker, FieldErrors, NAME_MAX, SHORT_TEXT_MAX, parse_money};

/// A stored organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub priority: Priority,
    pub segment: Option<Segment>,
    pub kind: OrganizationKind,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub annual_revenue_cents: Option<i64>,
    pub distributor: Option<String>,
    pub assigned_user_id: Option<Uuid>,
    pub notes: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub tags: Vec<String>,
    pub last_interaction_at: Option<DateTime<Utc>>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl Organization {
    /// The fields a person edits, as they stand now.
    pub fn to_draft(&self) -> OrganizationDraft {
        OrganizationDraft {
            name: self.name.clone(),
            priority: self.priority,
            segment: self.segment,
            kind: self.kind,
            phone: self.phone.clone(),
            email: self.email.clone(),
            website: self.website.clone(),
            street: self.street.clone(),
            city: self.city.clone(),
            region: self.region.clone(),
            postal_code: self.postal_code.clone(),
            country: self.country.clone(),
            annual_revenue_cents: self.annual_revenue_cents,
            distributor: self.distributor.clone(),
            assigned_user_id: self.assigned_user_id,
            notes: self.notes.clone(),
            tags: self.tags.clone(),
        }
    }

    /// "Springfield, IL" or whichever parts are known.
    pub fn place(&self) -> Option<String> {
        place(self.city.as_deref(), self.region.as_deref())
    }
}

pub(crate) fn place(city: Option<&str>, region: Option<&str>) -> Option<String> {
    match (city, region) {
        (Some(c), Some(r)) => Some(format!("{c}, {r}")),
        (Some(c), None) => Some(c.to_owned()),
        (None, Some(r)) => Some(r.to_owned()),
        (None, None) => None,
    }
}

/// The editable fields of an organization: what a create sends and what an update
/// replaces. Unknown fields are refused so a typo in an API call is not silently lost.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationDraft {
    pub name: String,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub segment: Option<Segment>,
    #[serde(default)]
    pub kind: OrganizationKind,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub annual_revenue_cents: Option<i64>,
    #[serde(default)]
    pub distributor: Option<String>,
    #[serde(default)]
    pub assigned_user_id: Option<Uuid>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl OrganizationDraft {
    /// Normalizes every field (trimmed text, E.164 phones, lower-case emails, https
    /// websites) or returns every problem found.
    pub fn validate(self) -> Result<Self, FieldErrors> {
        let mut c = Checker::new();
        let draft = self.normalized(&mut c);
        c.finish(draft)
    }

    fn normalized(self, c: &mut Checker) -> Self {
        if self.annual_revenue_cents.is_some_and(|cents| !(0..=super::validate::MONEY_MAX_CENTS).contains(&cents)) {
            c.fail("annual_revenue_cents", "Annual revenue must be between $0 and $1 trillion.");
        }
        OrganizationDraft {
            name: c.required_line("name", "Name", &self.name, NAME_MAX),
            priority: self.priority,
            segment: self.segment,
            kind: self.kind,
            phone: c.optional_phone("phone", self.phone.as_deref()),
            email: c.optional_email("email", self.email.as_deref()),
            website: c.optional_website("website", self.website.as_deref()),
            street: c.optional_line("street", "Street", self.street.as_deref(), NAME_MAX),
            city: c.optional_line("city", "City", self.city.as_deref(), SHORT_TEXT_MAX),
            region: c.optional_line("region", "State or region", self.region.as_deref(), SHORT_TEXT_MAX),
            postal_code: c.optional_line("postal_code", "Postal code", self.postal_code.as_deref(), 20),
            country: c.optional_line("country", "Country", self.country.as_deref(), SHORT_TEXT_MAX),
            annual_revenue_cents: self.annual_revenue_cents,
            distributor: c.optional_line("distributor", "Distributor", self.distributor.as_deref(), SHORT_TEXT_MAX),
            assigned_user_id: self.assigned_user_id,
            notes: c.optional_notes("notes", self.notes.as_deref()),
            tags: c.tags("tags", &self.tags),
        }
    }
}

/// The organization form as the browser posts it: every field a string, so that a
/// mistyped value comes back as a message next to its field, never as a failed request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OrganizationForm {
    /// Chosen when the form is rendered, so a double submit creates one record.
    pub id: String,
    /// The version the form was rendered from (edits only).
    pub version: String,
    pub name: String,
    pub priority: String,
    pub segment: String,
    pub kind: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub annual_revenue: String,
    pub distributor: String,
    pub assigned_user_id: String,
    pub notes: String,
    pub tags: String,
}

impl OrganizationForm {
    pub fn blank(id: Uuid) -> Self {
        OrganizationForm {
            id: id.to_string(),
            priority: Priority::default().code().to_owned(),
            kind: OrganizationKind::default().code().to_owned(),
            ..Default::default()
        }
    }

    pub fn from_record(org: &Organization) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        OrganizationForm {
            id: org.id.to_string(),
            version: org.version.to_string(),
            name: org.name.clone(),
            priority: org.priority.code().to_owned(),
            segment: org.segment.map(|s| s.code().to_owned()).unwrap_or_default(),
            kind: org.kind.code().to_owned(),
            phone: org.phone.as_deref().map(super::validate::format_phone).unwrap_or_default(),
            email: text(&org.email),
            website: text(&org.website),
            street: text(&org.street),
            city: text(&org.city),
            region: text(&org.region),
            postal_code: text(&org.postal_code),
            country: text(&org.country),
            annual_revenue: org.annual_revenue_cents.map(super::validate::money_input_value).unwrap_or_default(),
            distributor: text(&org.distributor),
            assigned_user_id: org.assigned_user_id.map(|u| u.to_string()).unwrap_or_default(),
            notes: text(&org.notes),
            tags: org.tags.join(", "),
        }
    }

    /// Parses and validates the posted strings into a draft.
    pub fn to_draft(&self) -> Result<OrganizationDraft, FieldErrors> {
        let mut c = Checker::new();
        let opt = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
        let annual_revenue_cents = match opt(&self.annual_revenue) {
            None => None,
            Some(text) => match parse_money(&text) {
                Ok(cents) => Some(cents),
                Err(message) => {
                    c.fail("annual_revenue", message);
                    None
                }
            },
        };
        let draft = OrganizationDraft {
            name: self.name.clone(),
            priority: parse_code(&mut c, "priority", &self.priority).unwrap_or_default(),
            segment: parse_code(&mut c, "segment", &self.segment),
            kind: parse_code(&mut c, "kind", &self.kind).unwrap_or_default(),
            phone: opt(&self.phone),
            email: opt(&self.email),
            website: opt(&self.website),
            street: opt(&self.street),
            city: opt(&self.city),
            region: opt(&self.region),
            postal_code: opt(&self.postal_code),
            country: opt(&self.country),
            annual_revenue_cents,
            distributor: opt(&self.distributor),
            assigned_user_id: parse_uuid(&mut c, "assigned_user_id", &self.assigned_user_id),
            notes: opt(&self.notes),
            tags: self.tags.split(',').map(str::to_owned).collect(),
        }
        .normalized(&mut c);
        // The form shows revenue in dollars under its own field name.
        c.finish(draft).map_err(|mut errors| {
            if let Some(message) = errors.remove("annual_revenue_cents") {
                errors.insert("annual_revenue".into(), message);
            }
            errors
        })
    }
}

impl FormFields for OrganizationForm {
    fn record_id(&self) -> &str {
        &self.id
    }
    fn record_version(&self) -> &str {
        &self.version
    }
}

/// One row of the organizations list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OrganizationSummary {
    pub id: Uuid,
    pub name: String,
    pub priority: Priority,
    pub segment: Option<Segment>,
    pub kind: OrganizationKind,
    pub city: Option<String>,
    pub region: Option<String>,
    pub phone: Option<String>,
    pub assigned_user_id: Option<Uuid>,
    pub assigned_user_name: Option<String>,
    pub contact_count: i64,
    pub last_interaction_at: Option<DateTime<Utc>>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl OrganizationSummary {
    pub fn place(&self) -> Option<String> {
        place(self.city.as_deref(), self.region.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> OrganizationForm {
        OrganizationForm {
            name: "  Joe's   Pizza ".into(),
            priority: "A".into(),
            segment: "casual_dining".into(),
            kind: "customer".into(),
            phone: "(555) 123-4567".into(),
            email: "Joe@JoesPizza.com".into(),
            website: "joespizza.com".into(),
            city: "Springfield".into(),
            annual_revenue: "1,250,000".into(),
            tags: "pizza, Late night, pizza".into(),
            ..OrganizationForm::blank(Uuid::nil())
        }
    }

    #[test]
    fn a_good_form_becomes_a_normalized_draft() {
        let draft = form().to_draft().unwrap();
        assert_eq!(draft.name, "Joe's Pizza");
        assert_eq!(draft.priority, Priority::A);
        assert_eq!(draft.segment, Some(Segment::CasualDining));
        assert_eq!(draft.kind, OrganizationKind::Customer);
        assert_eq!(draft.phone.as_deref(), Some("+15551234567"));
        assert_eq!(draft.email.as_deref(), Some("joe@joespizza.com"));
        assert_eq!(draft.website.as_deref(), Some("https://joespizza.com"));
        assert_eq!(draft.annual_revenue_cents, Some(125_000_000));
        assert_eq!(draft.tags, vec!["pizza", "Late night"]);
        assert_eq!(draft.street, None);
    }

    #[test]
    fn a_bad_form_reports_every_field() {
        let bad = OrganizationForm {
            name: " ".into(),
            priority: "Z".into(),
            phone: "12".into(),
            annual_revenue: "lots".into(),
            assigned_user_id: "someone".into(),
            ..form()
        };
        let errors = bad.to_draft().unwrap_err();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, vec!["annual_revenue", "assigned_user_id", "name", "phone", "priority"]);
    }

    #[test]
    fn a_record_round_trips_through_its_form() {
        let draft = form().to_draft().unwrap();
        let now = Utc::now();
        let org = Organization {
            id: Uuid::new_v4(),
            name: draft.name.clone(),
            priority: draft.priority,
            segment: draft.segment,
            kind: draft.kind,
            phone: draft.phone.clone(),
            email: draft.email.clone(),
            website: draft.website.clone(),
            street: None,
            city: draft.city.clone(),
            region: None,
            postal_code: None,
            country: None,
            annual_revenue_cents: Some(120_050),
            distributor: None,
            assigned_user_id: None,
            notes: Some("Line one\nLine two".into()),
            tags: draft.tags.clone(),
            last_interaction_at: None,
            next_follow_up_at: None,
            created_at: now,
            updated_at: now,
            created_by: None,
            updated_by: None,
            deleted_at: None,
            version: 3,
        };
        let form = OrganizationForm::from_record(&org);
        assert_eq!(form.version, "3");
        assert_eq!(form.phone, "(555) 123-4567");
        assert_eq!(form.annual_revenue, "1200.50");
        assert_eq!(form.to_draft().unwrap(), org.to_draft());
    }

    #[test]
    fn api_drafts_refuse_unknown_fields_and_default_the_rest() {
        let draft: OrganizationDraft = serde_json::from_str(r#"{"name":"Café Rouge"}"#).unwrap();
        assert_eq!(draft.priority, Priority::C);
        assert_eq!(draft.kind, OrganizationKind::Prospect);
        assert!(serde_json::from_str::<OrganizationDraft>(r#"{"name":"x","nmae":"y"}"#).is_err());
    }

    #[test]
    fn negative_revenue_is_refused() {
        let draft = OrganizationDraft { name: "X".into(), annual_revenue_cents: Some(-1), ..Default::default() };
        assert!(draft.validate().unwrap_err().contains_key("annual_revenue_cents"));
    }
}
