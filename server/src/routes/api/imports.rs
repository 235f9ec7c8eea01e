//! CSV import uploads and their reports: `POST /api/v1/imports` (multipart, field `file`)
//! reads, checks and keeps the file; a browser form is sent on to the import's page, an API
//! client gets the import as JSON. `GET /api/v1/imports/{id}/errors.csv` is the rows that
//! were not imported, with why; `GET /api/v1/imports/template.csv` an empty file to fill.

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use app::error::AppError;
use app::model::FieldErrors;
use app::model::import::{Column, IMPORT_MAX_BYTES};
use app::model::import_file::{FileProblem, megabytes};

use super::ApiError;
use super::access::UserAccess;
use super::export::csv_file;
use super::ids::parse_id;
use crate::security::body_limit::UPLOAD_BODY_LIMIT;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        // The request's size is limited by `security::body_limit`.
        .route("/imports", post(upload).layer(DefaultBodyLimit::disable()))
        .route("/imports/template.csv", get(template))
        .route("/imports/{id}/errors.csv", get(error_report))
}

fn no_file() -> ApiError {
    AppError::invalid(FieldErrors::from([("file".to_owned(), "Choose a CSV file to upload.".to_owned())])).into()
}

/// The uploaded file's name and its bytes, up to the import limit (`Err(size)` past it).
async fn read_file(multipart: &mut Multipart) -> Result<(String, Result<Vec<u8>, usize>), ApiError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        ApiError::from(AppError::invalid(FieldErrors::from([(
            "file".to_owned(),
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                FileProblem::TooLarge { size: format!("over {}", megabytes(UPLOAD_BODY_LIMIT)) }.to_string()
            } else {
                format!("The upload could not be read ({}). Try again.", e.body_text())
            },
        )])))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("upload.csv").to_owned();
        let (mut bytes, mut size) = (Vec::new(), 0);
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            size += chunk.len();
            if size <= IMPORT_MAX_BYTES {
                bytes.extend_from_slice(&chunk);
            }
        }
        if size == 0 && name.is_empty() {
            return Err(no_file());
        }
        return Ok((name, if size > IMPORT_MAX_BYTES { Err(size) } else { Ok(bytes) }));
    }
    Err(no_file())
}

async fn upload(
    UserAccess(access): UserAccess,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    access.check_may_import()?;
    let (name, bytes) = read_file(&mut multipart).await?;
    let id = match bytes {
        Ok(bytes) => access.stage_import(&name, &bytes).await?,
        Err(size) => access.reject_import(&name, &FileProblem::TooLarge { size: megabytes(size) }.to_string()).await?,
    };
    let from_a_page =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"));
    if from_a_page {
        return Ok(Redirect::to(&format!("/organizations/import/{id}")).into_response());
    }
    let detail = access.import_detail(id).await?;
    let location = format!("/api/v1/imports/{id}");
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(detail)).into_response())
}

/// The header row of an import file, and one example row.
async fn template(UserAccess(access): UserAccess) -> Result<Response, ApiError> {
    access.check_may_import()?;
    let header: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
    let example = [
        "Joe's Pizza",
        "B",
        "Casual Dining",
        "Customer",
        "(555) 123-4567",
        "orders@joespizza.com",
        "joespizza.com",
        "12 Main St",
        "Springfield",
        "IL",
        "62701",
        "US",
        "1250000",
        "Sysco",
        "",
        "Family owned since 1962",
        "pizza, late night",
        "Joe",
        "Rossi",
        "Owner",
        "joe@joespizza.com",
        "(555) 123-4568",
        "",
    ];
    csv_file("organizations-import-template", &header, vec![example.iter().map(|c| (*c).to_owned()).collect()])
}

/// The rows not imported: their row number, what is wrong, and the cells as they were (cells
/// a spreadsheet would run as formulas are defused, like every file we write).
async fn error_report(UserAccess(access): UserAccess, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id, "Import")?;
    let (header, rows) = access.import_errors(id).await?;
    let mut columns = vec!["Row", "Problems"];
    columns.extend(header.iter().map(String::as_str));
    let rows = rows
        .into_iter()
        .map(|r| {
            let mut cells = vec![r.row.to_string(), r.problems.join(" ")];
            cells.extend(r.cells);
            cells
        })
        .collect();
    csv_file("import-errors", &columns, rows)
}
