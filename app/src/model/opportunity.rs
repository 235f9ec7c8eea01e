//! Opportunities: deals in the pipeline, their stages, and the rules of moving them
//! (stage-default probabilities, a reason and a date when closing, stale flags).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enums::{CloseReason, Stage};
use super::form::{FormFields, parse_code, parse_uuid};
use super::validate::{Checker, FieldErrors, NAME_MAX, SHORT_TEXT_MAX, money_input_value, parse_money};

/// A stored opportunity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Opportunity {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub primary_contact_id: Option<Uuid>,
    pub owner_id: Uuid,
    pub name: String,
    pub stage: Stage,
    pub stage_entered_at: DateTime<Utc>,
    pub probability: i32,
    pub estimated_value_cents: Option<i64>,
    pub expected_close_date: Option<NaiveDate>,
    pub actual_close_date: Option<NaiveDate>,
    pub close_reason: Option<CloseReason>,
    pub principal: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl Opportunity {
    pub fn to_draft(&self) -> OpportunityDraft {
        OpportunityDraft {
            organization_id: self.organization_id,
            primary_contact_id: self.primary_contact_id,
            owner_id: Some(self.owner_id),
            name: self.name.clone(),
            stage: self.stage,
            probability: Some(self.probability),
            estimated_value_cents: self.estimated_value_cents,
            expected_close_date: self.expected_close_date,
            close_reason: self.close_reason,
            principal: self.principal.clone(),
            notes: self.notes.clone(),
        }
    }

    /// The value weighted by the probability, in cents.
    pub fn weighted_cents(&self) -> i64 {
        weighted(self.estimated_value_cents.unwrap_or(0), self.probability)
    }
}

/// `value × probability %`, rounded to the cent.
pub fn weighted(value_cents: i64, probability: i32) -> i64 {
    (value_cents as i128 * probability as i128 / 100) as i64
}

/// An opportunity as the board and lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OpportunityItem {
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub opportunity: Opportunity,
    pub organization_name: String,
    /// Its account's assignee (whose rule the deal follows).
    pub assigned_user_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub contact_first_name: Option<String>,
    pub contact_last_name: Option<String>,
    /// The last interaction with its organization.
    pub last_interaction_at: Option<DateTime<Utc>>,
}

impl OpportunityItem {
    pub fn contact_name(&self) -> Option<String> {
        super::contact::optional_full_name(self.contact_first_name.as_deref(), self.contact_last_name.as_deref())
    }

    pub fn staleness(&self, now: DateTime<Utc>) -> Option<Staleness> {
        let o = &self.opportunity;
        staleness(o.stage, o.created_at, o.stage_entered_at, self.last_interaction_at, now)
    }
}

/// Why a deal needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Staleness {
    /// No interaction and no stage change for this many days.
    Quiet(i64),
    /// In negotiation for this many days.
    LongNegotiation(i64),
}

impl Staleness {
    pub fn label(self) -> String {
        match self {
            Staleness::Quiet(days) => format!("No activity for {days} days"),
            Staleness::LongNegotiation(days) => format!("In negotiation for {days} days"),
        }
    }
}

pub const QUIET_AFTER_DAYS: i64 = 30;
pub const NEGOTIATION_STALE_AFTER_DAYS: i64 = 45;

