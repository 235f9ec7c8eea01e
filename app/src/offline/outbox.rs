//! The outbox's records and what the server's answer does to them. Pure: the browser's
//! IndexedDB code (`store`, `replay`) and the service worker follow these rules, and the
//! tests below pin them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::model::opportunity::StagePosition;
use crate::model::patch::fields_of;
use crate::model::sync::{FieldConflict, MAX_BATCH_OPS, OpOutcome, SyncAction, SyncEntity, SyncOp};

/// Where an op stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpState {
    /// Waiting to be sent (or sent, with no answer yet).
    Pending,
    /// Applied except fields someone else changed meanwhile: the user picks per field.
    Conflict,
    /// Refused with a reason: the user fixes it and sends it again, or discards it.
    Rejected,
}

/// One queued change, as the outbox store keeps it. The service worker reads the same
/// records (`public/sw.js`), so the field names are part of the protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedOp {
    /// The outbox's own order (IndexedDB's auto-increment key); absent until stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    pub op: SyncOp,
    pub state: OpState,
    /// The server's answer, for an op that needs the user.
    #[serde(default)]
    pub outcome: Option<OpOutcome>,
    /// Who queued it: only their session sends it.
    pub user_id: Uuid,
    /// What the user did, in their words ("Visit logged · Luigi's").
    pub summary: String,
    /// Where the user can see or fix the record.
    pub link: String,
}

impl QueuedOp {
    pub fn new(op: SyncOp, user_id: Uuid, summary: impl Into<String>, link: impl Into<String>) -> Self {
        QueuedOp {
            seq: None,
            op,
            state: OpState::Pending,
            outcome: None,
            user_id,
            summary: summary.into(),
            link: link.into(),
        }
    }
}

/// What the server's answer to an op does to its outbox record.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// Done: drop it from the outbox.
    Acked,
    /// Keep it for the user to decide, in this state.
    NeedsUser(OpState),
    /// Send it again later (the batch stops here: later ops may build on it).
    Again,
}

pub fn settle(outcome: &OpOutcome) -> Settled {
    match outcome {
        OpOutcome::Applied { .. } => Settled::Acked,
        OpOutcome::Conflict { .. } => Settled::NeedsUser(OpState::Conflict),
        OpOutcome::Rejected { .. } => Settled::NeedsUser(OpState::Rejected),
        OpOutcome::Retry { .. } => Settled::Again,
    }
}

/// The next batch to send: `user`'s pending ops, oldest first, at most a batch's worth.
pub fn next_batch(outbox: &[QueuedOp], user: Uuid) -> Vec<&QueuedOp> {
    let mut pending: Vec<&QueuedOp> =
        outbox.iter().filter(|q| q.state == OpState::Pending && q.user_id == user).collect();
    pending.sort_by_key(|q| q.seq);
    pending.truncate(MAX_BATCH_OPS);
    pending
}

/// How long to wait before trying again after `failures` failed sends in a row: doubling
/// from 2 s, at most 5 minutes, so a phone in a basement does not drain its battery.
pub fn retry_delay_ms(failures: u32) -> u32 {
    const FIRST_MS: u32 = 2_000;
    const MOST_MS: u32 = 300_000;
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_MS.saturating_mul(1 << doublings).min(MOST_MS)
}

/// A new record, its whole draft in `changes`.
pub fn create_op(entity: SyncEntity, id: Uuid, draft: &impl Serialize, client_time: DateTime<Utc>) -> SyncOp {
    SyncOp {
        op_id: Uuid::new_v4(),
        entity,
        action: SyncAction::Create,
        entity_id: id,
        base_version: None,
        changes: fields_of(draft),
        base: Map::new(),
        client_time,
    }
}

