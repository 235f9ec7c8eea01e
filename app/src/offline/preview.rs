//! What a queued op makes of a record in the copy on this device, so pages read offline show
//! the change at once. The rules follow the server's writes (a new stage's probability and
//! dates, a follow-up's day); the server's own row replaces the preview at the next pull.
//! Pure: the browser's driver stores the result.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::model::opportunity::probability_after_move;
use crate::model::patch::{merged, typed};
use crate::model::sync::{SyncEntity, SyncOp};
use crate::model::{
    Contact, ContactDraft, FieldErrors, Interaction, InteractionDraft, Opportunity, OpportunityDraft, Organization,
    OrganizationDraft,
};

/// Who made the change and when: what the server will record as `created_by`/`updated_by`.
#[derive(Debug, Clone, Copy)]
pub struct Author {
    pub user: Uuid,
    pub at: DateTime<Utc>,
}

/// The record after a create or edit `op` (its fields, as the copy stores them), from the
/// copy's `current` row. Deletes and ops on rows the copy cannot read are the caller's.
pub fn preview(op: &SyncOp, current: Option<Value>, by: Author) -> Result<Value, FieldErrors> {
    // The quick log's `completes` names another record: not a field of this one.
    let changes: Map<String, Value> =
        op.changes.iter().filter(|(f, _)| *f != "completes").map(|(f, v)| (f.clone(), v.clone())).collect();
    let id = op.entity_id;
    match op.entity {
        SyncEntity::Organization => {
            next(current, changes, Organization::to_draft, |was, d| organization(id, was, d, by))
        }
        SyncEntity::Contact => next(current, changes, Contact::to_draft, |was, d| contact(id, was, d, by)),
        SyncEntity::Interaction => {
            next(current, changes, Interaction::to_draft, |was, d| interaction(id, was, d, op, by))
        }
        SyncEntity::Opportunity => next(current, changes, Opportunity::to_draft, |was, d| opportunity(id, was, d, by)),
    }
}

/// The draft after the changes (the whole draft for a new record), made into the record.
fn next<R, D>(
    current: Option<Value>,
    changes: Map<String, Value>,
    to_draft: fn(&R) -> D,
    build: impl FnOnce(Option<R>, D) -> R,
) -> Result<Value, FieldErrors>
where
    R: Serialize + DeserializeOwned,
    D: Serialize + DeserializeOwned,
{
    let current: Option<R> = current.map(typed).transpose()?;
    let draft = match &current {
        Some(record) => merged(&to_draft(record), changes)?,
        None => typed(Value::Object(changes))?,
    };
    serde_json::to_value(build(current, draft)).map_err(|e| FieldErrors::from([("changes".to_owned(), e.to_string())]))
}

/// The bookkeeping a write keeps or starts: when and by whom created, the version the
/// server has (the next edit is made from it), and who changed it last.
struct Stamp {
    created_at: DateTime<Utc>,
    created_by: Option<Uuid>,
    version: i64,
}

fn stamp(was: Option<(DateTime<Utc>, Option<Uuid>, i64)>, by: Author) -> Stamp {
    match was {
        Some((created_at, created_by, version)) => Stamp { created_at, created_by, version },
        None => Stamp { created_at: by.at, created_by: Some(by.user), version: 0 },
    }
}

fn organization(id: Uuid, was: Option<Organization>, d: OrganizationDraft, by: Author) -> Organization {
    let s = stamp(was.as_ref().map(|o| (o.created_at, o.created_by, o.version)), by);
    Organization {
        id,
        name: d.name,
        priority: d.priority,
        segment: d.segment,
        kind: d.kind,
        phone: d.phone,
        email: d.email,
        website: d.website,
        street: d.street,
        city: d.city,
        region: d.region,
        postal_code: d.postal_code,
        country: d.country,
        annual_revenue_cents: d.annual_revenue_cents,
        distributor: d.distributor,
        assigned_user_id: d.assigned_user_id,
        notes: d.notes,
        tags: d.tags,
        last_interaction_at: was.as_ref().and_then(|o| o.last_interaction_at),
        next_follow_up_at: was.as_ref().and_then(|o| o.next_follow_up_at),
        created_at: s.created_at,
        updated_at: by.at,
        created_by: s.created_by,
        updated_by: Some(by.user),
        deleted_at: None,
        version: s.version,
    }
}

