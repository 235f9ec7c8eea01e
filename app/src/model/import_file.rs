//! Reading and checking an uploaded CSV of organizations, with no I/O: the encoding, the
//! delimiter, the header, each row through the same validation as the forms, rows that
//! repeat each other, rows that match an existing organization, and what an update of one
//! changes. Server-only (the `csv` reader stays out of the browser's bundle).

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::contact::{ContactDraft, ContactForm};
use super::enums::{OrganizationKind, Position, Priority, Segment};
use super::import::{Column, Duplicate, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, ImportFailure, PREVIEW_ROWS, PreviewRow};
use super::organization::{OrganizationDraft, OrganizationForm};
use super::user::UserSummary;
use super::validate::search_key;

/// A cell longer than this is taken for a quote left open (it swallowed the rows after it).
const CELL_MAX_CHARS: usize = 10_000;

/// Why a whole file was refused: nothing of it is kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is {size}; one import takes at most 10 MB. Split it into smaller files and import each.")]
    TooLarge { size: String },
    #[error(
        "This is an Excel workbook, not a CSV file. In Excel choose File › Save As › “CSV UTF-8 (Comma \
         delimited)” and upload that file."
    )]
    Workbook,
    #[error(
        "The file is saved as UTF-16 (Excel's “Unicode Text”). Save it as “CSV UTF-8 (Comma delimited)” and \
         upload that file."
    )]
    Utf16,
    #[error(
        "The file is not UTF-8 text: line {line} has a character in another encoding (often Windows-1252, from \
         older versions of Excel). Save it as “CSV UTF-8 (Comma delimited)” and upload it again."
    )]
    NotUtf8 { line: u64 },
    #[error(
        "The first row must name the columns, and one of them must be “Name” (the organization's name). The \
         first row has: {found}."
    )]
    NoNameColumn { found: String },
    #[error("The columns “{first}” and “{second}” both mean “{column}”: keep one of them.")]
    RepeatedColumn { column: &'static str, first: String, second: String },
    #[error("The file has a header but no rows below it.")]
    NoRows,
    #[error("The file has {rows} rows; one import takes at most {IMPORT_MAX_ROWS}. Split it into smaller files.")]
    TooManyRows { rows: usize },
    #[error("Line {line} could not be read: {message}.")]
    Unreadable { line: u64, message: String },
}

/// "12.3 MB" for a size in bytes, rounded up (a file just over the limit never reads as
/// "10.0 MB").
pub fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", (bytes as f64 / (1024.0 * 1024.0) * 10.0).ceil() / 10.0)
}

/// A file read and checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportFile {
    pub header: Vec<String>,
    /// The column each header names (`None`: not imported).
    pub columns: Vec<Option<Column>>,
    pub rows: Vec<ImportRow>,
}

/// One row of the file, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The line of the file it starts on (the header's is 1): the row number a spreadsheet
    /// shows.
    pub row: u64,
    /// The cells as they were, for the error report.
    pub cells: Vec<String>,
    /// The columns with a value in this row: an update changes only those.
    pub given: BTreeSet<Column>,
    /// The organization and its contact, when the row has no problems.
    pub organization: Option<OrganizationDraft>,
    pub contact: Option<ContactDraft>,
    /// Who the organization goes to, as written (an email or a full name).
    pub assigned_to: Option<String>,
    pub problems: Vec<String>,
    /// The existing organization it matches, when checked against the database.
    pub duplicate: Option<Duplicate>,
}

impl ImportRow {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty() && self.organization.is_some()
    }

    /// Records a problem; a row with one is not imported.
    pub fn reject(&mut self, problem: impl Into<String>) {
        self.problems.push(problem.into());
        self.organization = None;
        self.contact = None;
        self.duplicate = None;
    }

    /// Its name and city as compared for duplicates.
    pub fn place_key(&self) -> Option<(String, String)> {
        self.organization.as_ref().map(|o| place_key(&o.name, o.city.as_deref()))
    }

    /// The addresses it brings (the organization's and its contact's), as compared.
    pub fn emails(&self) -> Vec<String> {
        let org = self.organization.as_ref().and_then(|o| o.email.clone());
        let contact = self.contact.as_ref().and_then(|c| c.email.clone());
        let mut emails: Vec<String> = org.into_iter().chain(contact).collect();
        emails.dedup();
        emails
    }
}

