//! Interactions: the visits, calls and tastings a rep logs, each with how it went and,
//! often, the next step (a follow-up date).

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enums::{InteractionKind, Outcome};
use super::form::{FormFields, parse_checkbox, parse_code, parse_uuid};
use super::validate::{Checker, FieldErrors, SHORT_TEXT_MAX};

/// A stored interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Interaction {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub contact_id: Option<Uuid>,
    /// Who logged it.
    pub user_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub kind: InteractionKind,
    pub occurred_at: DateTime<Utc>,
    pub duration_minutes: Option<i32>,
    pub subject: Option<String>,
    pub notes: Option<String>,
    pub outcome: Option<Outcome>,
    pub follow_up_at: Option<DateTime<Utc>>,
    pub follow_up_notes: Option<String>,
    pub follow_up_done: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl Interaction {
    pub fn to_draft(&self) -> InteractionDraft {
        InteractionDraft {
            organization_id: self.organization_id,
            contact_id: self.contact_id,
            opportunity_id: self.opportunity_id,
            kind: self.kind,
            occurred_at: Some(self.occurred_at),
            duration_minutes: self.duration_minutes,
            subject: self.subject.clone(),
            notes: self.notes.clone(),
            outcome: self.outcome,
            follow_up_on: self.follow_up_on(),
            follow_up_notes: self.follow_up_notes.clone(),
            follow_up_done: self.follow_up_done,
            latitude: self.latitude,
            longitude: self.longitude,
        }
    }

    /// The day the follow-up is due.
    pub fn follow_up_on(&self) -> Option<NaiveDate> {
        self.follow_up_at.map(|at| at.date_naive())
    }

    /// An open follow-up: due and not done yet.
    pub fn open_follow_up(&self) -> Option<NaiveDate> {
        self.follow_up_on().filter(|_| !self.follow_up_done)
    }
}

/// An interaction as lists show it: with the names of its organization, contact and author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InteractionItem {
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub interaction: Interaction,
    pub organization_name: String,
    pub contact_first_name: Option<String>,
    pub contact_last_name: Option<String>,
    pub author_name: Option<String>,
}

impl InteractionItem {
    pub fn contact_name(&self) -> Option<String> {
        contact_name(self.contact_first_name.as_deref(), self.contact_last_name.as_deref())
    }
}

fn contact_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    first.map(|first| super::contact::full_name(first, last))
}

/// An open follow-up as the Today page lists it: what is due, when, where and with whom.
/// Only that: Today carries up to fifty, and as whole interaction items (notes, position,
/// audit fields) they were three times the size; a seeded rep's home page went from 117 to
/// 82 KB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FollowUp {
    /// The interaction that asked for it; the visit logged for it completes it.
    pub id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub contact_first_name: Option<String>,
    pub contact_last_name: Option<String>,
    pub follow_up_at: DateTime<Utc>,
    pub follow_up_notes: Option<String>,
}

impl FollowUp {
    /// The follow-up an interaction asks for, if it is still open.
    pub fn of(item: InteractionItem) -> Option<FollowUp> {
        let interaction = item.interaction;
        let follow_up_at = interaction.follow_up_at.filter(|_| !interaction.follow_up_done)?;
        Some(FollowUp {
            id: interaction.id,
            organization_id: interaction.organization_id,
            organization_name: item.organization_name,
            contact_first_name: item.contact_first_name,
            contact_last_name: item.contact_last_name,
            follow_up_at,
            follow_up_notes: interaction.follow_up_notes,
        })
    }

    /// The day it is due.
    pub fn due_on(&self) -> NaiveDate {
        self.follow_up_at.date_naive()
    }

    pub fn contact_name(&self) -> Option<String> {
        contact_name(self.contact_first_name.as_deref(), self.contact_last_name.as_deref())
    }
}

/// An A-priority account that is due a visit (the Today page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AccountToVisit {
    pub id: Uuid,
    pub name: String,
    pub city: Option<String>,
    pub region: Option<String>,
    pub last_interaction_at: Option<DateTime<Utc>>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
}