fn contact(id: Uuid, was: Option<Contact>, d: ContactDraft, by: Author) -> Contact {
    let s = stamp(was.as_ref().map(|c| (c.created_at, c.created_by, c.version)), by);
    Contact {
        id,
        organization_id: d.organization_id,
        first_name: d.first_name,
        last_name: d.last_name,
        position: d.position,
        email: d.email,
        phone: d.phone,
        mobile: d.mobile,
        is_primary: d.is_primary,
        is_decision_maker: d.is_decision_maker,
        preferred_contact_method: d.preferred_contact_method,
        notes: d.notes,
        created_at: s.created_at,
        updated_at: by.at,
        created_by: s.created_by,
        updated_by: Some(by.user),
        deleted_at: None,
        version: s.version,
    }
}

fn interaction(id: Uuid, was: Option<Interaction>, d: InteractionDraft, op: &SyncOp, by: Author) -> Interaction {
    let s = stamp(was.as_ref().map(|i| (i.created_at, i.created_by, i.version)), by);
    // A visit logged offline happened when it was logged (as the server records it).
    let occurred_at = d.occurred_at.or(was.as_ref().map(|i| i.occurred_at)).unwrap_or(op.client_time.min(by.at));
    Interaction {
        id,
        organization_id: d.organization_id,
        contact_id: d.contact_id,
        user_id: was.as_ref().map_or(by.user, |i| i.user_id),
        opportunity_id: d.opportunity_id,
        kind: d.kind,
        occurred_at,
        duration_minutes: d.duration_minutes,
        subject: d.subject.clone(),
        notes: d.notes.clone(),
        outcome: d.outcome,
        follow_up_at: d.follow_up_at(),
        follow_up_notes: d.follow_up_notes.clone(),
        follow_up_done: d.follow_up_done,
        latitude: d.latitude,
        longitude: d.longitude,
        created_at: s.created_at,
        updated_at: by.at,
        created_by: s.created_by,
        updated_by: Some(by.user),
        deleted_at: None,
        version: s.version,
    }
}