/// Whether an open deal is stale: no activity (an interaction with its organization, a
/// stage change, or its creation) for 30+ days, or in negotiation for 45+ days.
pub fn staleness(
    stage: Stage,
    created_at: DateTime<Utc>,
    stage_entered_at: DateTime<Utc>,
    last_interaction_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Staleness> {
    if stage.is_closed() {
        return None;
    }
    let in_stage = (now - stage_entered_at).num_days();
    if stage == Stage::Negotiation && in_stage >= NEGOTIATION_STALE_AFTER_DAYS {
        return Some(Staleness::LongNegotiation(in_stage));
    }
    let last = [Some(created_at), Some(stage_entered_at), last_interaction_at].into_iter().flatten().max()?;
    let quiet = (now - last).num_days();
    (quiet >= QUIET_AFTER_DAYS).then_some(Staleness::Quiet(quiet))
}

/// The probability a deal has after moving from `from` (at `current`) to `to`, when the
/// user asked for `asked`: a probability the user set themselves stands; otherwise the new
/// stage's default. Closed stages are always 100 % or 0 %.
pub fn probability_after_move(from: Stage, current: i32, to: Stage, asked: Option<i32>) -> i32 {
    if to.is_closed() {
        return to.default_probability();
    }
    match asked {
        Some(p) if from == to || p != current => p,
        _ => to.default_probability(),
    }
}

/// The editable fields of an opportunity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpportunityDraft {
    pub organization_id: Uuid,
    #[serde(default)]
    pub primary_contact_id: Option<Uuid>,
    /// `None`: the user creating it.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    pub name: String,
    #[serde(default = "first_stage")]
    pub stage: Stage,
    /// `None`: the stage's default.
    #[serde(default)]
    pub probability: Option<i32>,
    #[serde(default)]
    pub estimated_value_cents: Option<i64>,
    #[serde(default)]
    pub expected_close_date: Option<NaiveDate>,
    #[serde(default)]
    pub close_reason: Option<CloseReason>,
    #[serde(default)]
    pub principal: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

fn first_stage() -> Stage {
    Stage::Prospecting
}

impl OpportunityDraft {
    pub fn new(organization_id: Uuid, name: &str) -> Self {
        OpportunityDraft {
            organization_id,
            primary_contact_id: None,
            owner_id: None,
            name: name.to_owned(),
            stage: Stage::Prospecting,
            probability: None,
            estimated_value_cents: None,
            expected_close_date: None,
            close_reason: None,
            principal: None,
            notes: None,
        }
    }

    pub fn validate(self) -> Result<Self, FieldErrors> {
        let mut c = Checker::new();
        let draft = self.normalized(&mut c);
        c.finish(draft)
    }

    fn normalized(self, c: &mut Checker) -> Self {
        if let Some(p) = self.probability
            && !(0..=100).contains(&p)
        {
            c.fail("probability", "Probability is a percentage between 0 and 100.");
        }
        if let Some(value) = self.estimated_value_cents
            && value < 0
        {
            c.fail("estimated_value_cents", "The value cannot be negative.");
        }
        let close_reason = check_close_reason(c, self.stage, self.close_reason);
        OpportunityDraft {
            name: c.required_line("name", "Name", &self.name, NAME_MAX),
            probability: Some(if self.stage.is_closed() {
                self.stage.default_probability()
            } else {
                self.probability.unwrap_or(self.stage.default_probability())
            }),
            close_reason,
            principal: c.optional_line("principal", "Principal", self.principal.as_deref(), SHORT_TEXT_MAX),
            notes: c.optional_notes("notes", self.notes.as_deref()),
            ..self
        }
    }
}

/// A closed deal needs a reason that fits its side; an open one keeps none.
pub fn check_close_reason(c: &mut Checker, stage: Stage, reason: Option<CloseReason>) -> Option<CloseReason> {
    if !stage.is_closed() {
        return None;
    }
    match reason {
        Some(reason) if reason.fits(stage) => Some(reason),
        Some(reason) => {
            c.fail(
                "close_reason",
                format!("“{}” is not a reason for {}.", reason.label(), stage.label().to_lowercase()),
            );
            None
        }
        None => {
            c.fail(
                "close_reason",
                format!("Say why the deal was {}.", if stage == Stage::ClosedWon { "won" } else { "lost" }),
            );
            None
        }
    }
}

/// The close reasons that fit `stage`.
pub fn reasons_for(stage: Stage) -> Vec<CloseReason> {
    CloseReason::ALL.iter().copied().filter(|r| r.fits(stage)).collect()
}

/// The opportunity form as the browser posts it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OpportunityForm {
    pub id: String,
    pub version: String,
    pub organization_id: String,
    pub primary_contact_id: String,
    pub owner_id: String,
    pub name: String,
    pub stage: String,
    pub probability: String,
    pub estimated_value: String,
    pub expected_close_date: String,
    pub close_reason: String,
    pub principal: String,
    pub notes: String,
}

impl OpportunityForm {
    pub fn blank(id: Uuid, organization_id: Uuid) -> Self {
        OpportunityForm {
            id: id.to_string(),
            organization_id: organization_id.to_string(),
            stage: Stage::Prospecting.code().to_owned(),
            ..Default::default()
        }
    }