/// An edit of a record at `version`: only the fields that differ between `before` and
/// `after`, each with the value it had (so the server can merge it with edits made
/// meanwhile). `None` when nothing changed.
pub fn update_op<D: Serialize>(
    entity: SyncEntity,
    id: Uuid,
    version: i64,
    before: &D,
    after: &D,
    client_time: DateTime<Utc>,
) -> Option<SyncOp> {
    let before = fields_of(before);
    let mut changes = Map::new();
    let mut base = Map::new();
    for (field, value) in fields_of(after) {
        let was = before.get(&field).cloned().unwrap_or(Value::Null);
        if was != value {
            base.insert(field.clone(), was);
            changes.insert(field, value);
        }
    }
    (!changes.is_empty()).then(|| SyncOp {
        op_id: Uuid::new_v4(),
        entity,
        action: SyncAction::Update,
        entity_id: id,
        base_version: Some(version),
        changes,
        base,
        client_time,
    })
}

/// A form's save as an op: the whole draft for a new record, or the changed fields of the
/// record `was` (its version and draft). `None` when an edit changed nothing.
pub fn save_op<D: Serialize>(
    entity: SyncEntity,
    id: Uuid,
    was: Option<(i64, &D)>,
    draft: &D,
    client_time: DateTime<Utc>,
) -> Option<SyncOp> {
    match was {
        None => Some(create_op(entity, id, draft, client_time)),
        Some((version, before)) => update_op(entity, id, version, before, draft, client_time),
    }
}

/// A deal's move on the board from `from` to `to`. `None` when it stays where it is.
pub fn move_op(
    id: Uuid,
    version: i64,
    from: StagePosition,
    to: StagePosition,
    client_time: DateTime<Utc>,
) -> Option<SyncOp> {
    let op = update_op(SyncEntity::Opportunity, id, version, &from, &to, client_time)?;
    Some(SyncOp { action: SyncAction::Move, ..op })
}

/// The user's choice for one field in conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    Mine,
    Theirs,
}

/// Resolves a conflict: the fields where the user keeps their value become a new edit of the
/// record at the version the server reported, made from the server's values (so it applies
/// unless someone changed them yet again). `None` when the server's values all stay.
pub fn resolve(
    op: &SyncOp,
    version: i64,
    conflicts: &[FieldConflict],
    keep: impl Fn(&str) -> Keep,
    client_time: DateTime<Utc>,
) -> Option<SyncOp> {
    let mut changes = Map::new();
    let mut base = Map::new();
    for conflict in conflicts.iter().filter(|c| keep(&c.field) == Keep::Mine) {
        changes.insert(conflict.field.clone(), conflict.mine.clone());
        base.insert(conflict.field.clone(), conflict.theirs.clone());
    }
    (!changes.is_empty()).then(|| SyncOp {
        op_id: Uuid::new_v4(),
        entity: op.entity,
        action: if op.action == SyncAction::Move { SyncAction::Move } else { SyncAction::Update },
        entity_id: op.entity_id,
        base_version: Some(version),
        changes,
        base,
        client_time,
    })
}

/// A rejected op sent again with the user's corrections, under a new `op_id` (the server
/// remembers its answer to the old one).
pub fn corrected(op: &SyncOp, corrections: Map<String, Value>, client_time: DateTime<Utc>) -> SyncOp {
    let mut changes = op.changes.clone();
    changes.extend(corrections);
    SyncOp { op_id: Uuid::new_v4(), changes, client_time, ..op.clone() }
}

/// What the user typed to correct a field, as a value of the kind the field had: a number
/// stays a number when it reads as one, an empty entry is no value.
pub fn typed_value(was: &Value, typed: &str) -> Value {
    let typed = typed.trim();
    if typed.is_empty() {
        return Value::Null;
    }
    match was {
        Value::Number(_) => typed.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(typed.to_owned())),
        Value::Bool(_) => Value::Bool(matches!(typed, "yes" | "true" | "on")),
        _ => Value::String(typed.to_owned()),
    }
}

