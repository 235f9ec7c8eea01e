//! Organizations: create, read, update with a version check, soft delete (taking their
//! contacts, interactions and deals along, so no read of those needs to join the account to
//! leave a deleted one out), restore, and the filtered, sorted, paged list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::audit::{self, one_change};
use super::table::Table;
use super::{Actor, CacheKey, Change, Kind, Sql, Store, StoreError, Tx, contains_pattern, now};
use crate::model::audit::field_changes;
use crate::model::validate::search_key;
use crate::model::{
    AuditAction, Organization, OrganizationDraft, OrganizationQuery, OrganizationSort, OrganizationSummary, Page,
    Priority, SortDirection,
};

pub(super) const ORGANIZATIONS: Table = Table {
    table: "organizations",
    entity: "organization",
    what: "Organization",
    columns: "id, name, priority, segment, kind, phone, email, website, street, city, region, \
              postal_code, country, annual_revenue_cents, distributor, assigned_user_id, notes, tags, \
              last_interaction_at, next_follow_up_at, created_at, updated_at, created_by, updated_by, \
              deleted_at, version",
};
const T: &Table = &ORGANIZATIONS;

/// A page of organizations with the count of each priority under the same filters
/// (ignoring the priority filter itself), for the filter chips.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationPage {
    pub page: Page<OrganizationSummary>,
    pub priority_counts: Vec<(Priority, i64)>,
}

impl Store {
    /// A live (not deleted) organization.
    pub async fn organization(&self, id: Uuid) -> Result<Organization, StoreError> {
        T.live(&self.db, id).await
    }

    /// A live organization to show, through the read cache. Never the base of a change:
    /// writes and edit forms read [`Store::organization`], so a copy another instance has
    /// not yet forgotten can never be written back.
    pub async fn organization_to_show(&self, id: Uuid) -> Result<Organization, StoreError> {
        self.cached(CacheKey::record(Kind::Organizations, id), || T.live(&self.db, id)).await
    }

    /// An organization whether deleted or not (for restores and history).
    pub async fn organization_any(&self, id: Uuid) -> Result<Organization, StoreError> {
        T.any(&self.db, id).await
    }

    /// Creates an organization with the id the caller chose (offline clients and forms
    /// choose theirs) or a new one.
    pub async fn create_organization(
        &self,
        actor: &Actor,
        id: Option<Uuid>,
        draft: OrganizationDraft,
    ) -> Result<Organization, StoreError> {
        let draft = draft.validate()?;
        self.check_assignable("assigned_user_id", draft.assigned_user_id).await?;
        let id = id.unwrap_or_else(Uuid::now_v7);
        let mut tx = self.db.begin().await?;
        let org = insert_organization(&mut tx, actor, id, &draft, now()).await?;
        tx.commit().await?;
        self.changed(Change::organizations(&[org.assigned_user_id], &[id])).await;
        Ok(org)
    }

    /// Replaces the editable fields, provided nobody changed the record since
    /// `expected_version`. Saving without changes keeps the version.
    pub async fn update_organization(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        draft: OrganizationDraft,
    ) -> Result<Organization, StoreError> {
        let draft = draft.validate()?;
        let mut tx = self.db.begin().await?;
        let current: Organization = T.live_in(&mut tx, id).await?;
        if current.version != expected_version {
            return Err(T.stale(current.version, expected_version));
        }
        let changes = field_changes(Some(&current.to_draft()), Some(&draft));
        if changes.is_empty() {
            return Ok(current);
        }
        if draft.assigned_user_id != current.assigned_user_id {
            self.check_assignable("assigned_user_id", draft.assigned_user_id).await?;
        }
        let org = update_organization_in(&mut tx, actor, &current, &draft, changes, now()).await?;
        tx.commit().await?;
        self.changed(Change::organizations(&[current.assigned_user_id, org.assigned_user_id], &[id])).await;
        Ok(org)
    }