/// Name and city as two organizations are compared: case and spacing ignored.
pub fn place_key(name: &str, city: Option<&str>) -> (String, String) {
    (search_key(name), city.map(search_key).unwrap_or_default())
}

impl ImportFile {
    /// Headers no column matched.
    pub fn ignored_columns(&self) -> Vec<String> {
        self.header.iter().zip(&self.columns).filter(|(_, c)| c.is_none()).map(|(h, _)| h.clone()).collect()
    }

    /// The first rows as the page shows them.
    pub fn preview(&self) -> Vec<PreviewRow> {
        self.rows.iter().take(PREVIEW_ROWS).map(|row| self.preview_row(row)).collect()
    }

    fn cell(&self, row: &ImportRow, column: Column) -> String {
        self.columns
            .iter()
            .position(|c| *c == Some(column))
            .and_then(|i| row.cells.get(i))
            .map(|cell| cell.trim().to_owned())
            .unwrap_or_default()
    }

    fn preview_row(&self, row: &ImportRow) -> PreviewRow {
        let contact = [self.cell(row, Column::ContactFirstName), self.cell(row, Column::ContactLastName)]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let email = Some(self.cell(row, Column::ContactEmail))
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| self.cell(row, Column::Email));
        PreviewRow {
            row: row.row,
            name: self.cell(row, Column::Name),
            city: self.cell(row, Column::City),
            contact,
            email,
            problems: row.problems.clone(),
            duplicate: row.duplicate.clone(),
        }
    }
}

/// A row of the error report: its number, what is wrong with it, its cells as they were.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRow {
    pub row: u64,
    pub problems: Vec<String>,
    pub cells: Vec<String>,
}

impl ImportFile {
    /// The rows not imported, in file order: those refused when checked and those that
    /// failed while importing.
    pub fn error_rows(&self, failures: &[ImportFailure]) -> Vec<ErrorRow> {
        let mut failed: HashMap<u64, Vec<String>> = HashMap::new();
        for f in failures {
            failed.entry(f.row).or_default().push(f.problem.clone());
        }
        self.rows
            .iter()
            .filter_map(|row| {
                let mut problems = row.problems.clone();
                problems.extend(failed.remove(&row.row).unwrap_or_default());
                (!problems.is_empty()).then(|| ErrorRow { row: row.row, problems, cells: row.cells.clone() })
            })
            .collect()
    }
}

/// Reads an uploaded file: UTF-8 (a byte-order mark is fine), comma, semicolon or tab
/// separated, the first row naming the columns. Each row is checked on its own; only a
/// problem with the whole file refuses it.
pub fn read_import_file(bytes: &[u8]) -> Result<ImportFile, FileProblem> {
    if bytes.len() > IMPORT_MAX_BYTES {
        return Err(FileProblem::TooLarge { size: megabytes(bytes.len()) });
    }
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(guess_delimiter(text))
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let unreadable =
        |e: csv::Error| FileProblem::Unreadable { line: e.position().map_or(0, |p| p.line()), message: e.to_string() };
    let header = loop {
        match records.next() {
            None => return Err(FileProblem::Empty),
            Some(record) => {
                let record = record.map_err(unreadable)?;
                if !is_blank(&record) {
                    break record.iter().map(|h| h.trim().to_owned()).collect::<Vec<_>>();
                }
            }
        }
    };
    let columns = read_header(&header)?;
    let mut rows = Vec::new();
    let mut seen = 0;
    let mut lines = LineCounter::new(text);
    for record in records {
        let record = record.map_err(unreadable)?;
        if is_blank(&record) {
            continue;
        }
        seen += 1;
        if seen <= IMPORT_MAX_ROWS {
            // The line the row starts on: the row number a spreadsheet shows, unless an
            // earlier cell spans lines.
            let line = record.position().map_or(seen as u64 + 1, |p| lines.line_of(p.byte()));
            rows.push(check_row(line, &columns, record.iter().map(str::to_owned).collect()));
        }
    }
    if seen > IMPORT_MAX_ROWS {
        return Err(FileProblem::TooManyRows { rows: seen });
    }
    if rows.is_empty() {
        return Err(FileProblem::NoRows);
    }
    mark_repeats(&mut rows);
    Ok(ImportFile { header, columns, rows })
}

