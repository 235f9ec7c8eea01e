//! Contacts: create, read, update with a version check, soft delete, restore, list.
//! An organization has at most one primary contact; making one primary demotes the other.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::audit::{self, one_change};
use super::table::Table;
use super::{Actor, CacheKey, Kind, Sql, Store, StoreError, Tx, contains_pattern, now, prefix_pattern};
use crate::model::audit::field_changes;
use crate::model::validate::search_key;
use crate::model::{AuditAction, Contact, ContactDraft, ContactQuery, Page};

pub(super) const CONTACTS: Table = Table {
    table: "contacts",
    entity: "contact",
    what: "Contact",
    columns: "id, organization_id, first_name, last_name, position, email, phone, mobile, is_primary, \
              is_decision_maker, preferred_contact_method, notes, created_at, updated_at, created_by, \
              updated_by, deleted_at, version",
};
const T: &Table = &CONTACTS;

impl Store {
    pub async fn contact(&self, id: Uuid) -> Result<Contact, StoreError> {
        T.live(&self.db, id).await
    }

    /// A contact whether deleted or not (for restores and history).
    pub async fn contact_any(&self, id: Uuid) -> Result<Contact, StoreError> {
        T.any(&self.db, id).await
    }

    pub async fn create_contact(
        &self,
        actor: &Actor,
        id: Option<Uuid>,
        draft: ContactDraft,
    ) -> Result<Contact, StoreError> {
        let draft = draft.validate()?;
        let id = id.unwrap_or_else(Uuid::now_v7);
        let mut tx = self.db.begin().await?;
        check_organization(&mut tx, draft.organization_id).await?;
        let contact = insert_contact(&mut tx, actor, id, &draft, now()).await?;
        tx.commit().await?;
        self.under_organizations_changed(&[contact.organization_id]).await;
        Ok(contact)
    }

