//! Interactions: logging a visit (optionally completing an earlier follow-up), editing it,
//! soft delete, the lists, and what the Today page reads. Every write keeps its
//! organization's `last_interaction_at` / `next_follow_up_at` in step, in the same
//! transaction.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::audit::{self, one_change};
use super::contacts::{check_contact_of, check_organization};
use super::table::Table;
use super::{Actor, BackendKind, Change, Sql, Store, StoreError, Tx, now};
use crate::model::audit::field_changes;
use crate::model::{
    AccountToVisit, AuditAction, FollowUp, Interaction, InteractionDraft, InteractionItem, InteractionQuery, Page,
};

pub(super) const INTERACTIONS: Table = Table {
    table: "interactions",
    entity: "interaction",
    what: "Interaction",
    columns: "id, organization_id, contact_id, user_id, opportunity_id, kind, occurred_at, duration_minutes, subject, \
              notes, outcome, follow_up_at, follow_up_notes, follow_up_done, latitude, longitude, created_at, \
              updated_at, created_by, updated_by, deleted_at, version",
};
const T: &Table = &INTERACTIONS;

/// An interaction with the names lists show, from its live organization.
fn item_select_from(interactions: &str) -> String {
    format!(
        "SELECT {}, o.name AS organization_name, c.first_name AS contact_first_name, \
         c.last_name AS contact_last_name, u.full_name AS author_name \
         FROM {interactions} \
         JOIN organizations o ON o.id = i.organization_id AND o.deleted_at IS NULL \
         LEFT JOIN contacts c ON c.id = i.contact_id \
         LEFT JOIN users u ON u.id = i.user_id",
        T.qualified("i")
    )
}

/// The `WHERE` of an interactions query (named for the statement timings).
fn interaction_filters(query: &InteractionQuery) -> Sql {
    let mut filters = Sql::new("interactions.list", " WHERE i.deleted_at IS NULL");
    if let Some(org) = query.organization_id {
        filters.push(" AND i.organization_id = ").push_bind(org);
    }
    if let Some(user) = query.user_id {
        filters.push(" AND i.user_id = ").push_bind(user);
    }
    if let Some(kind) = query.kind {
        filters.push(" AND i.kind = ").push_bind(kind.code());
    }
    if let Some(outcome) = query.outcome {
        filters.push(" AND i.outcome = ").push_bind(outcome.code());
    }
    if query.open_follow_ups {
        filters.push(" AND i.follow_up_at IS NOT NULL AND NOT i.follow_up_done");
    }
    if let Some(user) = query.visible_to {
        filters.push(" AND o.assigned_user_id = ").push_bind(user);
    }
    filters
}

/// The rows of one page of `query`, in its order, from its filters.
fn page_of(filters: Sql, query: &InteractionQuery, backend: BackendKind) -> Sql {
    let dir = query.direction.code();
    // One author's interactions (a rep's recent ones on Today) come from the author's index
    // in date order, which stops after a page. Once ANALYZE had run on 1M interactions,
    // SQLite chose to read all of the rep's 5,000 accounts' interactions and sort them
    // instead: 0.4 → 110 ms a page, Today 4 req/s (make bench-load).
    let from = if query.user_id.is_some() && query.organization_id.is_none() {
        backend.indexed_by("interactions i", "interactions_user_idx")
    } else {
        "interactions i".to_owned()
    };
    let mut rows = Sql { text: format!("{}{}", item_select_from(&from), filters.text), ..filters };
    rows.push(&format!(" ORDER BY i.occurred_at {dir}, i.id {dir} LIMIT "))
        .push_bind(query.per_page as i64)
        .push(" OFFSET ")
        .push_bind(query.offset());
    rows
}

pub use crate::model::interaction::TODAY_LIMIT;

impl Store {
    pub async fn interaction(&self, id: Uuid) -> Result<Interaction, StoreError> {
        T.live(&self.db, id).await
    }

