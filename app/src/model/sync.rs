//! Offline operations and the rules the server folds them in by (architecture.md, "Offline
//! and sync"): what the client queues, what the server answers, the field-level merge and
//! the delta-pull cursor. Pure: no I/O, shared by the server and the browser.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Contact, FieldErrors, Interaction, Opportunity, Organization};

/// The most operations one `POST /api/v1/sync` may carry.
pub const MAX_BATCH_OPS: usize = 100;
/// The most rows of each kind one page of changes carries.
pub const CHANGES_PAGE_ROWS: i64 = 500;
/// How far back a fresh copy reaches for interactions (open follow-ups are kept whatever their age).
pub const PRIMED_INTERACTION_DAYS: i64 = 90;
/// A page of changes only reaches rows at least this old, so a write still committing with
/// an earlier `updated_at` is never stepped over by the cursor.
pub const CHANGES_SETTLE_SECONDS: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncEntity {
    Organization,
    Contact,
    Interaction,
    Opportunity,
}

impl SyncEntity {
    pub fn code(self) -> &'static str {
        match self {
            SyncEntity::Organization => "organization",
            SyncEntity::Contact => "contact",
            SyncEntity::Interaction => "interaction",
            SyncEntity::Opportunity => "opportunity",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncAction {
    /// `changes` is the whole draft; `entity_id` is the id the client chose.
    Create,
    /// `changes` holds the fields changed, `base` what they were when the user changed them.
    Update,
    Delete,
    /// A deal's stage change: `changes` holds `stage` and, when closing, `close_reason`.
    Move,
}

/// One change made by the client, as queued in its outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncOp {
    pub op_id: Uuid,
    pub entity: SyncEntity,
    pub action: SyncAction,
    pub entity_id: Uuid,
    /// The version of the record the change was made from (updates, moves, deletes).
    #[serde(default)]
    pub base_version: Option<i64>,
    #[serde(default)]
    pub changes: Map<String, Value>,
    /// For each changed field, the value it had when the user changed it: lets the server
    /// tell a field only this user changed from one both changed.
    #[serde(default)]
    pub base: Map<String, Value>,
    pub client_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncBatch {
    pub ops: Vec<SyncOp>,
}

impl SyncBatch {
    /// Refuses a batch the client should never send: empty, too long, or naming an op twice.
    pub fn check(&self) -> Result<(), String> {
        if self.ops.is_empty() {
            return Err("The batch has no operations; send at least one in \"ops\".".into());
        }
        if self.ops.len() > MAX_BATCH_OPS {
            return Err(format!(
                "The batch has {} operations; send at most {MAX_BATCH_OPS} at a time.",
                self.ops.len()
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(op) = self.ops.iter().find(|op| !seen.insert(op.op_id)) {
            return Err(format!("Operation {} is in the batch twice; send each op_id once.", op.op_id));
        }
        Ok(())
    }
}

/// A field both sides changed: the server kept `theirs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldConflict {
    pub field: String,
    pub mine: Value,
    pub theirs: Value,
}

/// What became of one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OpOutcome {
    /// Applied (or the record was already as asked). `version` is the record's version now,
    /// `None` for a record that is gone.
    Applied { version: Option<i64> },
    /// Applied except the fields someone else changed meanwhile, where the server kept its value.
    Conflict { version: i64, conflicts: Vec<FieldConflict> },
    /// Refused (validation, permission, a record that is gone): sending it again will not help;
    /// the user fixes it and sends a new operation.
    Rejected {
        reason: String,
        #[serde(default, skip_serializing_if = "FieldErrors::is_empty")]
        fields: FieldErrors,
    },
    /// Not applied for a passing reason (the database was busy or down): keep it and send it again.
    Retry { reason: String },
}

impl OpOutcome {
    /// The `status` the API names it by.
    pub fn status(&self) -> &'static str {
        match self {
            OpOutcome::Applied { .. } => "applied",
            OpOutcome::Conflict { .. } => "conflict",
            OpOutcome::Rejected { .. } => "rejected",
            OpOutcome::Retry { .. } => "retry",
        }
    }

    /// Whether the client may drop the op from its outbox (the server has the final word on it).
    pub fn is_final(&self) -> bool {
        !matches!(self, OpOutcome::Retry { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpResult {
    pub op_id: Uuid,
    #[serde(flatten)]
    pub outcome: OpOutcome,
    /// The op had been applied before; this is the result it had then.
    #[serde(default)]
    pub replayed: bool,
}

/// The answer to a batch: one result per op, in the batch's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReply {
    pub results: Vec<OpResult>,
}

/// How the fields of an update fold into the record as it stands on the server.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldMerge {
    /// The fields to write.
    pub apply: Map<String, Value>,
    pub conflicts: Vec<FieldConflict>,
}

/// The field-level merge. `current` is the record on the server; `up_to_date` says the op was
/// made from the current version. A field the server has not changed since (it still holds
/// the op's `base` value) takes the op's value; a field already holding that value is left
/// alone; a field both changed is a conflict and keeps the server's value. Without a `base`
/// value for a field there is no telling who changed it, so a stale op conflicts there.
pub fn merge_fields(
    current: &Map<String, Value>,
    up_to_date: bool,
    base: &Map<String, Value>,
    changes: &Map<String, Value>,
) -> FieldMerge {
    let mut merge = FieldMerge::default();
    for (field, mine) in changes {
        let Some(theirs) = current.get(field) else {
            // Not a field of the record: applying it lets the draft's check name it.
            merge.apply.insert(field.clone(), mine.clone());
            continue;
        };
        if same_value(theirs, mine) {
            continue;
        }
        let untouched_there = base.get(field).is_some_and(|was| same_value(was, theirs));
        if up_to_date || untouched_there {
            merge.apply.insert(field.clone(), mine.clone());
        } else {
            merge.conflicts.push(FieldConflict { field: field.clone(), mine: mine.clone(), theirs: theirs.clone() });
        }
    }
    merge
}

/// JSON equality where `5` and `5.0` are the same number, and an absent text is the same as
/// an empty one (the forms store a blank field as nothing).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Null, Value::String(s)) | (Value::String(s), Value::Null) => s.trim().is_empty(),
        _ => a == b,
    }
}

/// Where a delta pull reached in one table, in `(updated_at, id)` order: the last row of a
/// full page, or the pull's horizon (and the greatest id) once the table was read up to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

/// Where a delta pull reached in each table. Opaque to the client: it sends back what it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncCursor {
    /// When the client's copy began: records deleted (or deals closed) before then are left
    /// out, later ones come as changes so the copy can drop them. `None`: no copy yet.
    pub started: Option<DateTime<Utc>>,
    pub organizations: Option<Mark>,
    pub contacts: Option<Mark>,
    pub interactions: Option<Mark>,
    pub opportunities: Option<Mark>,
}

impl SyncCursor {
    /// Microseconds since 1970 when the copy began, then `micros.uuid` per table, `~` between
    /// them; empty for a table not read yet, and the whole cursor empty for no copy yet.
    pub fn encode(&self) -> String {
        let Some(started) = self.started else { return String::new() };
        let marks = [self.organizations, self.contacts, self.interactions, self.opportunities]
            .map(|mark| mark.map(|m| format!("{}.{}", m.at.timestamp_micros(), m.id.simple())).unwrap_or_default());
        format!("{}~{}", started.timestamp_micros(), marks.join("~"))
    }

