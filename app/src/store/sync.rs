//! The server side of offline sync: applying the client's queued operations once each, by
//! the fixed rules of architecture.md (idempotent by `op_id`, version check, field-level
//! merge, conflicts and rejections returned), and the delta pull of what changed.
//!
//! An op is applied through the same [`Access`] methods as the online forms, so it is
//! validated, authorized, versioned, audited and invalidates the cache exactly like them.
//! Its `applied_ops` row is written after it: if the server stops in between, the op comes
//! again and applies as a no-op (a create finds its record, an update finds its fields
//! already as asked, a delete finds the record gone), so it is never applied twice.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::contacts::CONTACTS;
use super::interactions::INTERACTIONS;
use super::opportunities::OPPORTUNITIES;
use super::organizations::ORGANIZATIONS;
use super::table::Table;
use super::{Access, Sql, Store, StoreError, now};
use crate::model::opportunity::StagePosition;
use crate::model::patch::{fields_of, typed};
use crate::model::sync::{
    CHANGES_SETTLE_SECONDS, ChangeSet, Mark, OpOutcome, OpResult, PRIMED_INTERACTION_DAYS, SyncAction, SyncBatch,
    SyncCursor, SyncEntity, SyncOp, merge_fields,
};
use crate::policy;

/// How often an op is tried again when another write moved the record on meanwhile.
const STALE_ATTEMPTS: usize = 3;

#[derive(sqlx::FromRow)]
struct AppliedOp {
    user_id: Uuid,
    #[sqlx(json)]
    result: OpOutcome,
}

impl Store {
    async fn applied_op(&self, op_id: Uuid) -> Result<Option<AppliedOp>, StoreError> {
        let sql = Sql::new("sync.applied_op", "SELECT user_id, result FROM applied_ops WHERE op_id = $1").bind(op_id);
        self.db.fetch_optional(sql).await
    }

    async fn record_applied_op(&self, user_id: Uuid, op: &SyncOp, outcome: &OpOutcome) -> Result<(), StoreError> {
        let result = serde_json::to_value(outcome).map_err(|e| StoreError::Config(format!("cannot encode: {e}")))?;
        // Two deliveries of one op racing each other both apply as one; the first record stays.
        let sql = Sql::new(
            "sync.record_op",
            "INSERT INTO applied_ops (op_id, user_id, entity, entity_id, result, applied_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (op_id) DO NOTHING",
        )
        .bind(op.op_id)
        .bind(user_id)
        .bind(op.entity.code())
        .bind(op.entity_id)
        .bind(result)
        .bind(now());
        self.db.execute(sql).await?;
        Ok(())
    }
}

impl Access {
    /// Applies a batch in order. An op that must wait (the database was busy) stops the batch
    /// there: later ops may build on it, a contact created and then edited.
    pub async fn apply_sync(&self, batch: &SyncBatch) -> Vec<OpResult> {
        let mut results = Vec::with_capacity(batch.ops.len());
        let mut waiting = false;
        for op in &batch.ops {
            let result = if waiting {
                let reason = "Waits for an earlier change of this batch, which will be sent again first.";
                OpResult { op_id: op.op_id, outcome: OpOutcome::Retry { reason: reason.into() }, replayed: false }
            } else {
                self.apply_op(op).await
            };
            waiting = !result.outcome.is_final();
            results.push(result);
        }
        results
    }

    async fn apply_op(&self, op: &SyncOp) -> OpResult {
        let result = |outcome, replayed| OpResult { op_id: op.op_id, outcome, replayed };
        match self.store.applied_op(op.op_id).await {
            Ok(Some(done)) if done.user_id == self.user.id => return result(done.result, true),
            Ok(Some(_)) => {
                let reason = "This op_id belongs to another user's change; queue the change under a new op_id.";
                return result(OpOutcome::Rejected { reason: reason.into(), fields: Default::default() }, false);
            }
            Ok(None) => {}
            Err(e) => return result(retry(&e), false),
        }
        let mut attempts = 0;
        let outcome = loop {
            attempts += 1;
            let outcome = self.perform(op).await.unwrap_or_else(|e| outcome_of_error(op, e));
            if outcome.is_final() || attempts == STALE_ATTEMPTS {
                break outcome;
            }
        };
        if outcome.is_final()
            && let Err(e) = self.store.record_applied_op(self.user.id, op, &outcome).await
        {
            return result(retry(&e), false);
        }
        result(outcome, false)
    }

