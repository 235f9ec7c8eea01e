//! CSV import of organizations with their primary contact: what the browser shows of an
//! import (its columns, its state, its preview). Reading and checking the file is
//! server-only, in [`super::import_file`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enums::{ImportStatus, OnDuplicate};

/// The largest file an import takes.
pub const IMPORT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most rows one import takes (a 10 MB file of short rows holds about this many).
pub const IMPORT_MAX_ROWS: usize = 50_000;
/// Rows shown before the import starts.
pub const PREVIEW_ROWS: usize = 20;
/// Rows written per transaction; the progress is recorded with each batch.
pub const IMPORT_BATCH_ROWS: usize = 200;
/// A running import whose last batch is older than this has stopped (its server went away).
pub const IMPORT_STALL_SECONDS: i64 = 120;

/// A column an import understands. Headers match ignoring case, spaces and punctuation,
/// and a few common spellings (see [`Column::aliases`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Column {
    Name,
    Priority,
    Segment,
    Kind,
    Phone,
    Email,
    Website,
    Street,
    City,
    Region,
    PostalCode,
    Country,
    AnnualRevenue,
    Distributor,
    AssignedTo,
    Notes,
    Tags,
    ContactFirstName,
    ContactLastName,
    ContactPosition,
    ContactEmail,
    ContactPhone,
    ContactMobile,
}

impl Column {
    pub const ALL: [Column; 23] = [
        Column::Name,
        Column::Priority,
        Column::Segment,
        Column::Kind,
        Column::Phone,
        Column::Email,
        Column::Website,
        Column::Street,
        Column::City,
        Column::Region,
        Column::PostalCode,
        Column::Country,
        Column::AnnualRevenue,
        Column::Distributor,
        Column::AssignedTo,
        Column::Notes,
        Column::Tags,
        Column::ContactFirstName,
        Column::ContactLastName,
        Column::ContactPosition,
        Column::ContactEmail,
        Column::ContactPhone,
        Column::ContactMobile,
    ];

    /// The header the template uses (and the export, where both have the column).
    pub fn header(self) -> &'static str {
        match self {
            Column::Name => "Name",
            Column::Priority => "Priority",
            Column::Segment => "Segment",
            Column::Kind => "Type",
            Column::Phone => "Phone",
            Column::Email => "Email",
            Column::Website => "Website",
            Column::Street => "Street",
            Column::City => "City",
            Column::Region => "Region",
            Column::PostalCode => "Postal code",
            Column::Country => "Country",
            Column::AnnualRevenue => "Annual revenue",
            Column::Distributor => "Distributor",
            Column::AssignedTo => "Assigned to",
            Column::Notes => "Notes",
            Column::Tags => "Tags",
            Column::ContactFirstName => "Contact first name",
            Column::ContactLastName => "Contact last name",
            Column::ContactPosition => "Contact position",
            Column::ContactEmail => "Contact email",
            Column::ContactPhone => "Contact phone",
            Column::ContactMobile => "Contact mobile",
        }
    }

    /// What the column holds, for the import page's table.
    pub fn help(self) -> &'static str {
        match self {
            Column::Name => "Required. The organization's name.",
            Column::Priority => "A, B, C or D (C when empty).",
            Column::Segment => {
                "Fine Dining, Fast Food, Healthcare, Education, Corporate Catering, Hospitality, \
                                Casual Dining, Institutional or Other."
            }
            Column::Kind => "Prospect, Customer, Distributor or Principal (Prospect when empty).",
            Column::Phone | Column::ContactPhone | Column::ContactMobile => "Any common format; +44… for abroad.",
            Column::Email | Column::ContactEmail => "An email address.",
            Column::Website => "joespizza.com or a full address.",
            Column::AnnualRevenue => "In dollars: 1250000 or 1,250,000.00.",
            Column::AssignedTo => "The email (or full name) of an active user.",
            Column::Tags => "Separated by commas.",
            Column::ContactFirstName => "Required when any contact column has a value.",
            Column::ContactPosition => {
                "Executive Chef, Chef, Buyer, Owner, General Manager, Kitchen Manager, \
                                        Food & Beverage Director, Purchasing Manager or Other."
            }
            _ => "Text.",
        }
    }

    /// Other headers taken for this column, written as [`header_key`] leaves them.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Name => &["organization", "organizationname", "account", "accountname", "company", "restaurant"],
            Column::Kind => &["kind", "organizationtype"],
            Column::Website => &["web", "url"],
            Column::Street => &["address", "streetaddress"],
            Column::Region => &["state", "stateorregion", "province"],
            Column::PostalCode => &["zip", "zipcode", "postcode"],
            Column::AnnualRevenue => &["revenue"],
            Column::AssignedTo => &["assignee", "rep", "salesrep", "owner"],
            Column::ContactFirstName => &["firstname"],
            Column::ContactLastName => &["lastname"],
            Column::ContactPosition => &["position", "title", "jobtitle"],
            Column::ContactMobile => &["mobile", "cell"],
            _ => &[],
        }
    }

    /// The column a header names, if any.
    pub fn for_header(header: &str) -> Option<Column> {
        let key = header_key(header);
        Column::ALL.into_iter().find(|c| header_key(c.header()) == key || c.aliases().contains(&key.as_str()))
    }

    pub fn is_contact(self) -> bool {
        matches!(
            self,
            Column::ContactFirstName
                | Column::ContactLastName
                | Column::ContactPosition
                | Column::ContactEmail
                | Column::ContactPhone
                | Column::ContactMobile
        )
    }

    pub fn is_phone(self) -> bool {
        matches!(self, Column::Phone | Column::ContactPhone | Column::ContactMobile)
    }
}