    /// Soft-deletes an organization and its live contacts, which a restore brings back.
    /// With `expected_version`, refuses when the record changed since.
    pub async fn delete_organization(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<Organization, StoreError> {
        let mut tx = self.db.begin().await?;
        let current: Organization = T.live_in(&mut tx, id).await?;
        if let Some(expected) = expected_version.filter(|v| *v != current.version) {
            return Err(T.stale(current.version, expected));
        }
        let at = now();
        let org: Organization = T.set_deleted_at(&mut tx, actor, id, Some(at), at).await?;
        audit::record(&mut tx, actor, T.entity, id, AuditAction::Delete, one_change("deleted_at", None::<()>, at), at)
            .await?;
        let sql = Sql::new(
            "contacts.delete_with_organization",
            "UPDATE contacts SET deleted_at = $2, updated_at = $2, updated_by = $3, version = version + 1 \
             WHERE organization_id = $1 AND deleted_at IS NULL RETURNING id",
        )
        .bind(id)
        .bind(at)
        .bind(actor.user_id);
        let contacts: Vec<(Uuid,)> = tx.fetch_all(sql).await?;
        for (contact_id,) in contacts {
            let changes = one_change("deleted_at", None::<()>, at);
            audit::record(
                &mut tx,
                actor,
                super::contacts::CONTACTS.entity,
                contact_id,
                AuditAction::Delete,
                changes,
                at,
            )
            .await?;
        }
        for table in ["interactions", "opportunities"] {
            let sql = Sql::new(
                "records.delete_with_organization",
                format!(
                    "UPDATE {table} SET deleted_at = $2, updated_at = $2, updated_by = $3, version = version + 1 \
                     WHERE organization_id = $1 AND deleted_at IS NULL"
                ),
            )
            .bind(id)
            .bind(at)
            .bind(actor.user_id);
            tx.execute(sql).await?;
        }
        tx.commit().await?;
        self.changed(Change::organizations(&[org.assigned_user_id], &[id])).await;
        Ok(org)
    }

    /// Undoes a delete, with the contacts, interactions and deals that were deleted along
    /// with the organization.
    /// Restoring a live organization changes nothing.
    pub async fn restore_organization(&self, actor: &Actor, id: Uuid) -> Result<Organization, StoreError> {
        let mut tx = self.db.begin().await?;
        let current: Organization = T.any_in(&mut tx, id).await?;
        let Some(deleted_at) = current.deleted_at else { return Ok(current) };
        let at = now();
        let org: Organization = T.set_deleted_at(&mut tx, actor, id, None, at).await?;
        audit::record(
            &mut tx,
            actor,
            T.entity,
            id,
            AuditAction::Restore,
            one_change("deleted_at", deleted_at, None::<()>),
            at,
        )
        .await?;
        let sql = Sql::new(
            "contacts.restore_with_organization",
            "UPDATE contacts SET deleted_at = NULL, updated_at = $3, updated_by = $4, version = version + 1 \
             WHERE organization_id = $1 AND deleted_at = $2 RETURNING id",
        )
        .bind(id)
        .bind(deleted_at)
        .bind(at)
        .bind(actor.user_id);
        let contacts: Vec<(Uuid,)> = tx.fetch_all(sql).await?;
        for (contact_id,) in contacts {
            let changes = one_change("deleted_at", deleted_at, None::<()>);
            audit::record(
                &mut tx,
                actor,
                super::contacts::CONTACTS.entity,
                contact_id,
                AuditAction::Restore,
                changes,
                at,
            )
            .await?;
        }
        for table in ["interactions", "opportunities"] {
            let sql = Sql::new(
                "records.restore_with_organization",
                format!(
                    "UPDATE {table} SET deleted_at = NULL, updated_at = $3, updated_by = $4, version = version + 1 \
                     WHERE organization_id = $1 AND deleted_at = $2"
                ),
            )
            .bind(id)
            .bind(deleted_at)
            .bind(at)
            .bind(actor.user_id);
            tx.execute(sql).await?;
        }
        tx.commit().await?;
        self.changed(Change::organizations(&[org.assigned_user_id], &[id])).await;
        Ok(org)
    }

    /// The organizations matching `query`, one page of them, and counts per priority;
    /// through the read cache when the store has one.
    pub async fn list_organizations(&self, query: &OrganizationQuery) -> Result<OrganizationPage, StoreError> {
        let key = CacheKey::scoped(Kind::OrganizationLists, query.visible_to, query);
        self.cached(key, || self.read_organization_page(query)).await
    }

    async fn read_organization_page(&self, query: &OrganizationQuery) -> Result<OrganizationPage, StoreError> {
        let (rows, counts) = tokio::try_join!(
            self.db.fetch_all::<OrganizationSummary>(list_sql(query)),
            self.db.fetch_all::<(Priority, i64)>(priority_counts_sql(query)),
        )?;
        let total = counts
            .iter()
            .filter(|(p, _)| query.priorities.is_empty() || query.priorities.contains(p))
            .map(|(_, n)| n)
            .sum();
        let priority_counts =
            Priority::ALL.iter().map(|p| (*p, counts.iter().find(|(q, _)| q == p).map_or(0, |(_, n)| *n))).collect();
        Ok(OrganizationPage {
            page: Page { items: rows, total, page: query.page, per_page: query.per_page },
            priority_counts,
        })
    }
}

/// Inserts a validated organization and its audit row in `tx`.
pub(super) async fn insert_organization(
    tx: &mut Tx,
    actor: &Actor,
    id: Uuid,
    draft: &OrganizationDraft,
    at: DateTime<Utc>,
) -> Result<Organization, StoreError> {
    let sql = Sql::new(
        "organizations.insert",
        format!(
            "INSERT INTO organizations (id, name, name_search, priority, segment, kind, phone, email, website, \
             street, city, region, postal_code, country, annual_revenue_cents, distributor, assigned_user_id, \
             notes, tags, created_at, updated_at, created_by, updated_by, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
             $20, $20, $21, $21, 1) RETURNING {}",
            T.columns
        ),
    )
    .bind(id);
    let sql = bind_draft(sql, draft).bind(at).bind(actor.user_id);
    let org: Organization = match tx.fetch_optional(sql).await {
        Ok(Some(org)) => org,
        Ok(None) => return Err(StoreError::Database(sqlx::Error::RowNotFound)),
        Err(e) if e.is_unique_violation() => return Err(StoreError::Exists { entity: T.what, id }),
        Err(e) => return Err(e),
    };
    audit::record(tx, actor, T.entity, id, AuditAction::Create, field_changes(None, Some(draft)), at).await?;
    Ok(org)
}

