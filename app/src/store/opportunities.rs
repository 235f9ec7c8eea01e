//! Opportunities: create, update and move between stages (each stage change recorded,
//! closing with its reason and date), soft delete, the board and its per-stage totals.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::audit::{self, one_change};
use super::contacts::{check_contact_of, check_organization};
use super::table::Table;
use super::{Actor, Sql, Store, StoreError, Tx, now};
use crate::model::audit::field_changes;
use crate::model::opportunity::probability_after_move;
use crate::model::{
    AuditAction, CloseReason, Opportunity, OpportunityDraft, OpportunityItem, Stage, StageChange, StageTotal,
};

pub(super) const OPPORTUNITIES: Table = Table {
    table: "opportunities",
    entity: "opportunity",
    what: "Opportunity",
    columns: "id, organization_id, primary_contact_id, owner_id, name, stage, stage_entered_at, probability, \
              estimated_value_cents, expected_close_date, actual_close_date, close_reason, principal, notes, \
              created_at, updated_at, created_by, updated_by, deleted_at, version",
};
const T: &Table = &OPPORTUNITIES;

/// A deal with the names lists show, its account's assignee and last interaction, from its
/// live account.
fn item_select() -> String {
    format!(
        "SELECT {}, o.name AS organization_name, o.assigned_user_id, u.full_name AS owner_name, \
         c.first_name AS contact_first_name, c.last_name AS contact_last_name, o.last_interaction_at \
         FROM opportunities p \
         JOIN organizations o ON o.id = p.organization_id AND o.deleted_at IS NULL \
         LEFT JOIN users u ON u.id = p.owner_id \
         LEFT JOIN contacts c ON c.id = p.primary_contact_id AND c.deleted_at IS NULL",
        T.qualified("p")
    )
}

/// How many deals the board shows at most (the totals count them all).
pub const BOARD_LIMIT: i64 = 500;

/// What the board shows: whose deals, and since when closed ones stay on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoardQuery {
    /// Only deals of organizations assigned to this user (a rep's scope).
    pub visible_to: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub closed_since: NaiveDate,
}

impl BoardQuery {
    fn push_filters(&self, sql: &mut Sql) {
        sql.push(
            " WHERE p.deleted_at IS NULL AND (p.stage NOT IN ('closed_won', 'closed_lost') OR p.actual_close_date >= ",
        )
        .push_bind(self.closed_since)
        .push(")");
        if let Some(user) = self.visible_to {
            sql.push(" AND o.assigned_user_id = ").push_bind(user);
        }
        if let Some(owner) = self.owner_id {
            sql.push(" AND p.owner_id = ").push_bind(owner);
        }
    }
}

impl Store {
    pub async fn opportunity(&self, id: Uuid) -> Result<Opportunity, StoreError> {
        T.live(&self.db, id).await
    }

    /// Creates a deal owned by the draft's owner, or by `creator`.
    pub async fn create_opportunity(
        &self,
        actor: &Actor,
        creator: Uuid,
        id: Option<Uuid>,
        draft: OpportunityDraft,
    ) -> Result<Opportunity, StoreError> {
        let mut draft = draft.validate()?;
        draft.owner_id = Some(draft.owner_id.unwrap_or(creator));
        self.check_assignable("owner_id", draft.owner_id).await?;
        let id = id.unwrap_or_else(Uuid::now_v7);
        let at = now();
        let mut tx = self.db.begin().await?;
        check_organization(&mut tx, draft.organization_id).await?;
        check_contact_of(&mut tx, draft.primary_contact_id, draft.organization_id, "primary_contact_id").await?;
        let closed_on = draft.stage.is_closed().then(|| at.date_naive());
        let sql = Sql::new(
            "opportunities.insert",
            format!(
                "INSERT INTO opportunities (id, organization_id, primary_contact_id, owner_id, name, stage, probability, \
                 estimated_value_cents, expected_close_date, close_reason, principal, notes, stage_entered_at, \
                 actual_close_date, created_at, updated_at, created_by, updated_by, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $13, $15, $15, 1) \
                 RETURNING {}",
                T.columns
            ),
        )
        .bind(id);
        let sql = bind_draft(sql, &draft).bind(at).bind(closed_on).bind(actor.user_id);
        let opportunity: Opportunity = match tx.fetch_optional(sql).await {
            Ok(Some(o)) => o,
            Ok(None) => return Err(StoreError::Database(sqlx::Error::RowNotFound)),
            Err(e) if e.is_unique_violation() => return Err(StoreError::Exists { entity: T.what, id }),
            Err(e) => return Err(e),
        };
        record_stage_change(&mut tx, actor, id, None, draft.stage, at).await?;
        audit::record(&mut tx, actor, T.entity, id, AuditAction::Create, field_changes(None, Some(&draft)), at).await?;
        tx.commit().await?;
        self.under_organizations_changed(&[opportunity.organization_id]).await;
        Ok(opportunity)
    }