/// A field's value as the pending and conflict lists show it.
pub fn shown_value(value: &Value) -> String {
    match value {
        Value::Null => "(empty)".into(),
        Value::String(s) if s.trim().is_empty() => "(empty)".into(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at() -> DateTime<Utc> {
        "2026-12-04T10:00:00Z".parse().unwrap()
    }

    fn queued(seq: u32, user: Uuid, state: OpState) -> QueuedOp {
        let op = create_op(SyncEntity::Contact, Uuid::new_v4(), &json!({"first_name": "Ana"}), at());
        QueuedOp { seq: Some(seq), state, ..QueuedOp::new(op, user, "Contact added", "/") }
    }

    #[test]
    fn only_an_answer_that_applied_drops_an_op() {
        assert_eq!(settle(&OpOutcome::Applied { version: Some(2) }), Settled::Acked);
        assert_eq!(settle(&OpOutcome::Applied { version: None }), Settled::Acked);
        assert_eq!(
            settle(&OpOutcome::Conflict { version: 3, conflicts: vec![] }),
            Settled::NeedsUser(OpState::Conflict)
        );
        let rejected = OpOutcome::Rejected { reason: "no".into(), fields: Default::default() };
        assert_eq!(settle(&rejected), Settled::NeedsUser(OpState::Rejected));
        assert_eq!(settle(&OpOutcome::Retry { reason: "busy".into() }), Settled::Again);
    }

    #[test]
    fn a_batch_is_the_users_oldest_pending_ops() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        let mut outbox = vec![
            queued(3, me, OpState::Pending),
            queued(1, me, OpState::Rejected),
            queued(2, other, OpState::Pending),
            queued(0, me, OpState::Pending),
        ];
        let batch: Vec<u32> = next_batch(&outbox, me).iter().filter_map(|q| q.seq).collect();
        assert_eq!(batch, vec![0, 3]);
        outbox = (0..250).map(|i| queued(i, me, OpState::Pending)).collect();
        let batch = next_batch(&outbox, me);
        assert_eq!(batch.len(), MAX_BATCH_OPS);
        assert_eq!(batch.last().and_then(|q| q.seq), Some(99));
    }

    #[test]
    fn retries_back_off_to_five_minutes() {
        let delays: Vec<u32> = [1, 2, 3, 4, 8, 9, 40, u32::MAX].into_iter().map(retry_delay_ms).collect();
        assert_eq!(delays, vec![2_000, 4_000, 8_000, 16_000, 256_000, 300_000, 300_000, 300_000]);
    }

    #[test]
    fn an_edit_carries_only_changed_fields_with_their_old_values() {
        let before = json!({"first_name": "Ana", "phone": "1", "email": null});
        let after = json!({"first_name": "Ana", "phone": "2", "email": "a@b.co"});
        let op = update_op(SyncEntity::Contact, Uuid::nil(), 4, &before, &after, at()).unwrap();
        assert_eq!(op.base_version, Some(4));
        assert_eq!(Value::Object(op.changes), json!({"phone": "2", "email": "a@b.co"}));
        assert_eq!(Value::Object(op.base), json!({"phone": "1", "email": null}));
        assert!(update_op(SyncEntity::Contact, Uuid::nil(), 4, &before, &before, at()).is_none());
    }

    #[test]
    fn a_save_is_a_create_or_the_changes_of_an_edit() {
        let draft = json!({"name": "Luigi's", "city": "Austin"});
        let made = save_op(SyncEntity::Organization, Uuid::nil(), None, &draft, at()).unwrap();
        assert_eq!((made.action, made.base_version), (SyncAction::Create, None));
        assert_eq!(Value::Object(made.changes), draft);
        let was = json!({"name": "Luigi's", "city": "Dallas"});
        let edit = save_op(SyncEntity::Organization, Uuid::nil(), Some((3, &was)), &draft, at()).unwrap();
        assert_eq!((edit.action, edit.base_version), (SyncAction::Update, Some(3)));
        assert_eq!(Value::Object(edit.changes), json!({"city": "Austin"}));
        assert!(save_op(SyncEntity::Organization, Uuid::nil(), Some((3, &draft)), &draft, at()).is_none());
    }

    #[test]
    fn a_move_carries_the_stage_and_reason_it_changes() {
        use crate::model::{CloseReason, Stage};
        let from = StagePosition { stage: Stage::Proposal, close_reason: None };
        let to = StagePosition { stage: Stage::ClosedWon, close_reason: Some(CloseReason::Price) };
        let op = move_op(Uuid::nil(), 7, from, to, at()).unwrap();
        assert_eq!((op.entity, op.action, op.base_version), (SyncEntity::Opportunity, SyncAction::Move, Some(7)));
        assert_eq!(op.changes["stage"], json!("closed_won"));
        assert_eq!(op.base["stage"], json!("proposal"));
        assert_eq!(op.changes["close_reason"], json!("price"));
        assert!(move_op(Uuid::nil(), 7, from, from, at()).is_none());
    }

    #[test]
    fn keeping_mine_resends_those_fields_from_the_servers_values() {
        let op = update_op(SyncEntity::Contact, Uuid::nil(), 1, &json!({"phone": "1"}), &json!({"phone": "2"}), at())
            .unwrap();
        let conflicts = vec![
            FieldConflict { field: "phone".into(), mine: json!("2"), theirs: json!("3") },
            FieldConflict { field: "email".into(), mine: json!("me@x.co"), theirs: json!("them@x.co") },
        ];
        let again =
            resolve(&op, 5, &conflicts, |f| if f == "phone" { Keep::Mine } else { Keep::Theirs }, at()).unwrap();
        assert_ne!(again.op_id, op.op_id);
        assert_eq!(again.base_version, Some(5));
        assert_eq!(Value::Object(again.changes), json!({"phone": "2"}));
        assert_eq!(Value::Object(again.base), json!({"phone": "3"}));
        assert!(resolve(&op, 5, &conflicts, |_| Keep::Theirs, at()).is_none());
    }

    #[test]
    fn a_corrected_op_is_a_new_op_with_the_fixes() {
        let op = create_op(SyncEntity::Contact, Uuid::nil(), &json!({"first_name": "", "phone": "1"}), at());
        let fixed = corrected(&op, json!({"first_name": "Ana"}).as_object().cloned().unwrap(), at());
        assert_ne!(fixed.op_id, op.op_id);
        assert_eq!(fixed.entity_id, op.entity_id);
        assert_eq!(Value::Object(fixed.changes), json!({"first_name": "Ana", "phone": "1"}));
    }

    #[test]
    fn a_correction_keeps_the_kind_of_value() {
        assert_eq!(typed_value(&json!(30), " 45 "), json!(45));
        assert_eq!(typed_value(&json!(30), "soon"), json!("soon"), "the server then says what it wants");
        assert_eq!(typed_value(&json!("a"), ""), Value::Null);
        assert_eq!(typed_value(&Value::Null, "Ana"), json!("Ana"));
        assert_eq!(typed_value(&json!(false), "yes"), json!(true));
    }

    #[test]
    fn the_outbox_record_keeps_its_protocol_names() {
        let op = create_op(SyncEntity::Interaction, Uuid::nil(), &json!({}), at());
        let record = serde_json::to_value(QueuedOp::new(op, Uuid::nil(), "Visit", "/log")).unwrap();
        assert!(record.get("seq").is_none(), "IndexedDB assigns seq");
        assert_eq!(record["state"], "pending");
        assert_eq!(record["op"]["action"], "create");
        assert_eq!(shown_value(&json!(null)), "(empty)");
        assert_eq!(shown_value(&json!(true)), "yes");
        assert_eq!(shown_value(&json!(12)), "12");
    }
}