    /// Logs an interaction by `author`. With `completes`, the follow-up of that earlier
    /// interaction (of the same organization) is marked done in the same transaction.
    pub async fn create_interaction(
        &self,
        actor: &Actor,
        author: Uuid,
        id: Option<Uuid>,
        draft: InteractionDraft,
        completes: Option<Uuid>,
    ) -> Result<Interaction, StoreError> {
        let at = now();
        let draft = draft.validate(at)?;
        let id = id.unwrap_or_else(Uuid::now_v7);
        let mut tx = self.db.begin().await?;
        check_organization(&mut tx, draft.organization_id).await?;
        check_links(&mut tx, &draft).await?;
        let sql = Sql::new(
            "interactions.insert",
            format!(
                "INSERT INTO interactions (id, organization_id, contact_id, opportunity_id, kind, occurred_at, \
                 duration_minutes, subject, notes, outcome, follow_up_at, follow_up_notes, follow_up_done, latitude, \
                 longitude, user_id, created_at, updated_at, created_by, updated_by, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $18, 1) \
                 RETURNING {}",
                T.columns
            ),
        )
        .bind(id);
        let sql = bind_draft(sql, &draft).bind(author).bind(at).bind(actor.user_id);
        let interaction: Interaction = match tx.fetch_optional(sql).await {
            Ok(Some(interaction)) => interaction,
            Ok(None) => return Err(StoreError::Database(sqlx::Error::RowNotFound)),
            Err(e) if e.is_unique_violation() => return Err(StoreError::Exists { entity: T.what, id }),
            Err(e) => return Err(e),
        };
        audit::record(&mut tx, actor, T.entity, id, AuditAction::Create, field_changes(None, Some(&draft)), at).await?;
        if let Some(earlier) = completes {
            complete_follow_up(&mut tx, actor, earlier, draft.organization_id, at).await?;
        }
        let assignee = keep_organization_in_step(&mut tx, draft.organization_id).await?;
        tx.commit().await?;
        self.changed(Change::organizations(&[assignee], &[draft.organization_id])).await;
        Ok(interaction)
    }

    pub async fn update_interaction(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        draft: InteractionDraft,
    ) -> Result<Interaction, StoreError> {
        let at = now();
        let draft = draft.validate(at)?;
        let mut tx = self.db.begin().await?;
        let current: Interaction = T.live_in(&mut tx, id).await?;
        if current.version != expected_version {
            return Err(T.stale(current.version, expected_version));
        }
        let changes = field_changes(Some(&current.to_draft()), Some(&draft));
        if changes.is_empty() {
            return Ok(current);
        }
        if draft.organization_id != current.organization_id {
            check_organization(&mut tx, draft.organization_id).await?;
        }
        check_links(&mut tx, &draft).await?;
        let sql = Sql::new(
            "interactions.update",
            format!(
                "UPDATE interactions SET organization_id = $2, contact_id = $3, opportunity_id = $4, kind = $5, \
                 occurred_at = $6, duration_minutes = $7, subject = $8, notes = $9, outcome = $10, follow_up_at = $11, \
                 follow_up_notes = $12, follow_up_done = $13, latitude = $14, longitude = $15, updated_at = $16, \
                 updated_by = $17, version = version + 1 \
                 WHERE id = $1 AND version = $18 AND deleted_at IS NULL RETURNING {}",
                T.columns
            ),
        )
        .bind(id);
        let sql = bind_draft(sql, &draft).bind(at).bind(actor.user_id).bind(expected_version);
        let interaction: Interaction =
            tx.fetch_optional(sql).await?.ok_or_else(|| T.stale(current.version + 1, expected_version))?;
        audit::record(&mut tx, actor, T.entity, id, AuditAction::Update, changes, at).await?;
        let mut assignees = vec![keep_organization_in_step(&mut tx, interaction.organization_id).await?];
        if current.organization_id != interaction.organization_id {
            assignees.push(keep_organization_in_step(&mut tx, current.organization_id).await?);
        }
        tx.commit().await?;
        self.changed(Change::organizations(&assignees, &[current.organization_id, interaction.organization_id])).await;
        Ok(interaction)
    }

