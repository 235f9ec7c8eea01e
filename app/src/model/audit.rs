//! The history of a record: who changed which field from what to what.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::enums::AuditAction;

/// One change to one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: Uuid,
    pub entity: String,
    pub entity_id: Uuid,
    pub action: AuditAction,
    /// `{"field": {"old": .., "new": ..}}` for every field the change touched.
    #[cfg_attr(feature = "ssr", sqlx(json))]
    pub changes: Map<String, Value>,
    pub user_id: Option<Uuid>,
    pub user_name: Option<String>,
    pub at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The fields that differ between two versions of a record, as `{"old", "new"}` pairs.
/// Both sides are serialized the same way, so this works for any record type.
pub fn field_changes<T: Serialize>(old: Option<&T>, new: Option<&T>) -> Map<String, Value> {
    let as_map = |v: Option<&T>| match v.map(serde_json::to_value) {
        Some(Ok(Value::Object(map))) => map,
        _ => Map::new(),
    };
    let (old, new) = (as_map(old), as_map(new));
    let mut changes = Map::new();
    for key in old.keys().chain(new.keys()) {
        let (before, after) = (old.get(key).unwrap_or(&Value::Null), new.get(key).unwrap_or(&Value::Null));
        if before != after && !changes.contains_key(key) {
            let mut pair = Map::new();
            pair.insert("old".into(), before.clone());
            pair.insert("new".into(), after.clone());
            changes.insert(key.clone(), Value::Object(pair));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize)]
    struct Rec {
        name: &'static str,
        city: Option<&'static str>,
        tags: Vec<&'static str>,
    }

    #[test]
    fn only_changed_fields_are_listed() {
        let old = Rec { name: "Joe's", city: None, tags: vec!["a"] };
        let new = Rec { name: "Joe's", city: Some("Austin"), tags: vec!["a", "b"] };
        let changes = field_changes(Some(&old), Some(&new));
        assert_eq!(
            Value::Object(changes),
            json!({"city": {"old": null, "new": "Austin"}, "tags": {"old": ["a"], "new": ["a", "b"]}})
        );
    }

    #[test]
    fn a_create_lists_every_set_field() {
        let new = Rec { name: "Joe's", city: None, tags: vec![] };
        let changes = field_changes(None, Some(&new));
        assert_eq!(
            Value::Object(changes),
            json!({"name": {"old": null, "new": "Joe's"}, "tags": {"old": null, "new": []}})
        );
    }
}
