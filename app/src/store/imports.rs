//! CSV imports: a checked file is kept with its rows, then imported in batches. Each batch
//! is one transaction that also moves the import's counters, so the progress bar never
//! says more than the database holds, a batch is never applied twice (it is claimed by its
//! offset), and a stopped import resumes where it stopped.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::contacts::{CONTACTS, insert_contact, update_contact_in};
use super::organizations::{ORGANIZATIONS, insert_organization, update_organization_in};
use super::{Actor, BackendKind, Change, Sql, Store, StoreError, Tx, now};
use crate::model::audit::field_changes;
use crate::model::import::{
    IMPORT_BATCH_ROWS, IMPORT_STALL_SECONDS, ImportDetail, ImportFailure, ImportPreview, ImportSummary,
};
use crate::model::import_file::{
    ErrorRow, ExistingIndex, ExistingOrganization, ImportFile, ImportRow, merged_contact, merged_organization,
    read_import_file, resolve_assignee,
};
use crate::model::validate::search_key;
use crate::model::{Contact, ImportStatus, OnDuplicate, Organization};

const SUMMARY: &str = "SELECT i.id, i.file_name, i.status, i.message, i.on_duplicate, i.total_rows, i.new_rows, \
                       i.duplicate_rows, i.invalid_rows, i.processed_rows, i.created_count, i.updated_count, \
                       i.skipped_count, i.failed_count, u.full_name AS created_by_name, i.created_at, i.updated_at, \
                       i.finished_at FROM imports i LEFT JOIN users u ON u.id = i.created_by";

/// Rows after which the planner's statistics are first refreshed (then after twice as many).
const ANALYZE_FIRST_AFTER: usize = 1_000;

/// Values looked up per statement when matching rows with existing organizations.
const LOOKUP_CHUNK: usize = 500;

/// An uploaded file's name as kept: its last path part, at most 200 characters.
fn clean_file_name(name: &str) -> String {
    let name: String = name.rsplit(['/', '\\']).next().unwrap_or_default().trim().chars().take(200).collect();
    if name.is_empty() { "upload.csv".into() } else { name }
}

/// What one batch did.
#[derive(Debug, Default)]
struct BatchCounts {
    created: i64,
    updated: i64,
    skipped: i64,
    failed: Vec<ImportFailure>,
}

impl Store {
    /// Reads and checks an uploaded file and keeps it, ready to import: every row
    /// validated, its assignee found, matched with the file's other rows and with existing
    /// organizations. A file that cannot be read is kept as rejected, with the reason.
    pub async fn stage_import(&self, actor: &Actor, file_name: &str, bytes: &[u8]) -> Result<Uuid, StoreError> {
        let mut file = match read_import_file(bytes) {
            Ok(file) => file,
            Err(problem) => return self.reject_import(actor, file_name, &problem.to_string()).await,
        };
        self.check_import_rows(&mut file).await?;
        let count = |f: fn(&ImportRow) -> bool| file.rows.iter().filter(|r| f(r)).count() as i64;
        let invalid = count(|r| !r.is_valid());
        let duplicates = count(|r| r.is_valid() && r.duplicate.is_some());
        let total = file.rows.len() as i64;
        let preview = ImportPreview { rows: file.preview(), ignored_columns: file.ignored_columns() };
        let id = Uuid::now_v7();
        let at = now();
        let sql = Sql::new(
            "imports.insert",
            "INSERT INTO imports (id, created_by, file_name, status, total_rows, new_rows, duplicate_rows, \
             invalid_rows, file_rows, preview, created_at, updated_at) \
             VALUES ($1, $2, $3, 'ready', $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(id)
        .bind(actor.user_id)
        .bind(clean_file_name(file_name))
        .bind(total)
        .bind(total - invalid - duplicates)
        .bind(duplicates)
        .bind(invalid)
        .bind(to_json(&file)?)
        .bind(to_json(&preview)?)
        .bind(at);
        self.db.execute(sql).await?;
        Ok(id)
    }

    /// Keeps a refused upload with the reason, so its page can say what to do.
    pub async fn reject_import(&self, actor: &Actor, file_name: &str, message: &str) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let at = now();
        let sql = Sql::new(
            "imports.reject",
            "INSERT INTO imports (id, created_by, file_name, status, message, created_at, updated_at, finished_at) \
             VALUES ($1, $2, $3, 'rejected', $4, $5, $5, $5)",
        )
        .bind(id)
        .bind(actor.user_id)
        .bind(clean_file_name(file_name))
        .bind(message)
        .bind(at);
        self.db.execute(sql).await?;
        Ok(id)
    }