    pub fn decode(text: &str) -> Result<SyncCursor, String> {
        let bad = || "The sync cursor is not one this server gave out; pull again without \"since\".".to_owned();
        if text.is_empty() {
            return Ok(SyncCursor::default());
        }
        let time = |micros: &str| micros.parse::<i64>().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(bad);
        let parts: Vec<&str> = text.split('~').collect();
        let [started, o, c, i, p] = parts.as_slice() else { return Err(bad()) };
        let mark = |part: &str| -> Result<Option<Mark>, String> {
            if part.is_empty() {
                return Ok(None);
            }
            let (micros, id) = part.split_once('.').ok_or_else(bad)?;
            Ok(Some(Mark { at: time(micros)?, id: Uuid::parse_str(id).map_err(|_| bad())? }))
        };
        Ok(SyncCursor {
            started: Some(time(started)?),
            organizations: mark(o)?,
            contacts: mark(c)?,
            interactions: mark(i)?,
            opportunities: mark(p)?,
        })
    }
}

/// One page of what changed since a cursor, deletions included (rows with `deleted_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeSet {
    pub organizations: Vec<Organization>,
    pub contacts: Vec<Contact>,
    pub interactions: Vec<Interaction>,
    pub opportunities: Vec<Opportunity>,
    /// Send this back as `since` for the next page or the next pull.
    pub cursor: String,
    /// More changes wait: pull again at once with the new cursor.
    pub more: bool,
    /// Changes younger than `CHANGES_SETTLE_SECONDS` were held back (on the last page only):
    /// pull again once that long has passed, or the copy misses them until the next pull.
    #[serde(default)]
    pub settling: bool,
    pub server_time: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn an_op_made_from_the_current_version_applies_whole() {
        let current = map(json!({"phone": "+15550001", "city": "Austin"}));
        let merge = merge_fields(&current, true, &Map::new(), &map(json!({"phone": "+15550002", "city": "Dallas"})));
        assert_eq!(merge.apply, map(json!({"phone": "+15550002", "city": "Dallas"})));
        assert!(merge.conflicts.is_empty());
    }

    #[test]
    fn fields_changed_on_one_side_only_merge() {
        // Someone else changed the city; this user changed the phone from the old record.
        let current = map(json!({"phone": "+15550001", "city": "Dallas"}));
        let base = map(json!({"phone": "+15550001"}));
        let merge = merge_fields(&current, false, &base, &map(json!({"phone": "+15550002"})));
        assert_eq!(merge.apply, map(json!({"phone": "+15550002"})));
        assert!(merge.conflicts.is_empty());
    }

