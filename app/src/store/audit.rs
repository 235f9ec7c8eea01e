//! Writing and reading the audit log.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Actor, Sql, Store, StoreError, Tx};
use crate::model::{AuditAction, AuditEntry};

/// Records a change in the transaction that makes it.
pub(super) async fn record(
    tx: &mut Tx,
    actor: &Actor,
    entity: &'static str,
    entity_id: Uuid,
    action: AuditAction,
    changes: Map<String, Value>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = Sql::new(
        "audit.insert",
        "INSERT INTO audit_log (id, entity, entity_id, action, changes, user_id, at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(Uuid::now_v7())
    .bind(entity)
    .bind(entity_id)
    .bind(action.code())
    .bind(Value::Object(changes))
    .bind(actor.user_id)
    .bind(at)
    .bind(&actor.ip)
    .bind(&actor.user_agent);
    tx.execute(sql).await?;
    Ok(())
}

/// A change of one field, `{field: {"old": .., "new": ..}}`.
pub(super) fn one_change(field: &str, old: impl Serialize, new: impl Serialize) -> Map<String, Value> {
    let mut pair = Map::new();
    pair.insert("old".into(), serde_json::to_value(old).unwrap_or(Value::Null));
    pair.insert("new".into(), serde_json::to_value(new).unwrap_or(Value::Null));
    let mut changes = Map::new();
    changes.insert(field.to_owned(), Value::Object(pair));
    changes
}

impl Store {
    /// A record's history, newest first.
    pub async fn history(&self, entity: &str, entity_id: Uuid) -> Result<Vec<AuditEntry>, StoreError> {
        let sql = Sql::new(
            "audit.history",
            "SELECT a.id, a.entity, a.entity_id, a.action, a.changes, a.user_id, u.full_name AS user_name, \
                    a.at, a.ip, a.user_agent \
             FROM audit_log a LEFT JOIN users u ON u.id = a.user_id \
             WHERE a.entity = $1 AND a.entity_id = $2 \
             ORDER BY a.at DESC, a.id DESC",
        )
        .bind(entity)
        .bind(entity_id);
        self.db.fetch_all(sql).await
    }
}