    async fn check_import_rows(&self, file: &mut ImportFile) -> Result<(), StoreError> {
        let users = self.active_users().await?;
        for row in file.rows.iter_mut().filter(|r| r.is_valid()) {
            let Some(text) = row.assigned_to.clone() else { continue };
            match resolve_assignee(&text, &users) {
                Ok(user) => {
                    if let Some(org) = row.organization.as_mut() {
                        org.assigned_user_id = Some(user);
                    }
                }
                Err(problem) => row.reject(problem),
            }
        }
        let mut tx = self.db.begin().await?;
        self.look_up_on_btrees(&mut tx).await?;
        let existing = existing_index(&mut tx, &file.rows).await?;
        for row in file.rows.iter_mut().filter(|r| r.is_valid()) {
            row.duplicate = existing.duplicate_of(row);
        }
        Ok(())
    }

    /// On PostgreSQL the planner prices the search's trigram (GIN) indexes far below what an
    /// equality lookup of hundreds of values costs there (4 s against 0.2 ms for 500 emails at
    /// 50k organizations, when emails had them; names still do): this transaction's lookups
    /// use the btree indexes (GIN indexes are only read through bitmap scans).
    async fn look_up_on_btrees(&self, tx: &mut Tx) -> Result<(), StoreError> {
        if self.backend() == BackendKind::Postgres {
            tx.execute(Sql::new("imports.plan", "SET LOCAL enable_bitmapscan = off")).await?;
        }
        Ok(())
    }

    /// An import with its preview.
    pub async fn import_detail(&self, id: Uuid) -> Result<ImportDetail, StoreError> {
        let summary = self.import_summary(id).await?;
        let sql = Sql::new("imports.preview", "SELECT preview FROM imports WHERE id = $1").bind(id);
        let (preview,): (String,) = self.db.fetch_one(sql).await?;
        let preview =
            if summary.status == ImportStatus::Rejected { ImportPreview::default() } else { from_json(&preview)? };
        Ok(ImportDetail { summary, preview })
    }

    pub async fn import_summary(&self, id: Uuid) -> Result<ImportSummary, StoreError> {
        let sql = Sql::new("imports.get", format!("{SUMMARY} WHERE i.id = $1")).bind(id);
        let summary: ImportSummary = self.db.fetch_optional(sql).await?.ok_or(StoreError::NotFound("Import"))?;
        Ok(summary.as_of(now()))
    }

    /// The latest imports, newest first.
    pub async fn recent_imports(&self, limit: i64) -> Result<Vec<ImportSummary>, StoreError> {
        let sql =
            Sql::new("imports.recent", format!("{SUMMARY} ORDER BY i.created_at DESC, i.id DESC LIMIT $1")).bind(limit);
        let at = now();
        Ok(self.db.fetch_all::<ImportSummary>(sql).await?.into_iter().map(|s| s.as_of(at)).collect())
    }

    /// Marks an import as running (or resumes a stopped one) with the choice for rows that
    /// match an existing organization; [`Store::run_import`] then does the work. `false`:
    /// it was running already (a double click starts it once).
    pub async fn start_import(&self, id: Uuid, on_duplicate: OnDuplicate) -> Result<bool, StoreError> {
        let at = now();
        let sql = Sql::new(
            "imports.start",
            "UPDATE imports SET status = 'running', on_duplicate = $2, message = NULL, updated_at = $3 \
             WHERE id = $1 AND processed_rows < total_rows \
             AND (status IN ('ready', 'failed') OR (status = 'running' AND updated_at < $4))",
        )
        .bind(id)
        .bind(on_duplicate.code())
        .bind(at)
        .bind(at - chrono::Duration::seconds(IMPORT_STALL_SECONDS));
        if self.db.execute(sql).await? == 1 {
            return Ok(true);
        }
        match self.import_summary(id).await?.status {
            ImportStatus::Running => Ok(false),
            ImportStatus::Rejected => {
                Err(StoreError::field("import", "This file was refused: upload a corrected one."))
            }
            _ => {
                Err(StoreError::field("import", "This import has finished; upload the file again to import it again."))
            }
        }
    }