    /// Updates a deal. A new stage is recorded, takes its default probability unless the
    /// user set another, and a closing sets the close date (a reopening clears it).
    pub async fn update_opportunity(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        draft: OpportunityDraft,
    ) -> Result<Opportunity, StoreError> {
        let mut draft = draft.validate()?;
        let mut tx = self.db.begin().await?;
        let current: Opportunity = T.live_in(&mut tx, id).await?;
        if current.version != expected_version {
            return Err(T.stale(current.version, expected_version));
        }
        draft.owner_id = Some(draft.owner_id.unwrap_or(current.owner_id));
        draft.probability =
            Some(probability_after_move(current.stage, current.probability, draft.stage, draft.probability));
        let changes = field_changes(Some(&current.to_draft()), Some(&draft));
        if changes.is_empty() {
            return Ok(current);
        }
        if draft.owner_id != Some(current.owner_id) {
            self.check_assignable("owner_id", draft.owner_id).await?;
        }
        if draft.organization_id != current.organization_id {
            check_organization(&mut tx, draft.organization_id).await?;
        }
        check_contact_of(&mut tx, draft.primary_contact_id, draft.organization_id, "primary_contact_id").await?;
        let at = now();
        let moved = draft.stage != current.stage;
        let stage_entered_at = if moved { at } else { current.stage_entered_at };
        let closed_on = match (current.stage.is_closed(), draft.stage.is_closed()) {
            (_, false) => None,
            (true, true) => current.actual_close_date,
            (false, true) => Some(at.date_naive()),
        };
        let sql = Sql::new(
            "opportunities.update",
            format!(
                "UPDATE opportunities SET organization_id = $2, primary_contact_id = $3, owner_id = $4, name = $5, \
                 stage = $6, probability = $7, estimated_value_cents = $8, expected_close_date = $9, close_reason = $10, \
                 principal = $11, notes = $12, stage_entered_at = $13, actual_close_date = $14, updated_at = $15, \
                 updated_by = $16, version = version + 1 \
                 WHERE id = $1 AND version = $17 AND deleted_at IS NULL RETURNING {}",
                T.columns
            ),
        )
        .bind(id);
        let sql = bind_draft(sql, &draft)
            .bind(stage_entered_at)
            .bind(closed_on)
            .bind(at)
            .bind(actor.user_id)
            .bind(expected_version);
        let opportunity: Opportunity =
            tx.fetch_optional(sql).await?.ok_or_else(|| T.stale(current.version + 1, expected_version))?;
        if moved {
            record_stage_change(&mut tx, actor, id, Some(current.stage), draft.stage, at).await?;
        }
        audit::record(&mut tx, actor, T.entity, id, AuditAction::Update, changes, at).await?;
        tx.commit().await?;
        self.under_organizations_changed(&[current.organization_id, opportunity.organization_id]).await;
        Ok(opportunity)
    }

    /// Moves a deal to `stage` (the board's move): the stage's default probability, and
    /// `reason` when closing.
    pub async fn move_opportunity(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        stage: Stage,
        reason: Option<CloseReason>,
    ) -> Result<Opportunity, StoreError> {
        let current = self.opportunity(id).await?;
        let draft = OpportunityDraft { stage, close_reason: reason, ..current.to_draft() };
        self.update_opportunity(actor, id, expected_version, draft).await
    }