    pub fn from_record(o: &Opportunity) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        OpportunityForm {
            id: o.id.to_string(),
            version: o.version.to_string(),
            organization_id: o.organization_id.to_string(),
            primary_contact_id: o.primary_contact_id.map(|id| id.to_string()).unwrap_or_default(),
            owner_id: o.owner_id.to_string(),
            name: o.name.clone(),
            stage: o.stage.code().to_owned(),
            probability: o.probability.to_string(),
            estimated_value: o.estimated_value_cents.map(money_input_value).unwrap_or_default(),
            expected_close_date: o.expected_close_date.map(|d| d.to_string()).unwrap_or_default(),
            close_reason: o.close_reason.map(|r| r.code().to_owned()).unwrap_or_default(),
            principal: text(&o.principal),
            notes: text(&o.notes),
        }
    }

    pub fn to_draft(&self) -> Result<OpportunityDraft, FieldErrors> {
        let mut c = Checker::new();
        let opt = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
        let organization_id = parse_uuid(&mut c, "organization_id", &self.organization_id);
        if organization_id.is_none() {
            c.fail("organization_id", "Choose the organization the deal is with.");
        }
        let stage = parse_code::<Stage>(&mut c, "stage", &self.stage).unwrap_or(Stage::Prospecting);
        let probability = match self.probability.trim().trim_end_matches('%') {
            "" => None,
            text => match text.trim().parse::<i32>() {
                Ok(p) => Some(p),
                Err(_) => {
                    c.fail("probability", "Probability is a whole percentage, like 60.");
                    None
                }
            },
        };
        let estimated_value_cents = match self.estimated_value.trim() {
            "" => None,
            text => parse_money(text).map_err(|e| c.fail("estimated_value", e)).ok(),
        };
        let expected_close_date = match self.expected_close_date.trim() {
            "" => None,
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| c.fail("expected_close_date", "The expected close must be a date like 2026-12-31."))
                .ok(),
        };
        let draft = OpportunityDraft {
            organization_id: organization_id.unwrap_or_default(),
            primary_contact_id: parse_uuid(&mut c, "primary_contact_id", &self.primary_contact_id),
            owner_id: parse_uuid(&mut c, "owner_id", &self.owner_id),
            name: self.name.clone(),
            stage,
            probability,
            estimated_value_cents,
            expected_close_date,
            close_reason: parse_code(&mut c, "close_reason", &self.close_reason),
            principal: opt(&self.principal),
            notes: opt(&self.notes),
        }
        .normalized(&mut c);
        c.finish(draft).map_err(|mut errors| {
            if let Some(message) = errors.remove("estimated_value_cents") {
                errors.entry("estimated_value".into()).or_insert(message);
            }
            errors
        })
    }
}

impl FormFields for OpportunityForm {
    fn record_id(&self) -> &str {
        &self.id
    }
    fn record_version(&self) -> &str {
        &self.version
    }
}

/// Where a deal stands on the board: the fields a move changes, merged (offline) like any
/// other fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagePosition {
    pub stage: Stage,
    pub close_reason: Option<CloseReason>,
}

/// A move on the board: the stage, and the reason when it closes the deal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StageMoveForm {
    pub id: String,
    pub version: String,
    pub stage: String,
    pub close_reason: String,
}

impl StageMoveForm {
    pub fn parse(&self) -> Result<(Uuid, i64, Stage, Option<CloseReason>), FieldErrors> {
        let mut c = Checker::new();
        let id = Uuid::parse_str(self.id.trim()).map_err(|_| c.fail("id", "The form is damaged: reload the page."));
        let version =
            self.version.trim().parse::<i64>().map_err(|_| c.fail("version", "The form is damaged: reload the page."));
        let stage = parse_code::<Stage>(&mut c, "stage", &self.stage);
        if stage.is_none() && !c.has_errors() {
            c.fail("stage", "Choose the stage to move the deal to.");
        }
        let reason = parse_code::<CloseReason>(&mut c, "close_reason", &self.close_reason);
        let reason = stage.and_then(|stage| check_close_reason(&mut c, stage, reason));
        match (id, version, stage) {
            (Ok(id), Ok(version), Some(stage)) => c.finish((id, version, stage, reason)),
            _ => Err(c.finish(()).err().unwrap_or_default()),
        }
    }
}

/// One column of the pipeline: how many open deals, their value and weighted value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StageTotal {
    pub stage: Stage,
    pub deals: i64,
    pub value_cents: i64,
    pub weighted_cents: i64,
}