/// The time of day a follow-up date is stored at (dates are UTC days until users have a
/// time zone preference, like every date on screen).
fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The editable fields of an interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InteractionDraft {
    pub organization_id: Uuid,
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    #[serde(default)]
    pub opportunity_id: Option<Uuid>,
    pub kind: InteractionKind,
    /// When it happened; `None` means now.
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration_minutes: Option<i32>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub follow_up_on: Option<NaiveDate>,
    #[serde(default)]
    pub follow_up_notes: Option<String>,
    #[serde(default)]
    pub follow_up_done: bool,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

impl InteractionDraft {
    pub fn new(organization_id: Uuid, kind: InteractionKind) -> Self {
        InteractionDraft {
            organization_id,
            contact_id: None,
            opportunity_id: None,
            kind,
            occurred_at: None,
            duration_minutes: None,
            subject: None,
            notes: None,
            outcome: None,
            follow_up_on: None,
            follow_up_notes: None,
            follow_up_done: false,
            latitude: None,
            longitude: None,
        }
    }

    /// Checks the draft as of `now` (an interaction cannot have happened in the future).
    pub fn validate(self, now: DateTime<Utc>) -> Result<Self, FieldErrors> {
        let mut c = Checker::new();
        let draft = self.normalized(&mut c, now);
        c.finish(draft)
    }

    fn normalized(self, c: &mut Checker, now: DateTime<Utc>) -> Self {
        let occurred_at = self.occurred_at.unwrap_or(now);
        // A phone's clock a few minutes ahead is not a mistake worth refusing.
        if occurred_at > now + chrono::Duration::minutes(10) {
            c.fail("occurred_at", "An interaction cannot be in the future; log it once it has happened.");
        }
        if let Some(minutes) = self.duration_minutes
            && !(0..=1440).contains(&minutes)
        {
            c.fail("duration_minutes", "Duration is in minutes, between 0 and 1440 (a day).");
        }
        if let Some(day) = self.follow_up_on
            && day < occurred_at.date_naive()
        {
            c.fail("follow_up_on", "The follow-up cannot be due before the interaction happened.");
        }
        match (self.latitude, self.longitude) {
            (None, None) => {}
            (Some(lat), Some(lon)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
            _ => c.fail("location", "The location needs a latitude (−90…90) and a longitude (−180…180)."),
        }
        let follow_up_notes = c.optional_line("follow_up_notes", "Next step", self.follow_up_notes.as_deref(), 200);
        InteractionDraft {
            occurred_at: Some(occurred_at),
            subject: c.optional_line("subject", "Subject", self.subject.as_deref(), SHORT_TEXT_MAX),
            notes: c.optional_notes("notes", self.notes.as_deref()),
            // A next step without a date is a note nobody will be reminded of.
            follow_up_notes: follow_up_notes.filter(|_| self.follow_up_on.is_some()),
            follow_up_done: self.follow_up_done && self.follow_up_on.is_some(),
            ..self
        }
    }

    pub fn follow_up_at(&self) -> Option<DateTime<Utc>> {
        self.follow_up_on.map(day_start)
    }
}

/// The next steps the quick log offers, each with the follow-up it usually needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    Tasting,
    MenuPlanning,
    DeliveryFollowUp,
    CallBack,
}

impl NextStep {
    pub const ALL: &'static [NextStep] =
        &[NextStep::Tasting, NextStep::MenuPlanning, NextStep::DeliveryFollowUp, NextStep::CallBack];

    pub fn code(self) -> &'static str {
        match self {
            NextStep::Tasting => "tasting",
            NextStep::MenuPlanning => "menu_planning",
            NextStep::DeliveryFollowUp => "delivery_follow_up",
            NextStep::CallBack => "call_back",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NextStep::Tasting => "Tasting",
            NextStep::MenuPlanning => "Menu planning",
            NextStep::DeliveryFollowUp => "Delivery follow-up",
            NextStep::CallBack => "Call back",
        }
    }

    /// Days until the follow-up (domain.md: tasting 3, menu planning 5, delivery 14).
    pub fn days(self) -> u64 {
        match self {
            NextStep::Tasting => 3,
            NextStep::MenuPlanning => 5,
            NextStep::DeliveryFollowUp => 14,
            NextStep::CallBack => 7,
        }
    }

    pub fn due_from(self, today: NaiveDate) -> NaiveDate {
        today.checked_add_days(Days::new(self.days())).unwrap_or(today)
    }

    pub fn parse(code: &str) -> Option<NextStep> {
        NextStep::ALL.iter().copied().find(|s| s.code() == code)
    }
}

/// The quick log / interaction form as the browser posts it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InteractionForm {
    pub id: String,
    pub version: String,
    pub organization_id: String,
    pub contact_id: String,
    pub kind: String,
    pub outcome: String,
    /// `YYYY-MM-DD`, empty for today.
    pub occurred_on: String,
    pub duration_minutes: String,
    pub notes: String,
    /// A [`NextStep`] code: fills in the follow-up date and note when they are empty.
    pub next_step: String,
    pub follow_up_on: String,
    pub follow_up_notes: String,
    pub follow_up_done: String,
    /// The interaction whose follow-up this one completes (from "Log visit" on a follow-up).
    pub completes: String,
}