    #[test]
    fn a_field_changed_on_both_sides_is_a_conflict_and_keeps_the_servers_value() {
        let current = map(json!({"phone": "+15550003", "notes": "x"}));
        let base = map(json!({"phone": "+15550001", "notes": "x"}));
        let merge = merge_fields(&current, false, &base, &map(json!({"phone": "+15550002", "notes": "y"})));
        assert_eq!(merge.apply, map(json!({"notes": "y"})));
        assert_eq!(
            merge.conflicts,
            vec![FieldConflict { field: "phone".into(), mine: json!("+15550002"), theirs: json!("+15550003") }]
        );
    }

    #[test]
    fn the_same_change_made_on_both_sides_is_no_conflict_and_nothing_to_write() {
        let current = map(json!({"stage": "negotiation"}));
        let merge =
            merge_fields(&current, false, &map(json!({"stage": "proposal"})), &map(json!({"stage": "negotiation"})));
        assert_eq!(merge, FieldMerge::default());
    }

    #[test]
    fn a_stale_op_without_base_values_conflicts_where_the_server_differs() {
        let current = map(json!({"city": "Dallas"}));
        let merge = merge_fields(&current, false, &Map::new(), &map(json!({"city": "Austin"})));
        assert_eq!(merge.conflicts.len(), 1);
        assert!(merge.apply.is_empty());
    }

    #[test]
    fn unknown_fields_pass_through_for_the_draft_to_refuse() {
        let merge = merge_fields(&Map::new(), false, &Map::new(), &map(json!({"citty": "Austin"})));
        assert_eq!(merge.apply, map(json!({"citty": "Austin"})));
    }

    #[test]
    fn numbers_and_blanks_compare_by_meaning() {
        assert!(same_value(&json!(5), &json!(5.0)));
        assert!(same_value(&Value::Null, &json!("  ")));
        assert!(!same_value(&Value::Null, &json!("x")));
        let current = map(json!({"probability": 40, "notes": null}));
        let merge = merge_fields(&current, false, &Map::new(), &map(json!({"probability": 40.0, "notes": ""})));
        assert_eq!(merge, FieldMerge::default());
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let at = DateTime::from_timestamp_micros(1_733_300_000_123_456).unwrap();
        let cursor = SyncCursor {
            started: Some(at),
            organizations: Some(Mark { at, id: Uuid::from_u128(7) }),
            interactions: Some(Mark { at, id: Uuid::from_u128(9) }),
            ..SyncCursor::default()
        };
        let text = cursor.encode();
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || ".~".contains(c)), "URL-safe: {text}");
        assert_eq!(SyncCursor::decode(&text).unwrap(), cursor);
        assert_eq!(SyncCursor::decode("").unwrap(), SyncCursor::default());
        assert_eq!(SyncCursor::default().encode(), "");
        let started_only = SyncCursor::decode("1733300000123456~~~~").unwrap();
        assert_eq!(started_only, SyncCursor { started: Some(at), ..SyncCursor::default() });
        for garbage in ["x", "1~1.2~~~", "~~~~", "1~abc.00000000000000000000000000000007~~~", "1~~~~~"] {
            assert!(SyncCursor::decode(garbage).is_err(), "{garbage}");
        }
    }

    #[test]
    fn batches_are_checked_before_anything_applies() {
        let op = |n: u128| SyncOp {
            op_id: Uuid::from_u128(n),
            entity: SyncEntity::Contact,
            action: SyncAction::Delete,
            entity_id: Uuid::from_u128(100 + n),
            base_version: Some(1),
            changes: Map::new(),
            base: Map::new(),
            client_time: Utc::now(),
        };
        assert!(SyncBatch { ops: vec![] }.check().is_err());
        assert!(SyncBatch { ops: vec![op(1), op(2)] }.check().is_ok());
        assert!(SyncBatch { ops: vec![op(1), op(1)] }.check().unwrap_err().contains("twice"));
        let many = (0..=MAX_BATCH_OPS as u128).map(op).collect();
        assert!(SyncBatch { ops: many }.check().unwrap_err().contains("at most"));
    }

    #[test]
    fn outcomes_read_as_the_api_documents_them() {
        let result = OpResult {
            op_id: Uuid::from_u128(1),
            outcome: OpOutcome::Conflict {
                version: 4,
                conflicts: vec![FieldConflict { field: "phone".into(), mine: json!("a"), theirs: json!("b") }],
            },
            replayed: false,
        };
        let value = serde_json::to_value(&result).unwrap();
        assert_eq!(value["status"], result.outcome.status());
        assert_eq!(value["conflicts"][0]["theirs"], "b");
        assert_eq!(serde_json::from_value::<OpResult>(value).unwrap(), result);
        assert!(!OpOutcome::Retry { reason: "busy".into() }.is_final());
        assert!(OpOutcome::Rejected { reason: "no".into(), fields: FieldErrors::new() }.is_final());
    }
}