/// Writes `changes` (non-empty, from `current` to the validated `draft`) in `tx`, with the
/// audit row; `current` was read in `tx`.
pub(super) async fn update_organization_in(
    tx: &mut Tx,
    actor: &Actor,
    current: &Organization,
    draft: &OrganizationDraft,
    changes: serde_json::Map<String, Value>,
    at: DateTime<Utc>,
) -> Result<Organization, StoreError> {
    let sql = Sql::new(
        "organizations.update",
        format!(
            "UPDATE organizations SET name = $2, name_search = $3, priority = $4, segment = $5, kind = $6, \
             phone = $7, email = $8, website = $9, street = $10, city = $11, region = $12, postal_code = $13, \
             country = $14, annual_revenue_cents = $15, distributor = $16, assigned_user_id = $17, notes = $18, \
             tags = $19, updated_at = $20, updated_by = $21, version = version + 1 \
             WHERE id = $1 AND version = $22 AND deleted_at IS NULL RETURNING {}",
            T.columns
        ),
    )
    .bind(current.id);
    let sql = bind_draft(sql, draft).bind(at).bind(actor.user_id).bind(current.version);
    let org: Organization =
        tx.fetch_optional(sql).await?.ok_or_else(|| T.stale(current.version + 1, current.version))?;
    audit::record(tx, actor, T.entity, current.id, AuditAction::Update, changes, at).await?;
    Ok(org)
}

/// Binds the draft's fields as `$2 … $19` (after the id).
fn bind_draft(sql: Sql, draft: &OrganizationDraft) -> Sql {
    sql.bind(&draft.name)
        .bind(search_key(&draft.name))
        .bind(draft.priority.code())
        .bind(draft.segment.map(|s| s.code()))
        .bind(draft.kind.code())
        .bind(&draft.phone)
        .bind(&draft.email)
        .bind(&draft.website)
        .bind(&draft.street)
        .bind(&draft.city)
        .bind(&draft.region)
        .bind(&draft.postal_code)
        .bind(&draft.country)
        .bind(draft.annual_revenue_cents)
        .bind(&draft.distributor)
        .bind(draft.assigned_user_id)
        .bind(&draft.notes)
        .bind(serde_json::to_value(&draft.tags).unwrap_or(Value::Array(Vec::new())))
}

/// `WHERE …` for the list and its counts. The priority filter is left out of the counts,
/// so each chip can say how many it would show.
fn push_filters(sql: &mut Sql, query: &OrganizationQuery, with_priority: bool) {
    sql.push(" WHERE o.deleted_at IS NULL");
    if let Some(key) = query.search_key() {
        sql.push(" AND o.name_search LIKE ").push_bind(contains_pattern(&key)).push(" ESCAPE '\\'");
    }
    if with_priority && !query.priorities.is_empty() {
        sql.push(" AND o.priority IN ").push_bind_list(query.priorities.iter().map(|p| p.code()));
    }
    if let Some(segment) = query.segment {
        sql.push(" AND o.segment = ").push_bind(segment.code());
    }
    if let Some(kind) = query.kind {
        sql.push(" AND o.kind = ").push_bind(kind.code());
    }
    if let Some(user) = query.assigned_user_id {
        sql.push(" AND o.assigned_user_id = ").push_bind(user);
    }
    if let Some(user) = query.visible_to {
        sql.push(" AND o.assigned_user_id = ").push_bind(user);
    }
}