impl InteractionForm {
    /// A new log: a visit that went well, the common case (two taps fewer).
    pub fn blank(id: Uuid, organization_id: Option<Uuid>) -> Self {
        InteractionForm {
            id: id.to_string(),
            organization_id: organization_id.map(|id| id.to_string()).unwrap_or_default(),
            kind: InteractionKind::Visit.code().to_owned(),
            outcome: Outcome::Positive.code().to_owned(),
            ..Default::default()
        }
    }

    pub fn from_record(interaction: &Interaction) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        InteractionForm {
            id: interaction.id.to_string(),
            version: interaction.version.to_string(),
            organization_id: interaction.organization_id.to_string(),
            contact_id: interaction.contact_id.map(|id| id.to_string()).unwrap_or_default(),
            kind: interaction.kind.code().to_owned(),
            outcome: interaction.outcome.map(|o| o.code().to_owned()).unwrap_or_default(),
            occurred_on: interaction.occurred_at.date_naive().to_string(),
            duration_minutes: interaction.duration_minutes.map(|m| m.to_string()).unwrap_or_default(),
            notes: text(&interaction.notes),
            next_step: String::new(),
            follow_up_on: interaction.follow_up_on().map(|d| d.to_string()).unwrap_or_default(),
            follow_up_notes: text(&interaction.follow_up_notes),
            follow_up_done: if interaction.follow_up_done { "on".into() } else { String::new() },
            completes: String::new(),
        }
    }

    /// The draft this form describes, as of `now`. An interaction dated today happened now;
    /// one dated another day keeps the time it had (when edited) or noon of that day.
    pub fn to_draft(&self, now: DateTime<Utc>, was: Option<DateTime<Utc>>) -> Result<InteractionDraft, FieldErrors> {
        let mut c = Checker::new();
        let opt = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
        let organization_id = parse_uuid(&mut c, "organization_id", &self.organization_id);
        if organization_id.is_none() {
            c.fail("organization_id", "Choose the organization you met.");
        }
        let kind = match parse_code::<InteractionKind>(&mut c, "kind", &self.kind) {
            Some(kind) => kind,
            None => {
                c.fail("kind", "Choose what kind of contact it was.");
                InteractionKind::Visit
            }
        };
        let occurred_on = parse_date(&mut c, "occurred_on", &self.occurred_on, "The date");
        let occurred_at = match (occurred_on, was) {
            (None, Some(was)) if self.occurred_on.trim().is_empty() => Some(was),
            (None, _) => Some(now),
            (Some(day), Some(was)) if day == was.date_naive() => Some(was),
            (Some(day), _) if day == now.date_naive() => Some(now),
            (Some(day), _) => day.and_hms_opt(12, 0, 0).map(|t| t.and_utc()),
        };
        let duration_minutes = match self.duration_minutes.trim() {
            "" => None,
            text => match text.parse::<i32>() {
                Ok(m) => Some(m),
                Err(_) => {
                    c.fail("duration_minutes", "Duration is a whole number of minutes.");
                    None
                }
            },
        };
        let next_step = match self.next_step.trim() {
            "" => None,
            code => {
                let step = NextStep::parse(code);
                if step.is_none() {
                    c.fail("next_step", "Choose one of the listed next steps.");
                }
                step
            }
        };
        let mut follow_up_on = parse_date(&mut c, "follow_up_on", &self.follow_up_on, "The follow-up date");
        let mut follow_up_notes = opt(&self.follow_up_notes);
        if let Some(step) = next_step {
            let from = occurred_at.map(|at| at.date_naive()).unwrap_or(now.date_naive()).max(now.date_naive());
            follow_up_on = follow_up_on.or(Some(step.due_from(from)));
            follow_up_notes = follow_up_notes.or(Some(step.label().to_owned()));
        }
        let draft = InteractionDraft {
            organization_id: organization_id.unwrap_or_default(),
            contact_id: parse_uuid(&mut c, "contact_id", &self.contact_id),
            opportunity_id: None,
            kind,
            occurred_at,
            duration_minutes,
            subject: None,
            notes: opt(&self.notes),
            outcome: parse_code(&mut c, "outcome", &self.outcome),
            follow_up_on,
            follow_up_notes,
            follow_up_done: parse_checkbox(&self.follow_up_done),
            latitude: None,
            longitude: None,
        }
        .normalized(&mut c, now);
        // The form asks for a day, not a time.
        c.finish(draft).map_err(|mut errors| {
            if let Some(message) = errors.remove("occurred_at") {
                errors.entry("occurred_on".into()).or_insert(message);
            }
            errors
        })
    }

    /// The interaction whose follow-up this log completes, if any.
    pub fn completes(&self) -> Result<Option<Uuid>, FieldErrors> {
        let mut c = Checker::new();
        let id = parse_uuid(&mut c, "completes", &self.completes);
        c.finish(id)
    }
}