    pub async fn update_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        draft: ContactDraft,
    ) -> Result<Contact, StoreError> {
        let draft = draft.validate()?;
        let mut tx = self.db.begin().await?;
        let current: Contact = T.live_in(&mut tx, id).await?;
        if current.version != expected_version {
            return Err(T.stale(current.version, expected_version));
        }
        let changes = field_changes(Some(&current.to_draft()), Some(&draft));
        if changes.is_empty() {
            return Ok(current);
        }
        let at = now();
        if draft.organization_id != current.organization_id {
            check_organization(&mut tx, draft.organization_id).await?;
        }
        let contact = update_contact_in(&mut tx, actor, &current, &draft, changes, at).await?;
        tx.commit().await?;
        self.under_organizations_changed(&[current.organization_id, contact.organization_id]).await;
        Ok(contact)
    }

    pub async fn delete_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<Contact, StoreError> {
        let mut tx = self.db.begin().await?;
        let current: Contact = T.live_in(&mut tx, id).await?;
        if let Some(expected) = expected_version.filter(|v| *v != current.version) {
            return Err(T.stale(current.version, expected));
        }
        let at = now();
        let contact: Contact = T.set_deleted_at(&mut tx, actor, id, Some(at), at).await?;
        audit::record(&mut tx, actor, T.entity, id, AuditAction::Delete, one_change("deleted_at", None::<()>, at), at)
            .await?;
        tx.commit().await?;
        self.under_organizations_changed(&[contact.organization_id]).await;
        Ok(contact)
    }

    /// Undoes a delete. The organization must be live; a restored primary contact stays
    /// primary only if the organization has none meanwhile.
    pub async fn restore_contact(&self, actor: &Actor, id: Uuid) -> Result<Contact, StoreError> {
        let mut tx = self.db.begin().await?;
        let current: Contact = T.any_in(&mut tx, id).await?;
        let Some(deleted_at) = current.deleted_at else { return Ok(current) };
        check_organization(&mut tx, current.organization_id)
            .await
            .map_err(|_| StoreError::field("organization_id", "Restore the contact's organization first."))?;
        let at = now();
        if current.is_primary {
            let sql = Sql::new(
                "contacts.keep_single_primary",
                "UPDATE contacts SET is_primary = FALSE WHERE id = $1 AND EXISTS (SELECT 1 FROM contacts o \
                 WHERE o.organization_id = $2 AND o.is_primary AND o.deleted_at IS NULL AND o.id <> $1)",
            )
            .bind(id)
            .bind(current.organization_id);
            tx.execute(sql).await?;
        }
        let contact: Contact = T.set_deleted_at(&mut tx, actor, id, None, at).await?;
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
        tx.commit().await?;
        self.under_organizations_changed(&[contact.organization_id]).await;
        Ok(contact)
    }

    /// Contacts by organization and/or search (name anywhere, email from its start),
    /// primary contacts first. A live contact always has a live organization (deleting an
    /// organization deletes its contacts, a contact is restored only under a live one), so
    /// the list needs no join.
    pub async fn list_contacts(&self, query: &ContactQuery) -> Result<Page<Contact>, StoreError> {
        let key = CacheKey::scoped(Kind::ContactLists, query.visible_to, query);
        self.cached(key, || self.read_contacts(query)).await
    }

    async fn read_contacts(&self, query: &ContactQuery) -> Result<Page<Contact>, StoreError> {
        let mut filters = Sql::new("contacts.list", " WHERE deleted_at IS NULL");
        if let Some(org) = query.organization_id {
            filters.push(" AND organization_id = ").push_bind(org);
        }
        if let Some(user) = query.visible_to {
            filters.push(" AND organization_id IN (").push(ASSIGNED_TO).push_bind(user).push(")");
        }
        if let Some(key) = query.search_key() {
            filters
                .push(" AND (name_search LIKE ")
                .push_bind(contains_pattern(&key))
                .push(" ESCAPE '\\' OR email LIKE ")
                .push_bind(prefix_pattern(&key))
                .push(" ESCAPE '\\')");
        }
        let count = Sql {
            name: "contacts.count",
            text: format!("SELECT COUNT(*) FROM contacts{}", filters.text),
            ..filters.clone()
        };
        let mut rows = Sql { text: format!("SELECT {} FROM contacts{}", T.columns, filters.text), ..filters };
        rows.push(" ORDER BY is_primary DESC, name_search ASC, id ASC LIMIT ")
            .push_bind(query.per_page as i64)
            .push(" OFFSET ")
            .push_bind(query.offset());
        let (items, (total,)) =
            tokio::try_join!(self.db.fetch_all::<Contact>(rows), self.db.fetch_one::<(i64,)>(count))?;
        Ok(Page { items, total, page: query.page, per_page: query.per_page })
    }

    /// How many live contacts there are (under the organizations assigned to `visible_to`,
    /// when given).
    pub async fn count_contacts(&self, visible_to: Option<Uuid>) -> Result<i64, StoreError> {
        self.cached(CacheKey::scoped(Kind::ContactCounts, visible_to, &()), || self.read_contact_count(visible_to))
            .await
    }

    async fn read_contact_count(&self, visible_to: Option<Uuid>) -> Result<i64, StoreError> {
        let mut sql = Sql::new("contacts.count_all", "SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL");
        if let Some(user) = visible_to {
            sql.push(" AND organization_id IN (").push(ASSIGNED_TO).push_bind(user).push(")");
        }
        Ok(self.db.fetch_one::<(i64,)>(sql).await?.0)
    }
}

/// The live organizations of one assignee (whose id is bound right after).
const ASSIGNED_TO: &str = "SELECT id FROM organizations WHERE deleted_at IS NULL AND assigned_user_id = ";

/// Inserts a validated contact (under a live organization) and its audit row in `tx`;
/// a primary one takes the flag from the organization's other contacts.
pub(super) async fn insert_contact(
    tx: &mut Tx,
    actor: &Actor,
    id: Uuid,
    draft: &ContactDraft,
    at: DateTime<Utc>,
) -> Result<Contact, StoreError> {
    if draft.is_primary {
        demote_primary(tx, actor, draft.organization_id, id, at).await?;
    }
    let sql = Sql::new(
        "contacts.insert",
        format!(
            "INSERT INTO contacts (id, organization_id, first_name, last_name, name_search, position, email, phone, \
             mobile, is_primary, is_decision_maker, preferred_contact_method, notes, created_at, updated_at, \
             created_by, updated_by, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $15, 1) RETURNING {}",
            T.columns
        ),
    )
    .bind(id);
    let sql = bind_draft(sql, draft).bind(at).bind(actor.user_id);
    let contact: Contact = match tx.fetch_optional(sql).await {
        Ok(Some(contact)) => contact,
        Ok(None) => return Err(StoreError::Database(sqlx::Error::RowNotFound)),
        Err(e) if e.is_unique_violation() => return Err(StoreError::Exists { entity: T.what, id }),
        Err(e) => return Err(e),
    };
    audit::record(tx, actor, T.entity, id, AuditAction::Create, field_changes(None, Some(draft)), at).await?;
    Ok(contact)
}