fn order_by(query: &OrganizationQuery) -> String {
    let dir = match query.direction {
        SortDirection::Asc => "ASC",
        SortDirection::Desc => "DESC",
    };
    match query.sort {
        OrganizationSort::Name => format!("o.name_search {dir}, o.id {dir}"),
        OrganizationSort::Priority => format!("o.priority {dir}, o.name_search ASC, o.id ASC"),
        OrganizationSort::City => format!("o.city {dir} NULLS LAST, o.name_search ASC, o.id ASC"),
        OrganizationSort::LastInteraction => {
            format!("o.last_interaction_at {dir} NULLS LAST, o.name_search ASC, o.id ASC")
        }
        OrganizationSort::NextFollowUp => format!("o.next_follow_up_at {dir} NULLS LAST, o.name_search ASC, o.id ASC"),
        OrganizationSort::Updated => format!("o.updated_at {dir}, o.id {dir}"),
    }
}

/// The page's ids are picked first (filter, sort, limit on the indexed columns), then
/// only those rows are joined with their assignee and counted contacts.
fn list_sql(query: &OrganizationQuery) -> Sql {
    let order = order_by(query);
    let mut sql = Sql::new("organizations.list", "SELECT o.id FROM organizations o");
    push_filters(&mut sql, query, true);
    sql.push(&format!(" ORDER BY {order} LIMIT "))
        .push_bind(query.per_page as i64)
        .push(" OFFSET ")
        .push_bind(query.offset());
    let page_ids = std::mem::take(&mut sql.text);
    sql.push(&format!(
        "SELECT o.id, o.name, o.priority, o.segment, o.kind, o.city, o.region, o.phone, o.assigned_user_id, \
         u.full_name AS assigned_user_name, \
         (SELECT COUNT(*) FROM contacts c WHERE c.organization_id = o.id AND c.deleted_at IS NULL) AS contact_count, \
         o.last_interaction_at, o.next_follow_up_at, o.updated_at, o.version \
         FROM ({page_ids}) page \
         JOIN organizations o ON o.id = page.id \
         LEFT JOIN users u ON u.id = o.assigned_user_id \
         ORDER BY {order}"
    ));
    sql
}

fn priority_counts_sql(query: &OrganizationQuery) -> Sql {
    let mut sql = Sql::new("organizations.count_by_priority", "SELECT o.priority, COUNT(*) FROM organizations o");
    push_filters(&mut sql, query, false);
    sql.push(" GROUP BY o.priority");
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Segment, query::parse_query_string};

    fn query(qs: &str) -> OrganizationQuery {
        let pairs = parse_query_string(qs);
        OrganizationQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap()
    }

    #[test]
    fn list_sql_filters_then_joins_only_the_page() {
        let sql = list_sql(&query("q=Pizza&priority=A,B&segment=fast_food&sort=city&dir=desc&page=2"));
        assert!(sql.text.starts_with("SELECT o.id, o.name"));
        assert!(sql.text.contains(
            "FROM (SELECT o.id FROM organizations o WHERE o.deleted_at IS NULL AND o.name_search LIKE $1 ESCAPE '\\' \
             AND o.priority IN ($2, $3) AND o.segment = $4 ORDER BY o.city DESC NULLS LAST, o.name_search ASC, o.id ASC \
             LIMIT $5 OFFSET $6) page"
        ));
        assert_eq!(sql.args[0], "%pizza%".into());
        assert_eq!(sql.args[3], Segment::FastFood.code().into());
        assert_eq!(sql.args[4], 25_i64.into());
        assert_eq!(sql.args[5], 25_i64.into());
    }

    #[test]
    fn priority_counts_ignore_the_priority_filter() {
        let sql = priority_counts_sql(&query("priority=A&kind=customer"));
        assert!(!sql.text.contains("priority IN"));
        assert!(sql.text.contains("o.kind = $1"));
        assert_eq!(sql.args.len(), 1);
    }
}