impl FormFields for InteractionForm {
    fn record_id(&self) -> &str {
        &self.id
    }
    fn record_version(&self) -> &str {
        &self.version
    }
}

fn parse_date(c: &mut Checker, field: &str, text: &str, label: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(day) => Some(day),
        Err(_) => {
            c.fail(field, format!("{label} must be a date like 2026-12-31."));
            None
        }
    }
}

/// Where an open follow-up stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Due {
    Overdue,
    Today,
    ThisWeek,
    Later,
}

impl Due {
    pub fn of(day: NaiveDate, today: NaiveDate) -> Due {
        let days = (day - today).num_days();
        match days {
            ..0 => Due::Overdue,
            0 => Due::Today,
            1..=7 => Due::ThisWeek,
            _ => Due::Later,
        }
    }

    /// The last day the Today page lists (today and the next 7 days).
    pub fn horizon(today: NaiveDate) -> NaiveDate {
        today.checked_add_days(Days::new(8)).unwrap_or(today)
    }
}

/// An A-priority account counts as neglected after this many days without an interaction.
pub const NEGLECTED_AFTER_DAYS: i64 = 30;
/// The most follow-ups and accounts to visit the Today page lists.
pub const TODAY_LIMIT: i64 = 50;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn form(org: Uuid) -> InteractionForm {
        InteractionForm::blank(Uuid::from_u128(1), Some(org))
    }

    #[test]
    fn the_common_case_is_a_positive_visit_now() {
        let org = Uuid::from_u128(9);
        let now = at(2026, 12, 4, 10);
        let draft = form(org).to_draft(now, None).unwrap();
        assert_eq!(draft.organization_id, org);
        assert_eq!(draft.kind, InteractionKind::Visit);
        assert_eq!(draft.outcome, Some(Outcome::Positive));
        assert_eq!(draft.occurred_at, Some(now));
        assert_eq!(draft.follow_up_on, None);
    }

    #[test]
    fn next_steps_prefill_the_follow_up_by_template() {
        let now = at(2026, 12, 4, 10);
        let due = |step: &str| {
            let f = InteractionForm { next_step: step.into(), ..form(Uuid::from_u128(9)) };
            let draft = f.to_draft(now, None).unwrap();
            (draft.follow_up_on.unwrap(), draft.follow_up_notes.unwrap())
        };
        assert_eq!(due("tasting"), (day(2026, 12, 7), "Tasting".to_owned()));
        assert_eq!(due("menu_planning"), (day(2026, 12, 9), "Menu planning".to_owned()));
        assert_eq!(due("delivery_follow_up"), (day(2026, 12, 18), "Delivery follow-up".to_owned()));
    }

    #[test]
    fn a_date_the_user_chose_wins_over_the_template() {
        let f = InteractionForm {
            next_step: "tasting".into(),
            follow_up_on: "2026-12-20".into(),
            follow_up_notes: "Bring the new burrata".into(),
            ..form(Uuid::from_u128(9))
        };
        let draft = f.to_draft(at(2026, 12, 4, 10), None).unwrap();
        assert_eq!(draft.follow_up_on, Some(day(2026, 12, 20)));
        assert_eq!(draft.follow_up_notes.as_deref(), Some("Bring the new burrata"));
    }

    #[test]
    fn bad_input_gets_field_errors() {
        let f = InteractionForm {
            organization_id: String::new(),
            kind: "party".into(),
            occurred_on: "2026-13-01".into(),
            duration_minutes: "long".into(),
            next_step: "nap".into(),
            ..form(Uuid::nil())
        };
        let errors = f.to_draft(at(2026, 12, 4, 10), None).unwrap_err();
        for field in ["organization_id", "kind", "occurred_on", "duration_minutes", "next_step"] {
            assert!(errors.contains_key(field), "no error for {field}: {errors:?}");
        }
    }

    #[test]
    fn future_interactions_and_follow_ups_before_them_are_refused() {
        let now = at(2026, 12, 4, 10);
        let future = InteractionForm { occurred_on: "2026-12-06".into(), ..form(Uuid::from_u128(9)) };
        assert!(future.to_draft(now, None).unwrap_err().contains_key("occurred_on"));
        let backwards = InteractionForm {
            occurred_on: "2026-12-01".into(),
            follow_up_on: "2026-11-30".into(),
            ..form(Uuid::from_u128(9))
        };
        assert!(backwards.to_draft(now, None).unwrap_err().contains_key("follow_up_on"));
    }

    #[test]
    fn an_edit_keeps_the_time_of_day_it_had() {
        let was = at(2026, 12, 1, 15);
        let f = InteractionForm { occurred_on: "2026-12-01".into(), ..form(Uuid::from_u128(9)) };
        assert_eq!(f.to_draft(at(2026, 12, 4, 10), Some(was)).unwrap().occurred_at, Some(was));
        let moved = InteractionForm { occurred_on: "2026-12-02".into(), ..f };
        assert_eq!(moved.to_draft(at(2026, 12, 4, 10), Some(was)).unwrap().occurred_at, Some(at(2026, 12, 2, 12)));
    }

    #[test]
    fn a_next_step_note_without_a_date_is_dropped() {
        let draft = InteractionDraft {
            follow_up_notes: Some("someday".into()),
            follow_up_done: true,
            ..InteractionDraft::new(Uuid::from_u128(9), InteractionKind::Call)
        };
        let draft = draft.validate(at(2026, 12, 4, 10)).unwrap();
        assert_eq!(draft.follow_up_notes, None);
        assert!(!draft.follow_up_done);
    }

    #[test]
    fn half_a_location_is_refused() {
        let draft = InteractionDraft {
            latitude: Some(45.0),
            ..InteractionDraft::new(Uuid::from_u128(9), InteractionKind::Visit)
        };
        assert!(draft.validate(at(2026, 12, 4, 10)).unwrap_err().contains_key("location"));
    }

    #[test]
    fn follow_ups_fall_into_the_today_buckets() {
        let today = day(2026, 12, 4);
        assert_eq!(Due::of(day(2026, 12, 3), today), Due::Overdue);
        assert_eq!(Due::of(today, today), Due::Today);
        assert_eq!(Due::of(day(2026, 12, 5), today), Due::ThisWeek);
        assert_eq!(Due::of(day(2026, 12, 11), today), Due::ThisWeek);
        assert_eq!(Due::of(day(2026, 12, 12), today), Due::Later);
        assert_eq!(Due::horizon(today), day(2026, 12, 12));
    }

    fn item(follow_up_at: Option<DateTime<Utc>>, done: bool) -> InteractionItem {
        let logged = at(2026, 12, 1, 9);
        InteractionItem {
            interaction: Interaction {
                id: Uuid::from_u128(1),
                organization_id: Uuid::from_u128(2),
                contact_id: Some(Uuid::from_u128(3)),
                user_id: Uuid::from_u128(4),
                opportunity_id: None,
                kind: InteractionKind::Visit,
                occurred_at: logged,
                duration_minutes: Some(30),
                subject: Some("Spring menu".into()),
                notes: Some("Chef wants pricing for 40 cases a week.".into()),
                outcome: Some(Outcome::FollowUpNeeded),
                follow_up_at,
                follow_up_notes: Some("Bring the price sheet.".into()),
                follow_up_done: done,
                latitude: None,
                longitude: None,
                created_at: logged,
                updated_at: logged,
                created_by: None,
                updated_by: None,
                deleted_at: None,
                version: 1,
            },
            organization_name: "Golden Fork".into(),
            contact_first_name: Some("Ann".into()),
            contact_last_name: Some("Lee".into()),
            author_name: Some("Rita Rep".into()),
        }
    }

    #[test]
    fn a_follow_up_keeps_what_today_shows_of_an_open_one_only() {
        let due = at(2026, 12, 8, 0);
        let follow_up = FollowUp::of(item(Some(due), false)).unwrap();
        assert_eq!((follow_up.id, follow_up.organization_id), (Uuid::from_u128(1), Uuid::from_u128(2)));
        assert_eq!(follow_up.organization_name, "Golden Fork");
        assert_eq!(follow_up.contact_name().as_deref(), Some("Ann Lee"));
        assert_eq!(
            (follow_up.due_on(), follow_up.follow_up_notes.as_deref()),
            (day(2026, 12, 8), Some("Bring the price sheet."))
        );
        assert_eq!(FollowUp::of(item(Some(due), true)), None, "done");
        assert_eq!(FollowUp::of(item(None, false)), None, "none asked for");
    }
}
