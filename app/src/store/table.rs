//! What every versioned, soft-deletable table shares: reading a live or any row, and
//! setting `deleted_at` with a version bump.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Actor, Db, Record, Sql, StoreError, Tx};

pub(super) struct Table {
    pub table: &'static str,
    /// The name the audit log files changes under.
    pub entity: &'static str,
    /// The name people read in "… was not found".
    pub what: &'static str,
    pub columns: &'static str,
}

impl Table {
    /// The columns named through a table alias (`i.id, i.organization_id, …`), for reads that
    /// join other tables.
    pub fn qualified(&self, alias: &str) -> String {
        self.columns.split(',').map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
    }

    fn select(&self, name: &'static str, id: Uuid, live_only: bool) -> Sql {
        let live = if live_only { " AND deleted_at IS NULL" } else { "" };
        Sql::new(name, format!("SELECT {} FROM {} WHERE id = $1{live}", self.columns, self.table)).bind(id)
    }

    /// A row that is not deleted.
    pub async fn live<T: Record>(&self, db: &Db, id: Uuid) -> Result<T, StoreError> {
        db.fetch_optional(self.select("record.get", id, true)).await?.ok_or(StoreError::NotFound(self.what))
    }

    /// A row whether deleted or not.
    pub async fn any<T: Record>(&self, db: &Db, id: Uuid) -> Result<T, StoreError> {
        db.fetch_optional(self.select("record.get_any", id, false)).await?.ok_or(StoreError::NotFound(self.what))
    }

    /// A live row, read in the transaction that will change it.
    pub async fn live_in<T: Record>(&self, tx: &mut Tx, id: Uuid) -> Result<T, StoreError> {
        tx.fetch_optional(self.select("record.get", id, true)).await?.ok_or(StoreError::NotFound(self.what))
    }

    pub async fn any_in<T: Record>(&self, tx: &mut Tx, id: Uuid) -> Result<T, StoreError> {
        tx.fetch_optional(self.select("record.get_any", id, false)).await?.ok_or(StoreError::NotFound(self.what))
    }

    /// Deletes (`Some`) or restores (`None`) a row, bumping its version.
    pub async fn set_deleted_at<T: Record>(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: Uuid,
        deleted_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<T, StoreError> {
        let sql = Sql::new(
            "record.set_deleted_at",
            format!(
                "UPDATE {} SET deleted_at = $2, updated_at = $3, updated_by = $4, version = version + 1 \
                 WHERE id = $1 RETURNING {}",
                self.table, self.columns
            ),
        )
        .bind(id)
        .bind(deleted_at)
        .bind(at)
        .bind(actor.user_id);
        tx.fetch_optional(sql).await?.ok_or(StoreError::NotFound(self.what))
    }

    /// The error for a change made from `expected` when the row is at `current`.
    pub fn stale(&self, current: i64, expected: i64) -> StoreError {
        StoreError::Stale { entity: self.what, current, expected }
    }
}