/// A stage change as the deal's page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StageChange {
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(days_ago: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap() - chrono::Duration::days(days_ago)
    }

    #[test]
    fn closing_needs_a_reason_of_its_side_and_fixes_the_probability() {
        let mut won = OpportunityDraft {
            stage: Stage::ClosedWon,
            probability: Some(40),
            ..OpportunityDraft::new(Uuid::nil(), "Deal")
        };
        assert!(won.clone().validate().unwrap_err()["close_reason"].contains("won"));
        won.close_reason = Some(CloseReason::Competitor);
        assert!(won.clone().validate().unwrap_err()["close_reason"].contains("not a reason"));
        won.close_reason = Some(CloseReason::Relationship);
        assert_eq!(won.validate().unwrap().probability, Some(100));
        let open =
            OpportunityDraft { close_reason: Some(CloseReason::Price), ..OpportunityDraft::new(Uuid::nil(), "Deal") };
        let open = open.validate().unwrap();
        assert_eq!((open.close_reason, open.probability), (None, Some(10)), "an open deal has no reason");
    }

    #[test]
    fn moving_takes_the_stage_default_unless_the_user_set_one() {
        use Stage::*;
        assert_eq!(probability_after_move(Prospecting, 10, Proposal, None), 50);
        assert_eq!(probability_after_move(Prospecting, 10, Proposal, Some(10)), 50, "unchanged means default");
        assert_eq!(probability_after_move(Prospecting, 10, Proposal, Some(65)), 65, "a set value stands");
        assert_eq!(probability_after_move(Proposal, 50, Proposal, Some(65)), 65);
        assert_eq!(probability_after_move(Negotiation, 75, ClosedLost, Some(75)), 0);
        assert_eq!(probability_after_move(Negotiation, 75, ClosedWon, None), 100);
    }

    #[test]
    fn stale_deals_are_quiet_30_days_or_negotiating_45() {
        let now = at(0);
        assert_eq!(staleness(Stage::Proposal, at(60), at(31), None, now), Some(Staleness::Quiet(31)));
        assert_eq!(staleness(Stage::Proposal, at(60), at(31), Some(at(2)), now), None, "a recent visit counts");
        assert_eq!(staleness(Stage::Proposal, at(60), at(29), None, now), None);
        assert_eq!(
            staleness(Stage::Negotiation, at(60), at(45), Some(at(1)), now),
            Some(Staleness::LongNegotiation(45))
        );
        assert_eq!(staleness(Stage::Negotiation, at(60), at(44), Some(at(1)), now), None);
        assert_eq!(staleness(Stage::ClosedLost, at(90), at(80), None, now), None, "closed deals are never stale");
    }

    #[test]
    fn forms_parse_money_percent_and_dates() {
        let form = OpportunityForm {
            name: "Holiday menu".into(),
            stage: "negotiation".into(),
            probability: "80%".into(),
            estimated_value: "12,500.50".into(),
            expected_close_date: "2026-12-31".into(),
            ..OpportunityForm::blank(Uuid::nil(), Uuid::from_u128(3))
        };
        let draft = form.to_draft().unwrap();
        assert_eq!((draft.stage, draft.probability), (Stage::Negotiation, Some(80)));
        assert_eq!(draft.estimated_value_cents, Some(1_250_050));
        assert_eq!(draft.expected_close_date, NaiveDate::from_ymd_opt(2026, 12, 31));
        let bad =
            OpportunityForm { probability: "lots".into(), estimated_value: "-5".into(), name: " ".into(), ..form };
        let errors = bad.to_draft().unwrap_err();
        for field in ["probability", "estimated_value", "name"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        assert_eq!(weighted(1_250_050, 80), 1_000_040);
    }

    #[test]
    fn a_move_to_closed_needs_its_reason() {
        let id = Uuid::from_u128(1).to_string();
        let lost = StageMoveForm {
            id: id.clone(),
            version: "3".into(),
            stage: "closed_lost".into(),
            close_reason: String::new(),
        };
        assert!(lost.parse().unwrap_err().contains_key("close_reason"));
        let lost = StageMoveForm { close_reason: "competitor".into(), ..lost };
        assert_eq!(lost.parse().unwrap(), (Uuid::from_u128(1), 3, Stage::ClosedLost, Some(CloseReason::Competitor)));
        let damaged = StageMoveForm { id: "x".into(), ..lost };
        assert!(damaged.parse().unwrap_err().contains_key("id"));
    }
}