fn decode(bytes: &[u8]) -> Result<&str, FileProblem> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(FileProblem::Workbook);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(FileProblem::Utf16);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        FileProblem::NotUtf8 { line }
    })?;
    if text.contains('\0') {
        // UTF-16 without its byte-order mark: every other byte is zero.
        return Err(FileProblem::Utf16);
    }
    if text.trim().is_empty() {
        return Err(FileProblem::Empty);
    }
    Ok(text)
}

/// The separator of the first line: a comma unless semicolons (Excel in much of Europe) or
/// tabs outnumber commas there.
fn guess_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
    let count = |c: char| first.matches(c).count();
    [(',', count(',')), (';', count(';')), ('\t', count('\t'))]
        .into_iter()
        .max_by_key(|(c, n)| (*n, *c == ','))
        .map_or(b',', |(c, _)| c as u8)
}

/// Line numbers of records, counted forward as the file is read (records come in order).
struct LineCounter<'a> {
    text: &'a str,
    byte: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter { text, byte: 0, line: 1 }
    }

    /// The line a record starting at `byte` begins on. (The reader places a record after
    /// blank lines at the start of those lines.)
    fn line_of(&mut self, byte: u64) -> u64 {
        let byte = (byte as usize).clamp(self.byte, self.text.len());
        let newlines = |s: &str| s.bytes().filter(|b| *b == b'\n').count() as u64;
        self.line += newlines(&self.text[self.byte..byte]);
        self.byte = byte;
        let after = &self.text[byte..];
        let blank = after.len() - after.trim_start_matches(['\r', '\n']).len();
        self.line + newlines(&after[..blank])
    }
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|cell| cell.trim().is_empty())
}

fn read_header(header: &[String]) -> Result<Vec<Option<Column>>, FileProblem> {
    let columns: Vec<Option<Column>> = header.iter().map(|h| Column::for_header(h)).collect();
    for (i, column) in columns.iter().enumerate() {
        let Some(column) = column else { continue };
        if let Some(j) = columns[..i].iter().position(|c| c == &Some(*column)) {
            return Err(FileProblem::RepeatedColumn {
                column: column.header(),
                first: header[j].clone(),
                second: header[i].clone(),
            });
        }
    }
    if !columns.contains(&Some(Column::Name)) {
        let found = header.iter().map(|h| format!("“{h}”")).collect::<Vec<_>>().join(", ");
        return Err(FileProblem::NoNameColumn { found });
    }
    Ok(columns)
}