    async fn perform(&self, op: &SyncOp) -> Result<OpOutcome, StoreError> {
        use SyncAction::{Create, Delete, Move, Update};
        use SyncEntity::{Contact, Interaction, Opportunity, Organization};
        let id = op.entity_id;
        match (op.entity, op.action) {
            (Organization, Create) => {
                let made = self.create_organization(Some(id), draft_of(&op.changes)?).await.map(|r| r.version);
                created(made, async { Ok(self.organization(id).await?.version) }).await
            }
            (Contact, Create) => {
                let made = self.create_contact(Some(id), draft_of(&op.changes)?).await.map(|r| r.version);
                created(made, async { Ok(self.contact(id).await?.version) }).await
            }
            (Interaction, Create) => {
                let mut changes = op.changes.clone();
                let completes = match changes.remove("completes") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(typed::<Uuid>(v).map_err(|_| {
                        StoreError::field(
                            "completes",
                            "Name the interaction whose follow-up this one completes by its id.",
                        )
                    })?),
                };
                // A visit logged offline happened when it was logged, not when it reached us
                // (a phone clock ahead of ours counts as now).
                if changes.get("occurred_at").is_none_or(Value::is_null) {
                    let at = op.client_time.min(now());
                    changes.insert("occurred_at".into(), serde_json::to_value(at).unwrap_or(Value::Null));
                }
                let made = self.create_interaction(Some(id), draft_of(&changes)?, completes).await.map(|r| r.version);
                created(made, async { Ok(self.interaction(id).await?.version) }).await
            }
            (Opportunity, Create) => {
                let made = self.create_opportunity(Some(id), draft_of(&op.changes)?).await.map(|r| r.version);
                created(made, async { Ok(self.opportunity(id).await?.opportunity.version) }).await
            }
            (Organization, Update) => {
                let current = self.organization_to_edit(id).await?;
                let version = current.version;
                merged_update(&current.to_draft(), version, op, async |draft| {
                    Ok(self.update_organization(id, version, draft).await?.version)
                })
                .await
            }
            (Contact, Update) => {
                let current = self.contact_to_edit(id).await?;
                let version = current.version;
                merged_update(&current.to_draft(), version, op, async |draft| {
                    Ok(self.update_contact(id, version, draft).await?.version)
                })
                .await
            }
            (Interaction, Update) => {
                let current = self.interaction_to_edit(id).await?;
                let version = current.version;
                merged_update(&current.to_draft(), version, op, async |draft| {
                    Ok(self.update_interaction(id, version, draft).await?.version)
                })
                .await
            }
            (Opportunity, Update) => {
                let current = self.opportunity_to_edit(id).await?;
                let version = current.version;
                merged_update(&current.to_draft(), version, op, async |draft| {
                    Ok(self.update_opportunity(id, version, draft).await?.version)
                })
                .await
            }
            (Opportunity, Move) => {
                let current = self.opportunity_to_edit(id).await?;
                let (version, position) =
                    (current.version, StagePosition { stage: current.stage, close_reason: current.close_reason });
                merged_update(&position, version, op, async |to: StagePosition| {
                    Ok(self.move_opportunity(id, version, to.stage, to.close_reason).await?.version)
                })
                .await
            }
            (_, Move) => Err(StoreError::field("action", "Only deals move between stages.")),
            (entity, Delete) => {
                let gone = match entity {
                    Organization => self.delete_organization(id, None).await.map(|_| ()),
                    Contact => self.delete_contact(id, None).await.map(|_| ()),
                    Interaction => self.delete_interaction(id, None).await.map(|_| ()),
                    Opportunity => self.delete_opportunity(id, None).await.map(|_| ()),
                };
                gone?;
                Ok(OpOutcome::Applied { version: None })
            }
        }
    }

    /// One page of the records the user may need offline that changed after `cursor`:
    /// a rep's own accounts with their contacts, deals and recent interactions; everything
    /// for managers and administrators. Records deleted and deals closed before the copy
    /// began are left out; later, they come as changes so the copy can drop them. At most
    /// `limit` rows of each kind (`CHANGES_PAGE_ROWS` for the API).
    pub async fn changes_since(&self, cursor: &SyncCursor, limit: i64) -> Result<ChangeSet, StoreError> {
        let read_at = now();
        let until = read_at - Duration::seconds(CHANGES_SETTLE_SECONDS);
        let started = cursor.started.unwrap_or(until);
        let pull = Pull {
            until,
            started,
            rep: policy::organization_scope(&self.user),
            since: read_at - Duration::days(PRIMED_INTERACTION_DAYS),
            limit,
            postgres: self.store.db.kind() == super::BackendKind::Postgres,
        };
        let db = &self.store.db;
        let organizations: Vec<crate::model::Organization> =
            db.fetch_all(pull.sql(SyncEntity::Organization, cursor.organizations)).await?;
        let contacts: Vec<crate::model::Contact> = db.fetch_all(pull.sql(SyncEntity::Contact, cursor.contacts)).await?;
        let interactions: Vec<crate::model::Interaction> =
            db.fetch_all(pull.sql(SyncEntity::Interaction, cursor.interactions)).await?;
        let opportunities: Vec<crate::model::Opportunity> =
            db.fetch_all(pull.sql(SyncEntity::Opportunity, cursor.opportunities)).await?;
        let full = |n: usize| n as i64 >= limit;
        let more =
            full(organizations.len()) || full(contacts.len()) || full(interactions.len()) || full(opportunities.len());
        let settling = !more && pull.held_back(db).await?;
        // A kind whose page was not full has been read up to `until`, so its mark moves
        // there: the next pull starts from this one's horizon. Left at the kind's last row,
        // which may be hours old (a quiet territory overnight), every later pull would look
        // far behind and read the rep's accounts one by one (50 ms on PostgreSQL at 100k).
        let last = |read: usize, last_row: Option<(DateTime<Utc>, Uuid)>| match last_row {
            Some((at, id)) if full(read) => Some(Mark { at, id }),
            _ => Some(Mark { at: until, id: Uuid::max() }),
        };
        let next = SyncCursor {
            started: Some(started),
            organizations: last(organizations.len(), organizations.last().map(|r| (r.updated_at, r.id))),
            contacts: last(contacts.len(), contacts.last().map(|r| (r.updated_at, r.id))),
            interactions: last(interactions.len(), interactions.last().map(|r| (r.updated_at, r.id))),
            opportunities: last(opportunities.len(), opportunities.last().map(|r| (r.updated_at, r.id))),
        };
        Ok(ChangeSet {
            organizations,
            contacts,
            interactions,
            opportunities,
            cursor: next.encode(),
            more,
            settling,
            server_time: read_at,
        })
    }
}