/// Writes `changes` (non-empty, from `current` to the validated `draft`) in `tx`, with the
/// audit row; `current` was read in `tx`.
pub(super) async fn update_contact_in(
    tx: &mut Tx,
    actor: &Actor,
    current: &Contact,
    draft: &ContactDraft,
    changes: serde_json::Map<String, serde_json::Value>,
    at: DateTime<Utc>,
) -> Result<Contact, StoreError> {
    if draft.is_primary {
        demote_primary(tx, actor, draft.organization_id, current.id, at).await?;
    }
    let sql = Sql::new(
        "contacts.update",
        format!(
            "UPDATE contacts SET organization_id = $2, first_name = $3, last_name = $4, name_search = $5, \
             position = $6, email = $7, phone = $8, mobile = $9, is_primary = $10, is_decision_maker = $11, \
             preferred_contact_method = $12, notes = $13, updated_at = $14, updated_by = $15, version = version + 1 \
             WHERE id = $1 AND version = $16 AND deleted_at IS NULL RETURNING {}",
            T.columns
        ),
    )
    .bind(current.id);
    let sql = bind_draft(sql, draft).bind(at).bind(actor.user_id).bind(current.version);
    let contact: Contact =
        tx.fetch_optional(sql).await?.ok_or_else(|| T.stale(current.version + 1, current.version))?;
    audit::record(tx, actor, T.entity, current.id, AuditAction::Update, changes, at).await?;
    Ok(contact)
}

/// Binds the draft's fields as `$2 … $13` (after the id).
fn bind_draft(sql: Sql, draft: &ContactDraft) -> Sql {
    let full_name = crate::model::contact::full_name(&draft.first_name, draft.last_name.as_deref());
    sql.bind(draft.organization_id)
        .bind(&draft.first_name)
        .bind(&draft.last_name)
        .bind(search_key(&full_name))
        .bind(draft.position.map(|p| p.code()))
        .bind(&draft.email)
        .bind(&draft.phone)
        .bind(&draft.mobile)
        .bind(draft.is_primary)
        .bind(draft.is_decision_maker)
        .bind(draft.preferred_contact_method.map(|m| m.code()))
        .bind(&draft.notes)
}

/// A contact must belong to a live organization.
pub(super) async fn check_organization(tx: &mut Tx, organization_id: Uuid) -> Result<(), StoreError> {
    let sql = Sql::new("organizations.exists", "SELECT id FROM organizations WHERE id = $1 AND deleted_at IS NULL")
        .bind(organization_id);
    match tx.fetch_optional::<(Uuid,)>(sql).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::field("organization_id", "Choose an organization that exists.")),
    }
}

/// A contact a record names (an interaction's, a deal's) must be live and of the record's
/// organization; `field` is the form field the message goes to.
pub(super) async fn check_contact_of(
    tx: &mut Tx,
    contact_id: Option<Uuid>,
    organization_id: Uuid,
    field: &str,
) -> Result<(), StoreError> {
    let Some(contact) = contact_id else { return Ok(()) };
    let sql = Sql::new(
        "contacts.of_organization",
        "SELECT id FROM contacts WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL",
    )
    .bind(contact)
    .bind(organization_id);
    match tx.fetch_optional::<(Uuid,)>(sql).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::field(field, "Choose a contact of this organization.")),
    }
}

/// Makes `keep` the only primary contact of the organization: the others lose the flag,
/// each with its own version bump and audit entry.
async fn demote_primary(
    tx: &mut Tx,
    actor: &Actor,
    organization_id: Uuid,
    keep: Uuid,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = Sql::new(
        "contacts.demote_primary",
        "UPDATE contacts SET is_primary = FALSE, updated_at = $3, updated_by = $4, version = version + 1 \
         WHERE organization_id = $1 AND id <> $2 AND is_primary AND deleted_at IS NULL RETURNING id",
    )
    .bind(organization_id)
    .bind(keep)
    .bind(at)
    .bind(actor.user_id);
    let demoted: Vec<(Uuid,)> = tx.fetch_all(sql).await?;
    for (id,) in demoted {
        audit::record(tx, actor, T.entity, id, AuditAction::Update, one_change("is_primary", true, false), at).await?;
    }
    Ok(())
}