/// A cell a spreadsheet would run as a formula is refused. The apostrophe our own export
/// puts before such a cell is taken back off, and a phone number may start with `+`.
fn formula_free(column: Column, cell: &str) -> Result<String, String> {
    let starts_formula = |text: &str| matches!(text.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'));
    if let Some(rest) = cell.strip_prefix('\'').filter(|rest| starts_formula(rest)) {
        return Ok(rest.to_owned());
    }
    match cell.chars().next() {
        Some('+') if column.is_phone() => Ok(cell.to_owned()),
        Some(first) if starts_formula(cell) => {
            let shown = match first {
                '\t' => "a tab".to_owned(),
                '\r' => "a line break".to_owned(),
                c => format!("“{c}”"),
            };
            Err(format!(
                "{}: the cell starts with {shown}, which a spreadsheet runs as a formula. Remove it, or put an \
                 apostrophe (') before it to keep it as text.",
                column.header()
            ))
        }
        _ => Ok(cell.to_owned()),
    }
}

/// The code of an enum value written as its code or its label; anything else is passed on
/// for the form's check to name.
fn code_of<T: Copy>(text: &str, find: fn(&str) -> Option<T>, code: fn(T) -> &'static str) -> String {
    find(text).map_or_else(|| text.trim().to_owned(), |v| code(v).to_owned())
}

/// The column a form field came from, to name it in a problem.
fn column_of_field(field: &str, contact: bool) -> Option<Column> {
    Some(match (field, contact) {
        ("name", false) => Column::Name,
        ("priority", _) => Column::Priority,
        ("segment", _) => Column::Segment,
        ("kind", _) => Column::Kind,
        ("phone", false) => Column::Phone,
        ("email", false) => Column::Email,
        ("website", _) => Column::Website,
        ("street", _) => Column::Street,
        ("city", _) => Column::City,
        ("region", _) => Column::Region,
        ("postal_code", _) => Column::PostalCode,
        ("country", _) => Column::Country,
        ("annual_revenue", _) => Column::AnnualRevenue,
        ("distributor", _) => Column::Distributor,
        ("notes", false) => Column::Notes,
        ("tags", _) => Column::Tags,
        ("first_name", true) => Column::ContactFirstName,
        ("last_name", true) => Column::ContactLastName,
        ("position", true) => Column::ContactPosition,
        ("email", true) => Column::ContactEmail,
        ("phone", true) => Column::ContactPhone,
        ("mobile", true) => Column::ContactMobile,
        _ => return None,
    })
}

fn field_problem(field: &str, message: String, contact: bool) -> String {
    match column_of_field(field, contact) {
        Some(column) if !message.to_lowercase().starts_with(&column.header().to_lowercase()) => {
            format!("{}: {message}", column.header())
        }
        _ => message,
    }
}

fn check_row(row: u64, columns: &[Option<Column>], cells: Vec<String>) -> ImportRow {
    let mut problems = Vec::new();
    if cells.len() != columns.len() {
        problems.push(format!(
            "The row has {} cells where the header has {}. A value with a comma in it must be in double quotes.",
            cells.len(),
            columns.len()
        ));
    }
    let mut values: HashMap<Column, String> = HashMap::new();
    for (cell, column) in cells.iter().zip(columns) {
        let Some(column) = *column else { continue };
        if cell.chars().count() > CELL_MAX_CHARS {
            problems.push(format!(
                "{}: the cell is longer than {CELL_MAX_CHARS} characters. Is a double quote left open on this row?",
                column.header()
            ));
            continue;
        }
        match formula_free(column, cell) {
            Ok(value) if !value.trim().is_empty() => {
                values.insert(column, value);
            }
            Ok(_) => {}
            Err(problem) => problems.push(problem),
        }
    }
    let get = |column: Column| values.get(&column).cloned().unwrap_or_default();
    let org_form = OrganizationForm {
        name: get(Column::Name),
        priority: code_of(&get(Column::Priority), Priority::from_code_or_label, Priority::code),
        segment: code_of(&get(Column::Segment), Segment::from_code_or_label, Segment::code),
        kind: code_of(&get(Column::Kind), OrganizationKind::from_code_or_label, OrganizationKind::code),
        phone: get(Column::Phone),
        email: get(Column::Email),
        website: get(Column::Website),
        street: get(Column::Street),
        city: get(Column::City),
        region: get(Column::Region),
        postal_code: get(Column::PostalCode),
        country: get(Column::Country),
        annual_revenue: get(Column::AnnualRevenue),
        distributor: get(Column::Distributor),
        notes: get(Column::Notes),
        tags: get(Column::Tags),
        ..OrganizationForm::default()
    };
    let organization = org_form
        .to_draft()
        .map_err(|errors| problems.extend(errors.into_iter().map(|(f, m)| field_problem(&f, m, false))))
        .ok();
    let contact = if values.keys().any(|c| c.is_contact()) {
        let form = ContactForm {
            organization_id: Uuid::nil().to_string(),
            first_name: get(Column::ContactFirstName),
            last_name: get(Column::ContactLastName),
            position: code_of(&get(Column::ContactPosition), Position::from_code_or_label, Position::code),
            email: get(Column::ContactEmail),
            phone: get(Column::ContactPhone),
            mobile: get(Column::ContactMobile),
            is_primary: "on".into(),
            ..ContactForm::default()
        };
        form.to_draft()
            .map_err(|errors| problems.extend(errors.into_iter().map(|(f, m)| field_problem(&f, m, true))))
            .ok()
    } else {
        None
    };
    let mut row = ImportRow {
        row,
        given: values.keys().copied().collect(),
        assigned_to: values.get(&Column::AssignedTo).map(|a| a.trim().to_owned()),
        cells,
        organization,
        contact,
        problems: Vec::new(),
        duplicate: None,
    };
    for problem in problems {
        row.reject(problem);
    }
    row
}

/// Rows that repeat an earlier row of the file (same name and city, or same email) are
/// refused: only the first of them is imported.
fn mark_repeats(rows: &mut [ImportRow]) {
    let mut places: HashMap<(String, String), u64> = HashMap::new();
    let mut emails: HashMap<String, u64> = HashMap::new();
    for row in rows.iter_mut().filter(|r| r.is_valid()) {
        let place = row.place_key().unwrap_or_default();
        if let Some(first) = places.get(&place) {
            row.reject(format!("Same name and city as row {first}: only the first of them is imported."));
            continue;
        }
        let row_emails = row.emails();
        if let Some((email, first)) = row_emails.iter().find_map(|e| emails.get(e).map(|first| (e, *first))) {
            row.reject(format!("Same email ({email}) as row {first}: only the first of them is imported."));
            continue;
        }
        places.insert(place, row.row);
        for email in row_emails {
            emails.insert(email, row.row);
        }
    }
}

/// An existing organization as duplicates are looked for: by name and city, by its own
/// email, or by the email of one of its contacts.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingOrganization {
    pub id: Uuid,
    pub name: String,
    pub city: Option<String>,
    pub emails: Vec<String>,
}