    pub async fn delete_interaction(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<Interaction, StoreError> {
        let mut tx = self.db.begin().await?;
        let current: Interaction = T.live_in(&mut tx, id).await?;
        if let Some(expected) = expected_version.filter(|v| *v != current.version) {
            return Err(T.stale(current.version, expected));
        }
        let at = now();
        let interaction: Interaction = T.set_deleted_at(&mut tx, actor, id, Some(at), at).await?;
        audit::record(&mut tx, actor, T.entity, id, AuditAction::Delete, one_change("deleted_at", None::<()>, at), at)
            .await?;
        let assignee = keep_organization_in_step(&mut tx, interaction.organization_id).await?;
        tx.commit().await?;
        self.changed(Change::organizations(&[assignee], &[interaction.organization_id])).await;
        Ok(interaction)
    }

    /// Interactions newest first (or oldest first), filtered, a page at a time, with how many
    /// match in all.
    pub async fn list_interactions(&self, query: &InteractionQuery) -> Result<Page<InteractionItem>, StoreError> {
        let filters = interaction_filters(query);
        let count = Sql {
            name: "interactions.count",
            text: format!(
                "SELECT COUNT(*) FROM interactions i \
                 JOIN organizations o ON o.id = i.organization_id AND o.deleted_at IS NULL{}",
                filters.text
            ),
            ..filters.clone()
        };
        let (items, (total,)) = tokio::try_join!(
            self.db.fetch_all::<InteractionItem>(page_of(filters, query, self.db.kind())),
            self.db.fetch_one::<(i64,)>(count)
        )?;
        Ok(Page { items, total, page: query.page, per_page: query.per_page })
    }

    /// The page of `query` without the total: counting a rep's tens of thousands of
    /// interactions cost the Today page 200–300 ms at 100k organizations (`make bench-load`).
    pub async fn interactions(&self, query: &InteractionQuery) -> Result<Vec<InteractionItem>, StoreError> {
        self.db.fetch_all(page_of(interaction_filters(query), query, self.db.kind())).await
    }

    /// The open follow-ups `user` logged that are due before `until` (overdue ones
    /// included), soonest first.
    pub async fn follow_ups_due(
        &self,
        user: Uuid,
        until: NaiveDate,
        visible_to: Option<Uuid>,
    ) -> Result<Vec<FollowUp>, StoreError> {
        let until = until.and_time(chrono::NaiveTime::MIN).and_utc();
        // The author's open follow-ups in date order, which stops after a page. On a freshly
        // seeded database, once `PRAGMA optimize` had re-analyzed it, SQLite went through each
        // of the rep's 5,000 accounts and sorted instead: 0.23 → 47 ms, Today 28 req/s.
        let from = self.db.kind().indexed_by("interactions i", "interactions_follow_up_idx");
        let mut sql = Sql::new(
            "interactions.follow_ups_due",
            format!(
                "SELECT i.id, i.organization_id, o.name AS organization_name, c.first_name AS contact_first_name, \
                 c.last_name AS contact_last_name, i.follow_up_at, i.follow_up_notes \
                 FROM {from} \
                 JOIN organizations o ON o.id = i.organization_id AND o.deleted_at IS NULL \
                 LEFT JOIN contacts c ON c.id = i.contact_id \
                 WHERE i.deleted_at IS NULL AND i.user_id = $1 AND i.follow_up_at IS NOT NULL \
                 AND NOT i.follow_up_done AND i.follow_up_at < $2"
            ),
        )
        .bind(user)
        .bind(until);
        if let Some(me) = visible_to {
            sql.push(" AND o.assigned_user_id = ").push_bind(me);
        }
        sql.push(" ORDER BY i.follow_up_at ASC, i.id ASC LIMIT ").push_bind(TODAY_LIMIT);
        self.db.fetch_all(sql).await
    }

    /// A-priority organizations (of `visible_to`, or all) with no interaction since
    /// `before`, never-visited first, and how many there are in all.
    pub async fn accounts_to_visit(
        &self,
        visible_to: Option<Uuid>,
        before: DateTime<Utc>,
    ) -> Result<(Vec<AccountToVisit>, i64), StoreError> {
        let mut filters = Sql::new(
            "organizations.to_visit",
            " FROM organizations WHERE deleted_at IS NULL AND priority = 'A' \
              AND (last_interaction_at IS NULL OR last_interaction_at < $1)",
        )
        .bind(before);
        if let Some(user) = visible_to {
            filters.push(" AND assigned_user_id = ").push_bind(user);
        }
        let count = Sql {
            name: "organizations.to_visit_count",
            text: format!("SELECT COUNT(*){}", filters.text),
            ..filters.clone()
        };
        let mut rows = Sql {
            text: format!("SELECT id, name, city, region, last_interaction_at, next_follow_up_at{}", filters.text),
            ..filters
        };
        rows.push(" ORDER BY last_interaction_at ASC NULLS FIRST, name_search ASC, id ASC LIMIT ")
            .push_bind(TODAY_LIMIT);
        let (items, (total,)) =
            tokio::try_join!(self.db.fetch_all::<AccountToVisit>(rows), self.db.fetch_one::<(i64,)>(count))?;
        Ok((items, total))
    }
}

/// Binds the draft's fields as `$2 … $15` (after the id).
fn bind_draft(sql: Sql, draft: &InteractionDraft) -> Sql {
    sql.bind(draft.organization_id)
        .bind(draft.contact_id)
        .bind(draft.opportunity_id)
        .bind(draft.kind.code())
        .bind(draft.occurred_at)
        .bind(draft.duration_minutes)
        .bind(&draft.subject)
        .bind(&draft.notes)
        .bind(draft.outcome.map(|o| o.code()))
        .bind(draft.follow_up_at())
        .bind(&draft.follow_up_notes)
        .bind(draft.follow_up_done)
        .bind(draft.latitude)
        .bind(draft.longitude)
}

/// The contact and the deal an interaction names must be live and of its organization.
async fn check_links(tx: &mut Tx, draft: &InteractionDraft) -> Result<(), StoreError> {
    check_contact_of(tx, draft.contact_id, draft.organization_id, "contact_id").await?;
    if let Some(deal) = draft.opportunity_id {
        let sql = Sql::new(
            "opportunities.of_organization",
            "SELECT id FROM opportunities WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL",
        )
        .bind(deal)
        .bind(draft.organization_id);
        if tx.fetch_optional::<(Uuid,)>(sql).await?.is_none() {
            return Err(StoreError::field("opportunity_id", "Choose an opportunity of this organization."));
        }
    }
    Ok(())
}

/// Marks the open follow-up of `earlier` done: the visit that was promised happened.
async fn complete_follow_up(
    tx: &mut Tx,
    actor: &Actor,
    earlier: Uuid,
    organization_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let missing = || StoreError::field("completes", "The follow-up this visit completes is no longer open.");
    let current: Interaction = T.live_in(tx, earlier).await.map_err(|_| missing())?;
    if current.organization_id != organization_id {
        return Err(StoreError::field("completes", "That follow-up belongs to another organization."));
    }
    if current.open_follow_up().is_none() {
        // Done meanwhile (on another device, say): the new log stands on its own.
        return Ok(());
    }
    let sql = Sql::new(
        "interactions.complete_follow_up",
        "UPDATE interactions SET follow_up_done = TRUE, updated_at = $2, updated_by = $3, version = version + 1 \
         WHERE id = $1",
    )
    .bind(earlier)
    .bind(at)
    .bind(actor.user_id);
    tx.execute(sql).await?;
    audit::record(tx, actor, T.entity, earlier, AuditAction::Update, one_change("follow_up_done", false, true), at)
        .await
}

/// Recomputes the organization's `last_interaction_at` and `next_follow_up_at` from its
/// live interactions; returns its assignee (whose cached views change with it). These
/// fields are derived: they change neither the organization's version (an interaction
/// logged offline must not make an edit of the account conflict) nor its audit trail.
async fn keep_organization_in_step(tx: &mut Tx, organization_id: Uuid) -> Result<Option<Uuid>, StoreError> {
    let sql = Sql::new(
        "organizations.interaction_dates",
        "UPDATE organizations SET \
         last_interaction_at = (SELECT MAX(i.occurred_at) FROM interactions i \
             WHERE i.organization_id = $1 AND i.deleted_at IS NULL), \
         next_follow_up_at = (SELECT MIN(i.follow_up_at) FROM interactions i \
             WHERE i.organization_id = $1 AND i.deleted_at IS NULL AND i.follow_up_at IS NOT NULL \
             AND NOT i.follow_up_done) \
         WHERE id = $1 RETURNING assigned_user_id",
    )
    .bind(organization_id);
    let (assignee,): (Option<Uuid>,) = tx.fetch_optional(sql).await?.ok_or(StoreError::NotFound("Organization"))?;
    Ok(assignee)
}