    /// Imports the rows of a running import from where it stands, batch by batch, and marks
    /// it done. Stops quietly when the import is no longer running at the offset it expects
    /// (another server took it over). A failing batch is rolled back whole and the import
    /// marked stopped with the reason; the batches before it stay imported.
    pub async fn run_import(&self, actor: &Actor, id: Uuid) -> Result<(), StoreError> {
        let sql = Sql::new(
            "imports.rows",
            "SELECT file_rows, failures, processed_rows, on_duplicate FROM imports WHERE id = $1 AND status = 'running'",
        )
        .bind(id);
        let Some((rows, failures, processed, on_duplicate)) =
            self.db.fetch_optional::<(String, String, i64, Option<OnDuplicate>)>(sql).await?
        else {
            return Ok(());
        };
        let file: ImportFile = from_json(&rows)?;
        let mut failures: Vec<ImportFailure> = from_json(&failures)?;
        let on_duplicate = on_duplicate.unwrap_or(OnDuplicate::Skip);
        let mut start = usize::try_from(processed).unwrap_or_default();
        let mut analyze_at = ANALYZE_FIRST_AFTER;
        while start < file.rows.len() {
            let end = (start + IMPORT_BATCH_ROWS).min(file.rows.len());
            match self.import_batch(actor, id, &file.rows[start..end], start, on_duplicate, &mut failures).await {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(e) => {
                    let first = file.rows[start].row;
                    let last = file.rows[end - 1].row;
                    tracing::error!(import = %id, error = %e, "import batch failed");
                    let message = format!(
                        "Rows {first}–{last} could not be imported ({}). The rows before them are imported; \
                         resume to try again from row {first}.",
                        crate::error::AppError::from(e)
                    );
                    self.stop_import(id, &message).await?;
                    return Ok(());
                }
            }
            start = end;
            // The planner's statistics go stale as the tables grow under the import (on
            // PostgreSQL the duplicate lookups then scan whole indexes, slower with every
            // batch); refresh them each time the import has doubled what it wrote.
            if start >= analyze_at {
                self.db.analyze_tables(&["organizations", "contacts"]).await?;
                analyze_at *= 2;
            }
        }
        let at = now();
        let sql = Sql::new(
            "imports.finish",
            "UPDATE imports SET status = 'done', updated_at = $2, finished_at = $2 WHERE id = $1 AND status = 'running'",
        )
        .bind(id)
        .bind(at);
        self.db.execute(sql).await?;
        Ok(())
    }

    async fn stop_import(&self, id: Uuid, message: &str) -> Result<(), StoreError> {
        let sql = Sql::new(
            "imports.stop",
            "UPDATE imports SET status = 'failed', message = $2, updated_at = $3 WHERE id = $1 AND status = 'running'",
        )
        .bind(id)
        .bind(message)
        .bind(now());
        self.db.execute(sql).await.map(|_| ())
    }