fn opportunity(id: Uuid, was: Option<Opportunity>, d: OpportunityDraft, by: Author) -> Opportunity {
    let s = stamp(was.as_ref().map(|o| (o.created_at, o.created_by, o.version)), by);
    let today = by.at.date_naive();
    let (probability, stage_entered_at, actual_close_date) = match &was {
        Some(o) => (
            probability_after_move(o.stage, o.probability, d.stage, d.probability),
            if o.stage == d.stage { o.stage_entered_at } else { by.at },
            match (o.stage.is_closed(), d.stage.is_closed()) {
                (_, false) => None,
                (true, true) => o.actual_close_date,
                (false, true) => Some(today),
            },
        ),
        None => (d.probability.unwrap_or(d.stage.default_probability()), by.at, d.stage.is_closed().then_some(today)),
    };
    Opportunity {
        id,
        organization_id: d.organization_id,
        primary_contact_id: d.primary_contact_id,
        owner_id: d.owner_id.or(was.as_ref().map(|o| o.owner_id)).unwrap_or(by.user),
        name: d.name,
        stage: d.stage,
        stage_entered_at,
        probability,
        estimated_value_cents: d.estimated_value_cents,
        expected_close_date: d.expected_close_date,
        actual_close_date,
        close_reason: d.close_reason,
        principal: d.principal,
        notes: d.notes,
        created_at: s.created_at,
        updated_at: by.at,
        created_by: s.created_by,
        updated_by: Some(by.user),
        deleted_at: None,
        version: s.version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::opportunity::StagePosition;
    use crate::model::{CloseReason, Stage};
    use crate::offline::outbox::{create_op, move_op, update_op};
    use serde_json::json;

    fn by() -> Author {
        Author { user: Uuid::from_u128(7), at: "2026-12-05T10:00:00Z".parse().unwrap() }
    }

    fn read<T: DeserializeOwned>(value: Value) -> T {
        typed(value).expect("the copy can read the preview")
    }

    #[test]
    fn a_new_record_reads_back_as_a_whole_record() {
        let draft = OrganizationDraft { name: "Luigi's".into(), ..Default::default() };
        let op = create_op(SyncEntity::Organization, Uuid::from_u128(1), &draft, by().at);
        let org: Organization = read(preview(&op, None, by()).unwrap());
        assert_eq!((org.id, org.name.as_str(), org.version), (Uuid::from_u128(1), "Luigi's", 0));
        assert_eq!((org.created_by, org.created_at), (Some(by().user), by().at));
    }

    #[test]
    fn a_visit_gets_its_follow_up_day_its_author_and_when_it_was_logged() {
        let on = chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let draft = InteractionDraft {
            follow_up_on: Some(on),
            ..InteractionDraft::new(Uuid::from_u128(2), crate::model::InteractionKind::ALL[0])
        };
        let mut op =
            create_op(SyncEntity::Interaction, Uuid::from_u128(3), &draft, "2026-12-05T09:00:00Z".parse().unwrap());
        op.changes.insert("completes".into(), json!(Uuid::from_u128(4)));
        let visit: Interaction = read(preview(&op, None, by()).unwrap());
        assert_eq!(visit.follow_up_on(), Some(on));
        assert_eq!(visit.user_id, by().user);
        assert_eq!(visit.occurred_at, op.client_time, "when logged, not when previewed");
    }

    #[test]
    fn an_edit_keeps_the_servers_version_and_the_fields_it_did_not_change() {
        let draft = ContactDraft { first_name: "Ana".into(), phone: Some("1".into()), ..Default::default() };
        let created =
            preview(&create_op(SyncEntity::Contact, Uuid::from_u128(5), &draft, by().at), None, by()).unwrap();
        let mut stored: Contact = read(created);
        stored.version = 4;
        let after = ContactDraft { phone: Some("2".into()), ..draft.clone() };
        let op = update_op(SyncEntity::Contact, stored.id, 4, &draft, &after, by().at).unwrap();
        let edited: Contact = read(preview(&op, Some(serde_json::to_value(&stored).unwrap()), by()).unwrap());
        assert_eq!((edited.first_name.as_str(), edited.phone.as_deref(), edited.version), ("Ana", Some("2"), 4));
    }

    #[test]
    fn a_deal_closed_on_the_board_takes_the_stages_probability_and_todays_date() {
        let draft = OpportunityDraft { stage: Stage::Proposal, ..OpportunityDraft::new(Uuid::from_u128(6), "Burrata") };
        let open =
            preview(&create_op(SyncEntity::Opportunity, Uuid::from_u128(8), &draft, by().at), None, by()).unwrap();
        let deal: Opportunity = read(open.clone());
        assert_eq!((deal.probability, deal.owner_id, deal.actual_close_date), (50, by().user, None));
        let from = StagePosition { stage: Stage::Proposal, close_reason: None };
        let to = StagePosition { stage: Stage::ClosedWon, close_reason: Some(CloseReason::Price) };
        let later = Author { at: "2026-12-06T08:00:00Z".parse().unwrap(), ..by() };
        let op = move_op(deal.id, 0, from, to, later.at).unwrap();
        let won: Opportunity = read(preview(&op, Some(open), later).unwrap());
        assert_eq!((won.stage, won.probability), (Stage::ClosedWon, 100));
        assert_eq!(won.actual_close_date, Some(later.at.date_naive()));
        assert_eq!(won.stage_entered_at, later.at);
    }

    #[test]
    fn a_change_the_record_cannot_take_is_an_error_not_a_broken_row() {
        let op = create_op(SyncEntity::Contact, Uuid::from_u128(9), &json!({"first_name": 12}), by().at);
        assert!(preview(&op, None, by()).is_err());
    }
}