/// The existing organizations, indexed the way rows are compared with them.
#[derive(Debug, Default)]
pub struct ExistingIndex {
    by_place: HashMap<(String, String), (Uuid, String)>,
    by_email: HashMap<String, (Uuid, String)>,
}

impl ExistingIndex {
    pub fn new(existing: impl IntoIterator<Item = ExistingOrganization>) -> Self {
        let mut index = ExistingIndex::default();
        for org in existing {
            let named = (org.id, org.name.clone());
            index.by_place.entry(place_key(&org.name, org.city.as_deref())).or_insert_with(|| named.clone());
            for email in org.emails {
                index.by_email.entry(email).or_insert_with(|| named.clone());
            }
        }
        index
    }

    /// The organization `row` matches, if any.
    pub fn duplicate_of(&self, row: &ImportRow) -> Option<Duplicate> {
        let found = |(id, name): &(Uuid, String), reason: String| Duplicate {
            organization_id: *id,
            organization_name: name.clone(),
            reason,
        };
        if let Some(existing) = row.place_key().and_then(|key| self.by_place.get(&key)) {
            return Some(found(existing, "same name and city".into()));
        }
        row.emails().into_iter().find_map(|email| {
            self.by_email.get(&email).map(|existing| found(existing, format!("same email ({email})")))
        })
    }
}

/// The user an "Assigned to" cell names: an active user by email, or by full name when only
/// one has it.
pub fn resolve_assignee(text: &str, users: &[UserSummary]) -> Result<Uuid, String> {
    let wanted = search_key(text);
    let active = users.iter().filter(|u| u.is_active);
    if let Some(user) = active.clone().find(|u| u.email == wanted) {
        return Ok(user.id);
    }
    let named: Vec<&UserSummary> = active.filter(|u| search_key(&u.full_name) == wanted).collect();
    match named.as_slice() {
        [user] => Ok(user.id),
        [] => Err(format!(
            "Assigned to: there is no active user “{}”. Write the email of a user listed under Users.",
            text.trim()
        )),
        _ => Err(format!("Assigned to: more than one user is called “{}”; write their email instead.", text.trim())),
    }
}

/// The existing organization with the row's values put over it: only the columns the row
/// fills change, and tags are added to the ones it has.
pub fn merged_organization(existing: OrganizationDraft, row: &ImportRow) -> OrganizationDraft {
    let Some(new) = &row.organization else { return existing };
    let given = |c: Column| row.given.contains(&c);
    let pick = |c: Column, new: &Option<String>, old: Option<String>| if given(c) { new.clone() } else { old };
    let mut tags = existing.tags.clone();
    for tag in &new.tags {
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            tags.push(tag.clone());
        }
    }
    OrganizationDraft {
        name: if given(Column::Name) { new.name.clone() } else { existing.name },
        priority: if given(Column::Priority) { new.priority } else { existing.priority },
        segment: if given(Column::Segment) { new.segment } else { existing.segment },
        kind: if given(Column::Kind) { new.kind } else { existing.kind },
        phone: pick(Column::Phone, &new.phone, existing.phone),
        email: pick(Column::Email, &new.email, existing.email),
        website: pick(Column::Website, &new.website, existing.website),
        street: pick(Column::Street, &new.street, existing.street),
        city: pick(Column::City, &new.city, existing.city),
        region: pick(Column::Region, &new.region, existing.region),
        postal_code: pick(Column::PostalCode, &new.postal_code, existing.postal_code),
        country: pick(Column::Country, &new.country, existing.country),
        annual_revenue_cents: if given(Column::AnnualRevenue) {
            new.annual_revenue_cents
        } else {
            existing.annual_revenue_cents
        },
        distributor: pick(Column::Distributor, &new.distributor, existing.distributor),
        assigned_user_id: if given(Column::AssignedTo) { new.assigned_user_id } else { existing.assigned_user_id },
        notes: pick(Column::Notes, &new.notes, existing.notes),
        tags,
    }
}