/// The statement name of a kind's page of changes, and its table.
fn changes_table(kind: SyncEntity) -> (&'static str, &'static Table) {
    match kind {
        SyncEntity::Organization => ("sync.changes.organizations", &ORGANIZATIONS),
        SyncEntity::Contact => ("sync.changes.contacts", &CONTACTS),
        SyncEntity::Interaction => ("sync.changes.interactions", &INTERACTIONS),
        SyncEntity::Opportunity => ("sync.changes.opportunities", &OPPORTUNITIES),
    }
}

/// A copy whose mark of a kind is older than this is far behind in it (see `Pull::sql`).
const FAR_BEHIND_HOURS: i64 = 2;

/// What one delta pull reads.
struct Pull {
    until: DateTime<Utc>,
    started: DateTime<Utc>,
    rep: Option<Uuid>,
    since: DateTime<Utc>,
    limit: i64,
    postgres: bool,
}

impl Pull {
    fn sql(&self, kind: SyncEntity, mark: Option<Mark>) -> Sql {
        let (name, table) = changes_table(kind);
        // A copy far behind (a first copy, a phone back after days) reads a rep's rows
        // account by account. Walking all rows in update order from the mark instead, as the
        // planners choose, read ~200,000 interactions for a page of 500 at 100k accounts
        // (PostgreSQL: 0.6–1 s a page; SQLite: a first copy of 51 s). A copy nearly up to
        // date walks only the few rows changed since, faster than 5,000 accounts' lookups
        // (PostgreSQL: 18 against 48 ms; SQLite: 0.01 against 16 ms).
        let far_behind = mark.as_ref().is_none_or(|m| m.at < self.until - Duration::hours(FAR_BEHIND_HOURS));
        let by_account = self.rep.filter(|_| self.postgres && kind == SyncEntity::Interaction && far_behind);
        let mut sql = match by_account {
            Some(_) => Sql::new(
                name,
                format!(
                    "SELECT page.* FROM organizations o CROSS JOIN LATERAL (SELECT {} FROM {} \
                     WHERE organization_id = o.id AND updated_at <= ",
                    table.columns, table.table
                ),
            ),
            None => Sql::new(
                name,
                format!(
                    "SELECT {} FROM {}{} WHERE updated_at <= ",
                    table.columns,
                    table.table,
                    self.sqlite_index(kind, far_behind)
                ),
            ),
        };
        sql.push_bind(self.until);
        if let Some(mark) = mark {
            if self.postgres {
                sql.push(" AND (updated_at > ").push_bind(mark.at);
                sql.push(" OR (updated_at = ").push_bind(mark.at).push(" AND id > ").push_bind(mark.id).push("))");
            } else {
                // A row value is one range of `{table}_sync_idx` per account; the same
                // condition spelt with OR read every row of each account up to `until`.
                sql.push(" AND (updated_at, id) > (").push_bind(mark.at).push(", ").push_bind(mark.id).push(")");
            }
        }
        sql.push(" AND (deleted_at IS NULL OR updated_at > ").push_bind(self.started).push(")");
        if by_account.is_none() {
            self.push_scope(&mut sql, kind);
        }
        match kind {
            SyncEntity::Interaction => {
                sql.push(" AND (occurred_at >= ")
                    .push_bind(self.since)
                    .push(" OR (follow_up_at IS NOT NULL AND NOT follow_up_done))");
            }
            SyncEntity::Opportunity => {
                sql.push(" AND (stage NOT IN ('closed_won', 'closed_lost') OR updated_at > ")
                    .push_bind(self.started)
                    .push(")");
            }
            SyncEntity::Organization | SyncEntity::Contact => {}
        }
        if let Some(rep) = by_account {
            // OFFSET 0 keeps the planner from folding the subquery back into that walk.
            sql.push(" OFFSET 0) page WHERE o.assigned_user_id = ").push_bind(rep);
            sql.push(" ORDER BY page.updated_at, page.id LIMIT ").push_bind(self.limit);
        } else {
            sql.push(" ORDER BY updated_at, id LIMIT ").push_bind(self.limit);
        }
        sql.planned_each_time()
    }