/// A header as compared: lower case, letters and digits only.
fn header_key(header: &str) -> String {
    header.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// One import as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ImportSummary {
    pub id: Uuid,
    pub file_name: String,
    pub status: ImportStatus,
    /// Why the file was rejected or the import stopped.
    pub message: Option<String>,
    pub on_duplicate: Option<OnDuplicate>,
    pub total_rows: i64,
    /// Rows found new, matching an existing organization, and with problems, when checked.
    pub new_rows: i64,
    pub duplicate_rows: i64,
    pub invalid_rows: i64,
    pub processed_rows: i64,
    pub created_count: i64,
    pub updated_count: i64,
    pub skipped_count: i64,
    /// Rows that failed while importing (a duplicate that appeared since the check, say).
    pub failed_count: i64,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl ImportSummary {
    /// The status as of `now`: a running import whose heartbeat stopped has stopped.
    pub fn as_of(mut self, now: DateTime<Utc>) -> Self {
        if self.status == ImportStatus::Running && (now - self.updated_at).num_seconds() > IMPORT_STALL_SECONDS {
            self.status = ImportStatus::Failed;
            self.message = Some(format!(
                "The import stopped after {} of {} rows (the server was restarted). The rows before that are \
                 imported; resume to import the rest.",
                self.processed_rows, self.total_rows
            ));
        }
        self
    }

    /// Whether the user can start (or resume) it.
    pub fn can_start(&self) -> bool {
        matches!(self.status, ImportStatus::Ready | ImportStatus::Failed) && self.processed_rows < self.total_rows
    }

    /// Whole per cent of the rows handled so far.
    pub fn percent_done(&self) -> i64 {
        if self.total_rows == 0 { 100 } else { self.processed_rows * 100 / self.total_rows }
    }

    /// Rows the error report lists.
    pub fn error_rows(&self) -> i64 {
        self.invalid_rows + self.failed_count
    }
}

/// One row of the preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// The row number a spreadsheet shows (the header is row 1).
    pub row: u64,
    pub name: String,
    pub city: String,
    pub contact: String,
    pub email: String,
    pub problems: Vec<String>,
    pub duplicate: Option<Duplicate>,
}

/// An existing organization a row matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duplicate {
    pub organization_id: Uuid,
    pub organization_name: String,
    /// "same name and city" or "same email (…)".
    pub reason: String,
}

/// An import with its preview, as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportDetail {
    pub summary: ImportSummary,
    pub preview: ImportPreview,
}

/// A row the import did not bring in, and why (kept as the import runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportFailure {
    pub row: u64,
    pub problem: String,
}

/// What the page shows before the import starts: the first rows and the columns left out.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImportPreview {
    pub rows: Vec<PreviewRow>,
    /// Headers of the file that no column matched (their cells are not imported).
    pub ignored_columns: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_loosely_and_by_common_names() {
        assert_eq!(Column::for_header("Name"), Some(Column::Name));
        assert_eq!(Column::for_header(" organization name "), Some(Column::Name));
        assert_eq!(Column::for_header("ZIP"), Some(Column::PostalCode));
        assert_eq!(Column::for_header("Postal_Code"), Some(Column::PostalCode));
        assert_eq!(Column::for_header("Contact E-mail"), Some(Column::ContactEmail));
        assert_eq!(Column::for_header("Type"), Some(Column::Kind));
        assert_eq!(Column::for_header("Last interaction"), None);
        for column in Column::ALL {
            assert_eq!(Column::for_header(column.header()), Some(column), "{column:?}");
        }
    }

    fn summary(status: ImportStatus, updated_at: DateTime<Utc>) -> ImportSummary {
        ImportSummary {
            id: Uuid::nil(),
            file_name: "a.csv".into(),
            status,
            message: None,
            on_duplicate: None,
            total_rows: 400,
            new_rows: 400,
            duplicate_rows: 0,
            invalid_rows: 0,
            processed_rows: 200,
            created_count: 200,
            updated_count: 0,
            skipped_count: 0,
            failed_count: 0,
            created_by_name: None,
            created_at: updated_at,
            updated_at,
            finished_at: None,
        }
    }

    #[test]
    fn a_running_import_without_a_heartbeat_has_stopped_and_can_resume() {
        let now = Utc::now();
        let fresh = summary(ImportStatus::Running, now - chrono::Duration::seconds(5)).as_of(now);
        assert_eq!(fresh.status, ImportStatus::Running);
        assert!(!fresh.can_start());
        assert_eq!(fresh.percent_done(), 50);
        let stalled = summary(ImportStatus::Running, now - chrono::Duration::minutes(10)).as_of(now);
        assert_eq!(stalled.status, ImportStatus::Failed);
        assert!(stalled.message.unwrap().contains("after 200 of 400 rows"));
        assert!(summary(ImportStatus::Failed, now).can_start());
        assert!(!summary(ImportStatus::Done, now).can_start());
    }
}