    /// One batch in one transaction; `false` when the batch was not this runner's to do.
    async fn import_batch(
        &self,
        actor: &Actor,
        id: Uuid,
        rows: &[ImportRow],
        offset: usize,
        on_duplicate: OnDuplicate,
        failures: &mut Vec<ImportFailure>,
    ) -> Result<bool, StoreError> {
        let at = now();
        let mut tx = self.db.begin().await?;
        // Claiming the batch first locks the import's row: a second runner waits, then
        // finds the offset moved and stops.
        let claim = Sql::new(
            "imports.claim_batch",
            "UPDATE imports SET processed_rows = $3, updated_at = $4 \
             WHERE id = $1 AND status = 'running' AND processed_rows = $2",
        )
        .bind(id)
        .bind(offset as i64)
        .bind((offset + rows.len()) as i64)
        .bind(at);
        if tx.execute(claim).await? == 0 {
            return Ok(false);
        }
        self.look_up_on_btrees(&mut tx).await?;
        let existing = existing_index(&mut tx, rows).await?;
        let mut counts = BatchCounts::default();
        let (mut assignees, mut changed) = (BTreeSet::new(), Vec::new());
        for row in rows.iter().filter(|r| r.is_valid()) {
            match (existing.duplicate_of(row), on_duplicate) {
                (None, _) => {
                    if let Some(org) = create_from_row(&mut tx, actor, row, at).await? {
                        assignees.insert(org.assigned_user_id);
                        counts.created += 1;
                    }
                }
                (Some(_), OnDuplicate::Skip) => counts.skipped += 1,
                (Some(duplicate), OnDuplicate::Update) => {
                    match update_from_row(&mut tx, actor, duplicate.organization_id, row, at).await {
                        Ok((before, after)) => {
                            assignees.extend([before.assigned_user_id, after.assigned_user_id]);
                            changed.push(after.id);
                            counts.updated += 1;
                        }
                        Err(StoreError::Invalid(fields)) => {
                            let problem = fields.into_values().collect::<Vec<_>>().join(" ");
                            counts.failed.push(ImportFailure {
                                row: row.row,
                                problem: format!("Updating {}: {problem}", duplicate.organization_name),
                            });
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        let all_failures: Vec<&ImportFailure> = failures.iter().chain(&counts.failed).collect();
        let sql = Sql::new(
            "imports.count_batch",
            "UPDATE imports SET created_count = created_count + $2, updated_count = updated_count + $3, \
             skipped_count = skipped_count + $4, failed_count = failed_count + $5, failures = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(counts.created)
        .bind(counts.updated)
        .bind(counts.skipped)
        .bind(counts.failed.len() as i64)
        .bind(to_json(&all_failures)?);
        tx.execute(sql).await?;
        tx.commit().await?;
        failures.extend(counts.failed);
        if !assignees.is_empty() {
            self.changed(Change::organizations(&assignees.into_iter().collect::<Vec<_>>(), &changed)).await;
        }
        Ok(true)
    }

    /// The rows of an import that were not imported, and the file's header.
    pub async fn import_errors(&self, id: Uuid) -> Result<(Vec<String>, Vec<ErrorRow>), StoreError> {
        let sql = Sql::new("imports.errors", "SELECT status, file_rows, failures FROM imports WHERE id = $1").bind(id);
        let (status, rows, failures): (ImportStatus, String, String) =
            self.db.fetch_optional(sql).await?.ok_or(StoreError::NotFound("Import"))?;
        if status == ImportStatus::Rejected {
            return Ok((Vec::new(), Vec::new()));
        }
        let file: ImportFile = from_json(&rows)?;
        let failures: Vec<ImportFailure> = from_json(&failures)?;
        Ok((file.header.clone(), file.error_rows(&failures)))
    }
}

/// Creates the organization of a row and its contact.
async fn create_from_row(
    tx: &mut Tx,
    actor: &Actor,
    row: &ImportRow,
    at: DateTime<Utc>,
) -> Result<Option<Organization>, StoreError> {
    let Some(draft) = &row.organization else { return Ok(None) };
    let org = insert_organization(tx, actor, Uuid::now_v7(), draft, at).await?;
    if let Some(contact) = &row.contact {
        let contact = crate::model::ContactDraft { organization_id: org.id, is_primary: true, ..contact.clone() };
        insert_contact(tx, actor, Uuid::now_v7(), &contact, at).await?;
    }
    Ok(Some(org))
}

/// Puts a row's values over the organization it matches, and its contact over the
/// matching contact (same email, or the primary contact with the same name) or as a new
/// one; the organization before and after.
async fn update_from_row(
    tx: &mut Tx,
    actor: &Actor,
    organization_id: Uuid,
    row: &ImportRow,
    at: DateTime<Utc>,
) -> Result<(Organization, Organization), StoreError> {
    let current: Organization = ORGANIZATIONS.live_in(tx, organization_id).await?;
    let draft = merged_organization(current.to_draft(), row).validate()?;
    let changes = field_changes(Some(&current.to_draft()), Some(&draft));
    let org = if changes.is_empty() {
        current.clone()
    } else {
        update_organization_in(tx, actor, &current, &draft, changes, at).await?
    };
    if let Some(new) = &row.contact {
        let sql = Sql::new(
            "contacts.of_organization_all",
            format!("SELECT {} FROM contacts WHERE organization_id = $1 AND deleted_at IS NULL", CONTACTS.columns),
        )
        .bind(org.id);
        let contacts: Vec<Contact> = tx.fetch_all(sql).await?;
        let new_name = search_key(&crate::model::contact::full_name(&new.first_name, new.last_name.as_deref()));
        let same = contacts.iter().find(|c| new.email.is_some() && c.email == new.email).or_else(|| {
            contacts.iter().find(|c| {
                c.is_primary
                    && search_key(&crate::model::contact::full_name(&c.first_name, c.last_name.as_deref())) == new_name
            })
        });
        match same {
            Some(existing) => {
                let draft = merged_contact(existing.to_draft(), row).validate()?;
                let changes = field_changes(Some(&existing.to_draft()), Some(&draft));
                if !changes.is_empty() {
                    update_contact_in(tx, actor, existing, &draft, changes, at).await?;
                }
            }
            None => {
                let is_primary = !contacts.iter().any(|c| c.is_primary);
                let draft = crate::model::ContactDraft { organization_id: org.id, is_primary, ..new.clone() };
                insert_contact(tx, actor, Uuid::now_v7(), &draft, at).await?;
            }
        }
    }
    Ok((current, org))
}

/// The live organizations that rows may repeat: same name (then compared with the city),
/// same email, or a contact with the same email.
async fn existing_index(tx: &mut Tx, rows: &[ImportRow]) -> Result<ExistingIndex, StoreError> {
    let names: BTreeSet<String> = rows.iter().filter_map(|r| r.place_key()).map(|(name, _)| name).collect();
    let emails: BTreeSet<String> = rows.iter().flat_map(|r| r.emails()).collect();
    let mut found: Vec<ExistingOrganization> = Vec::new();
    // (statement, the email it reads, from, the column matched, the values)
    let lookups = [
        ("imports.match_names", "o.email", "FROM organizations o", "o.name_search", &names),
        ("imports.match_emails", "o.email", "FROM organizations o", "o.email", &emails),
        (
            "imports.match_contact_emails",
            "c.email",
            "FROM contacts c JOIN organizations o ON o.id = c.organization_id AND c.deleted_at IS NULL",
            "c.email",
            &emails,
        ),
    ];
    for (name, email, from, column, values) in lookups {
        let values: Vec<&String> = values.iter().collect();
        for chunk in values.chunks(LOOKUP_CHUNK) {
            let mut sql = Sql::new(
                name,
                format!("SELECT o.id, o.name, o.city, {email} {from} WHERE o.deleted_at IS NULL AND {column} IN "),
            );
            sql.push_bind_list(chunk.iter().map(|v| v.as_str()));
            let matches: Vec<(Uuid, String, Option<String>, Option<String>)> = tx.fetch_all(sql).await?;
            found.extend(matches.into_iter().map(|(id, name, city, email)| ExistingOrganization {
                id,
                name,
                city,
                emails: email.into_iter().collect(),
            }));
        }
    }
    Ok(ExistingIndex::new(found))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Config(format!("cannot encode an import: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Config(format!("cannot read a stored import: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_file_names_keep_their_last_part() {
        assert_eq!(clean_file_name("C:\\Users\\sam\\accounts.csv"), "accounts.csv");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("  "), "upload.csv");
        assert_eq!(clean_file_name(&"x".repeat(300)).len(), 200);
    }
}