    pub async fn delete_opportunity(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<Opportunity, StoreError> {
        let mut tx = self.db.begin().await?;
        let current: Opportunity = T.live_in(&mut tx, id).await?;
        if let Some(expected) = expected_version.filter(|v| *v != current.version) {
            return Err(T.stale(current.version, expected));
        }
        let at = now();
        let opportunity: Opportunity = T.set_deleted_at(&mut tx, actor, id, Some(at), at).await?;
        audit::record(&mut tx, actor, T.entity, id, AuditAction::Delete, one_change("deleted_at", None::<()>, at), at)
            .await?;
        tx.commit().await?;
        self.under_organizations_changed(&[opportunity.organization_id]).await;
        Ok(opportunity)
    }

    /// The board's deals: open ones and those closed since the query's date, soonest
    /// expected close first, then the most valuable.
    pub async fn opportunity_board(&self, query: &BoardQuery) -> Result<Vec<OpportunityItem>, StoreError> {
        let mut sql = Sql::new("opportunities.board", item_select());
        query.push_filters(&mut sql);
        sql.push(
            " ORDER BY p.expected_close_date ASC NULLS LAST, p.estimated_value_cents DESC NULLS LAST, p.id ASC LIMIT ",
        )
        .push_bind(BOARD_LIMIT);
        self.db.fetch_all(sql).await
    }

    /// Deals, value and probability-weighted value per stage, for the board's query. Every
    /// stage is listed, empty ones with zeros.
    pub async fn pipeline_totals(&self, query: &BoardQuery) -> Result<Vec<StageTotal>, StoreError> {
        let mut sql = Sql::new(
            "opportunities.totals",
            "SELECT p.stage, COUNT(*) AS deals, \
             CAST(COALESCE(SUM(p.estimated_value_cents), 0) AS BIGINT) AS value_cents, \
             CAST(COALESCE(SUM(COALESCE(p.estimated_value_cents, 0) * p.probability), 0) AS BIGINT) / 100 \
                 AS weighted_cents FROM opportunities p",
        );
        // The account only for a scope: a live deal's account is live (deleting an account
        // deletes its deals), and the team's totals read 50k accounts' rows for nothing
        // (SQLite 195 → 62 ms at 100k accounts).
        if query.visible_to.is_some() {
            sql.push(" JOIN organizations o ON o.id = p.organization_id AND o.deleted_at IS NULL");
        }
        query.push_filters(&mut sql);
        sql.push(" GROUP BY p.stage");
        let found: Vec<StageTotal> = self.db.fetch_all(sql).await?;
        Ok(Stage::ALL
            .iter()
            .map(|stage| {
                found.iter().find(|t| t.stage == *stage).copied().unwrap_or(StageTotal {
                    stage: *stage,
                    deals: 0,
                    value_cents: 0,
                    weighted_cents: 0,
                })
            })
            .collect())
    }

    /// An organization's deals, open ones first.
    pub async fn organization_opportunities(&self, organization_id: Uuid) -> Result<Vec<OpportunityItem>, StoreError> {
        let sql = Sql::new(
            "opportunities.of_organization_list",
            format!(
                "{} WHERE p.deleted_at IS NULL AND p.organization_id = $1 \
                 ORDER BY CASE WHEN p.stage IN ('closed_won', 'closed_lost') THEN 1 ELSE 0 END, \
                 p.expected_close_date ASC NULLS LAST, p.id ASC LIMIT 100",
                item_select()
            ),
        )
        .bind(organization_id);
        self.db.fetch_all(sql).await
    }

    pub async fn opportunity_item(&self, id: Uuid) -> Result<OpportunityItem, StoreError> {
        let sql = Sql::new("opportunities.item", format!("{} WHERE p.id = $1 AND p.deleted_at IS NULL", item_select()))
            .bind(id);
        self.db.fetch_optional(sql).await?.ok_or(StoreError::NotFound(T.what))
    }

    /// A deal's way through the pipeline, newest first.
    pub async fn stage_changes(&self, id: Uuid) -> Result<Vec<StageChange>, StoreError> {
        let sql = Sql::new(
            "opportunities.stage_changes",
            "SELECT s.from_stage, s.to_stage, u.full_name AS changed_by_name, s.changed_at \
             FROM opportunity_stage_changes s LEFT JOIN users u ON u.id = s.changed_by \
             WHERE s.opportunity_id = $1 ORDER BY s.changed_at DESC, s.id DESC",
        )
        .bind(id);
        self.db.fetch_all(sql).await
    }
}

/// Binds the draft's fields as `$2 … $12` (after the id). The owner is set by then.
fn bind_draft(sql: Sql, draft: &OpportunityDraft) -> Sql {
    sql.bind(draft.organization_id)
        .bind(draft.primary_contact_id)
        .bind(draft.owner_id)
        .bind(&draft.name)
        .bind(draft.stage.code())
        .bind(draft.probability)
        .bind(draft.estimated_value_cents)
        .bind(draft.expected_close_date)
        .bind(draft.close_reason.map(|r| r.code()))
        .bind(&draft.principal)
        .bind(&draft.notes)
}

async fn record_stage_change(
    tx: &mut Tx,
    actor: &Actor,
    id: Uuid,
    from: Option<Stage>,
    to: Stage,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = Sql::new(
        "opportunity_stage_changes.insert",
        "INSERT INTO opportunity_stage_changes (id, opportunity_id, from_stage, to_stage, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Uuid::now_v7())
    .bind(id)
    .bind(from.map(|s| s.code()))
    .bind(to.code())
    .bind(actor.user_id)
    .bind(at);
    tx.execute(sql).await?;
    Ok(())
}