/// An existing contact with the row's contact values put over it (it keeps its place as
/// primary or not, and what the file has no column for).
pub fn merged_contact(existing: ContactDraft, row: &ImportRow) -> ContactDraft {
    let Some(new) = &row.contact else { return existing };
    let given = |c: Column| row.given.contains(&c);
    let pick = |c: Column, new: &Option<String>, old: Option<String>| if given(c) { new.clone() } else { old };
    ContactDraft {
        first_name: if given(Column::ContactFirstName) { new.first_name.clone() } else { existing.first_name },
        last_name: pick(Column::ContactLastName, &new.last_name, existing.last_name),
        position: if given(Column::ContactPosition) { new.position } else { existing.position },
        email: pick(Column::ContactEmail, &new.email, existing.email),
        phone: pick(Column::ContactPhone, &new.phone, existing.phone),
        mobile: pick(Column::ContactMobile, &new.mobile, existing.mobile),
        ..existing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    const HEADER: &str = "Name,City,Priority,Segment,Type,Phone,Contact first name,Contact last name,Contact email";

    fn read(body: &str) -> ImportFile {
        read_import_file(format!("{HEADER}\n{body}").as_bytes()).unwrap()
    }

    #[test]
    fn a_good_row_becomes_an_organization_with_its_primary_contact() {
        let file = read("Joe's Pizza,Springfield,a,Casual Dining,customer,(555) 123-4567,Joe,Rossi,JOE@joes.com\n");
        let row = &file.rows[0];
        assert_eq!(row.row, 2);
        assert!(row.is_valid(), "{:?}", row.problems);
        let org = row.organization.as_ref().unwrap();
        assert_eq!(org.priority, Priority::A);
        assert_eq!(org.segment, Some(Segment::CasualDining));
        assert_eq!(org.kind, OrganizationKind::Customer);
        assert_eq!(org.phone.as_deref(), Some("+15551234567"));
        let contact = row.contact.as_ref().unwrap();
        assert_eq!(contact.email.as_deref(), Some("joe@joes.com"));
        assert!(contact.is_primary);
        assert!(!row.given.contains(&Column::Notes));
        assert!(row.given.contains(&Column::Priority));
    }

    #[test]
    fn each_bad_row_says_what_is_wrong_and_the_good_rows_stay() {
        let file = read(
            "Good,Paris,,,,,,,\n\
             ,Lyon,Z,,,12,,,\n\
             No contact name,Nice,,,,,,Rossi,x@\n\
             Short row,Metz\n",
        );
        assert!(file.rows[0].is_valid());
        let bad = &file.rows[1].problems;
        assert!(bad.contains(&"Name is required.".to_owned()), "{bad:?}");
        assert!(bad.iter().any(|p| p.starts_with("Priority: “Z” is not a valid priority")), "{bad:?}");
        assert!(bad.iter().any(|p| p.starts_with("Phone: ")), "{bad:?}");
        let contact = &file.rows[2].problems;
        assert!(contact.iter().any(|p| p.starts_with("Contact first name: ")), "{contact:?}");
        assert!(contact.iter().any(|p| p.starts_with("Contact email: ")), "{contact:?}");
        assert!(file.rows[3].problems[0].contains("has 2 cells where the header has 9"));
        assert_eq!(file.rows.iter().filter(|r| r.is_valid()).count(), 1);
    }

    #[test]
    fn formula_cells_are_refused_but_phones_and_our_own_export_are_not() {
        let file = read(
            "=HYPERLINK(\"http://evil\"),Paris,,,,,,,\n\
             Café,@SUM(A1),,,,,,,\n\
             Bistro,Rome,,,,+39 06 1234 5678,,,\n\
             '=Equals Bar,Oslo,,,,,,,\n",
        );
        assert!(file.rows[0].problems[0].starts_with("Name: the cell starts with “=”"), "{:?}", file.rows[0]);
        assert!(file.rows[1].problems[0].starts_with("City: the cell starts with “@”"));
        assert!(file.rows[2].is_valid(), "{:?}", file.rows[2].problems);
        assert_eq!(file.rows[3].organization.as_ref().unwrap().name, "=Equals Bar");
    }

    #[test]
    fn whole_file_problems_refuse_the_file() {
        assert_eq!(read_import_file(b""), Err(FileProblem::Empty));
        assert_eq!(read_import_file(b"\xEF\xBB\xBF \n"), Err(FileProblem::Empty));
        assert_eq!(read_import_file(b"PK\x03\x04rest"), Err(FileProblem::Workbook));
        assert_eq!(read_import_file(b"\xFF\xFEN\0a\0"), Err(FileProblem::Utf16));
        assert_eq!(read_import_file(b"Name\nCaf\xE9 Rouge\n"), Err(FileProblem::NotUtf8 { line: 2 }));
        assert!(matches!(read_import_file(b"Firm,Town\nA,B\n"), Err(FileProblem::NoNameColumn { .. })));
        assert!(matches!(read_import_file(b"Name,City\n"), Err(FileProblem::NoRows)));
        assert!(matches!(
            read_import_file(b"Name,Organization\nA,B\n"),
            Err(FileProblem::RepeatedColumn { column: "Name", .. })
        ));
        let big = vec![b'a'; IMPORT_MAX_BYTES + 1];
        assert_eq!(read_import_file(&big), Err(FileProblem::TooLarge { size: "10.1 MB".into() }));
        let many = format!("Name\n{}", "x\n".repeat(IMPORT_MAX_ROWS + 1));
        assert_eq!(read_import_file(many.as_bytes()), Err(FileProblem::TooManyRows { rows: IMPORT_MAX_ROWS + 1 }));
        let message = FileProblem::NotUtf8 { line: 2 }.to_string();
        assert!(message.contains("line 2") && message.contains("CSV UTF-8"));
    }

    #[test]
    fn bom_semicolons_quotes_and_blank_lines_are_read() {
        let file =
            read_import_file("\u{feff}Name;City;Notes\n\n\"Dupont; fils\";Lyon;\"two\nlines\"\n".as_bytes()).unwrap();
        assert_eq!(file.rows.len(), 1);
        assert_eq!(file.rows[0].row, 3);
        let org = file.rows[0].organization.as_ref().unwrap();
        assert_eq!(org.name, "Dupont; fils");
        assert_eq!(org.notes.as_deref(), Some("two\nlines"));
        let tabs = read_import_file(b"Name\tZIP\tExtra\nA\t12345\tx\n").unwrap();
        assert_eq!(tabs.rows[0].organization.as_ref().unwrap().postal_code.as_deref(), Some("12345"));
        assert_eq!(tabs.ignored_columns(), vec!["Extra"]);
    }

    #[test]
    fn an_open_quote_that_swallows_the_file_is_named() {
        let body = format!("Name,Notes\nA,\"never closed\n{}", "more,rows\n".repeat(2_000));
        let file = read_import_file(body.as_bytes()).unwrap();
        assert!(file.rows[0].problems.iter().any(|p| p.contains("double quote left open")), "{:?}", file.rows[0]);
    }

    #[test]
    fn rows_repeating_an_earlier_row_are_refused() {
        let file = read(
            "Joe's,Springfield,,,,,Jo,,a@x.com\n\
             JOE'S , springfield,,,,,,,\n\
             Other,Elsewhere,,,,,Al,,A@X.com\n\
             Joe's,Shelbyville,,,,,,,\n",
        );
        assert!(file.rows[0].is_valid());
        assert!(file.rows[1].problems[0].starts_with("Same name and city as row 2"));
        assert!(file.rows[2].problems[0].starts_with("Same email (a@x.com) as row 2"));
        assert!(file.rows[3].is_valid());
    }

    #[test]
    fn duplicates_of_existing_organizations_are_found_by_place_then_email() {
        let file = read("Joe's,Springfield,,,,,Jo,,new@x.com\nCafé,Paris,,,,,Al,,old@x.com\nNew,Place,,,,,,,\n");
        let existing = ExistingIndex::new([
            ExistingOrganization {
                id: Uuid::from_u128(1),
                name: "joe's".into(),
                city: Some("SPRINGFIELD".into()),
                emails: vec![],
            },
            ExistingOrganization {
                id: Uuid::from_u128(2),
                name: "Le Café".into(),
                city: None,
                emails: vec!["old@x.com".into()],
            },
        ]);
        let first = existing.duplicate_of(&file.rows[0]).unwrap();
        assert_eq!((first.organization_id, first.reason.as_str()), (Uuid::from_u128(1), "same name and city"));
        let second = existing.duplicate_of(&file.rows[1]).unwrap();
        assert_eq!(second.organization_name, "Le Café");
        assert_eq!(second.reason, "same email (old@x.com)");
        assert_eq!(existing.duplicate_of(&file.rows[2]), None);
    }

    #[test]
    fn assignees_are_found_by_email_or_a_unique_name() {
        let user = |n: u128, name: &str, email: &str, active: bool| UserSummary {
            id: Uuid::from_u128(n),
            full_name: name.into(),
            email: email.into(),
            role: Role::SalesRep,
            is_active: active,
        };
        let users = [
            user(1, "Sam Rep", "sam@x.com", true),
            user(2, "Kim Lee", "kim1@x.com", true),
            user(3, "Kim Lee", "kim2@x.com", true),
            user(4, "Gone Rep", "gone@x.com", false),
        ];
        assert_eq!(resolve_assignee(" SAM@x.com", &users), Ok(Uuid::from_u128(1)));
        assert_eq!(resolve_assignee("sam rep", &users), Ok(Uuid::from_u128(1)));
        assert_eq!(resolve_assignee("kim2@x.com", &users), Ok(Uuid::from_u128(3)));
        assert!(resolve_assignee("Kim Lee", &users).unwrap_err().contains("more than one"));
        assert!(resolve_assignee("gone@x.com", &users).unwrap_err().contains("no active user"));
    }

    #[test]
    fn an_update_changes_only_the_columns_the_row_fills() {
        let file = read_import_file(b"Name,City,Priority,Notes,Tags\nJoe's,Springfield,A,,Late night\n").unwrap();
        let existing = OrganizationDraft {
            name: "Joe's".into(),
            city: Some("Springfield".into()),
            phone: Some("+15551234567".into()),
            notes: Some("Keep me".into()),
            tags: vec!["pizza".into()],
            ..Default::default()
        };
        let merged = merged_organization(existing, &file.rows[0]);
        assert_eq!(merged.priority, Priority::A);
        assert_eq!(merged.phone.as_deref(), Some("+15551234567"));
        assert_eq!(merged.notes.as_deref(), Some("Keep me"));
        assert_eq!(merged.tags, vec!["pizza", "Late night"]);

        let file = read("Joe's,Springfield,,,,,Joseph,,\n");
        let contact = ContactDraft {
            first_name: "Joe".into(),
            last_name: Some("Rossi".into()),
            email: Some("joe@x.com".into()),
            is_primary: false,
            ..Default::default()
        };
        let merged = merged_contact(contact, &file.rows[0]);
        assert_eq!(merged.first_name, "Joseph");
        assert_eq!(merged.last_name.as_deref(), Some("Rossi"));
        assert_eq!(merged.email.as_deref(), Some("joe@x.com"));
        assert!(!merged.is_primary);
    }

    #[test]
    fn the_error_report_lists_refused_and_failed_rows_in_file_order() {
        let file = read("Good,Paris,,,,,,,\n,Lyon,,,,,,,\nAlso good,Nice,,,,,,,\n");
        let failures = [ImportFailure { row: 4, problem: "Matched a deleted record".into() }];
        let report = file.error_rows(&failures);
        assert_eq!(report.iter().map(|r| r.row).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(report[0].problems, vec!["Name is required.".to_owned()]);
        assert_eq!(report[0].cells[1], "Lyon");
        assert_eq!(report[1].problems, vec!["Matched a deleted record".to_owned()]);
    }

    #[test]
    fn the_preview_shows_the_first_rows_as_written() {
        let file = read(",Lyon,,,,,Ann,Bee,ann@x.com\n");
        let preview = file.preview();
        assert_eq!(preview[0].city, "Lyon");
        assert_eq!(preview[0].contact, "Ann Bee");
        assert_eq!(preview[0].email, "ann@x.com");
        assert_eq!(preview[0].problems, vec!["Name is required.".to_owned()]);
    }
}