    /// SQLite's choice of index for a rep's rows under their accounts, named: by account
    /// (migration 20261212000001) when far behind, else in update order. Its planner takes
    /// the per-account index for every pull once it exists, which costs a pull nearly up to
    /// date 16 ms instead of 0.01.
    fn sqlite_index(&self, kind: SyncEntity, far_behind: bool) -> String {
        if self.postgres || self.rep.is_none() || kind == SyncEntity::Organization {
            return String::new();
        }
        let (_, table) = changes_table(kind);
        format!(" INDEXED BY {}_{}_idx", table.table, if far_behind { "sync" } else { "updated" })
    }

    /// Only the rows the user's copy holds: a rep's own accounts and what hangs on them.
    fn push_scope(&self, sql: &mut Sql, kind: SyncEntity) {
        match (kind, self.rep) {
            (_, None) => {}
            (SyncEntity::Organization, Some(rep)) => {
                sql.push(" AND assigned_user_id = ").push_bind(rep);
            }
            (_, Some(rep)) => {
                sql.push(" AND organization_id IN (SELECT id FROM organizations WHERE assigned_user_id = ")
                    .push_bind(rep)
                    .push(")");
            }
        }
    }

    /// Whether a row of the user's scope changed after `until` (held back to settle).
    async fn held_back(&self, db: &super::Db) -> Result<bool, StoreError> {
        for kind in [SyncEntity::Organization, SyncEntity::Contact, SyncEntity::Interaction, SyncEntity::Opportunity] {
            let (_, table) = changes_table(kind);
            let mut sql = Sql::new(
                "sync.changes.held_back",
                format!(
                    "SELECT CAST(1 AS BIGINT) FROM {}{} WHERE updated_at > ",
                    table.table,
                    self.sqlite_index(kind, false)
                ),
            );
            sql.push_bind(self.until);
            self.push_scope(&mut sql, kind);
            sql.push(" LIMIT 1");
            if db.fetch_optional::<(i64,)>(sql.planned_each_time()).await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// A draft from a create's fields.
fn draft_of<D: DeserializeOwned>(changes: &Map<String, Value>) -> Result<D, StoreError> {
    typed(Value::Object(changes.clone())).map_err(StoreError::Invalid)
}

/// Merges the op's fields into the record's `current` fields (at `version`) and writes the
/// result with `write`, unless there is nothing to write; reports the fields in conflict.
async fn merged_update<D: Serialize + DeserializeOwned>(
    current: &D,
    version: i64,
    op: &SyncOp,
    write: impl AsyncFnOnce(D) -> Result<i64, StoreError>,
) -> Result<OpOutcome, StoreError> {
    let merge = merge_fields(&fields_of(current), op.base_version == Some(version), &op.base, &op.changes);
    let version = if merge.apply.is_empty() {
        version
    } else {
        write(crate::model::patch::merged(current, merge.apply).map_err(StoreError::Invalid)?).await?
    };
    Ok(if merge.conflicts.is_empty() {
        OpOutcome::Applied { version: Some(version) }
    } else {
        OpOutcome::Conflict { version, conflicts: merge.conflicts }
    })
}

/// A create whose record already exists (sent before, its answer lost) is applied.
async fn created(
    made: Result<i64, StoreError>,
    existing: impl Future<Output = Result<i64, StoreError>>,
) -> Result<OpOutcome, StoreError> {
    match made {
        Ok(version) => Ok(OpOutcome::Applied { version: Some(version) }),
        Err(StoreError::Exists { .. }) => Ok(OpOutcome::Applied { version: Some(existing.await?) }),
        Err(e) => Err(e),
    }
}

fn outcome_of_error(op: &SyncOp, err: StoreError) -> OpOutcome {
    let rejected = |reason: String| OpOutcome::Rejected { reason, fields: Default::default() };
    match err {
        StoreError::Invalid(fields) => {
            let reason = fields.values().cloned().collect::<Vec<_>>().join(" ");
            OpOutcome::Rejected { reason, fields }
        }
        // The record is gone (or out of the user's sight): a delete has nothing left to do.
        StoreError::NotFound(_) if op.action == SyncAction::Delete => OpOutcome::Applied { version: None },
        StoreError::NotFound(what) => {
            rejected(format!("{what} was not found: it was deleted, or is no longer one of your accounts."))
        }
        StoreError::Forbidden(reason) => rejected(reason),
        StoreError::Stale { .. } => {
            OpOutcome::Retry { reason: "The record changed while this change was applied.".into() }
        }
        other => retry(&other),
    }
}

fn retry(err: &StoreError) -> OpOutcome {
    tracing::warn!(error = %err, "a sync operation waits for the database");
    OpOutcome::Retry { reason: "The server could not apply this change just now; it stays queued.".into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn op(action: SyncAction) -> SyncOp {
        SyncOp {
            op_id: Uuid::from_u128(1),
            entity: SyncEntity::Contact,
            action,
            entity_id: Uuid::from_u128(2),
            base_version: Some(1),
            changes: Map::new(),
            base: Map::new(),
            client_time: Utc::now(),
        }
    }

    #[test]
    fn errors_become_outcomes_the_client_can_act_on() {
        let invalid = StoreError::field("email", "Email: add the part after @.");
        let OpOutcome::Rejected { reason, fields } = outcome_of_error(&op(SyncAction::Update), invalid) else {
            panic!("a validation failure is a rejection")
        };
        assert_eq!(reason, "Email: add the part after @.");
        assert!(fields.contains_key("email"));
        assert_eq!(
            outcome_of_error(&op(SyncAction::Delete), StoreError::NotFound("Contact")),
            OpOutcome::Applied { version: None }
        );
        assert!(matches!(
            outcome_of_error(&op(SyncAction::Update), StoreError::NotFound("Contact")),
            OpOutcome::Rejected { .. }
        ));
        assert!(matches!(
            outcome_of_error(&op(SyncAction::Update), StoreError::Forbidden("no".into())),
            OpOutcome::Rejected { .. }
        ));
        let stale = StoreError::Stale { entity: "Contact", current: 3, expected: 2 };
        assert!(!outcome_of_error(&op(SyncAction::Update), stale).is_final());
        let down = StoreError::Database(sqlx::Error::PoolTimedOut);
        assert!(!outcome_of_error(&op(SyncAction::Update), down).is_final());
    }
}
