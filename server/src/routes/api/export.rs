//! CSV export of the lists, as filtered on screen: `GET /api/v1/organizations.csv?…` and
//! `GET /api/v1/interactions.csv?…` take the same query as the list pages and answer every
//! matching row (up to [`EXPORT_MAX_ROWS`]) the user may see. Cells that a spreadsheet would
//! run as a formula are defused.

use axum::Router;
use axum::extract::RawQuery;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use app::components::format::date_time;
use app::model::query::MAX_PER_PAGE;
use app::model::validate::format_phone;
use app::model::{InteractionQuery, OrganizationQuery};

use super::json::query_pairs;
use super::{ApiError, access::UserAccess};
use crate::state::AppState;

/// The most rows one export holds.
pub const EXPORT_MAX_ROWS: usize = 100_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/organizations.csv", get(organizations)).route("/interactions.csv", get(interactions))
}

/// A cell a spreadsheet shows as text: one that would start a formula (`=`, `+`, `-`, `@`,
/// or a tab or carriage return before one) gets a leading apostrophe (OWASP's advice).
pub fn safe_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// The file, with a byte-order mark so spreadsheets read it as UTF-8.
pub(super) fn csv_file(name: &str, header: &[&str], rows: Vec<Vec<String>>) -> Result<Response, ApiError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let internal = |e: csv::Error| ApiError::from(app::error::AppError::Internal { reference: format!("csv: {e}") });
    writer.write_record(header).map_err(internal)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| safe_cell(cell))).map_err(internal)?;
    }
    let body = writer.into_inner().map_err(|e| internal(e.into_error().into()))?;
    let file = format!("{name}-{}.csv", app::store::now().date_naive());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        body,
    )
        .into_response())
}

/// Every page of a list (pages of the largest size), up to [`EXPORT_MAX_ROWS`] rows.
async fn all_pages<T, F, Fut>(mut read: F) -> Result<Vec<T>, ApiError>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, app::store::StoreError>>,
{
    let mut rows = Vec::new();
    for page in 1.. {
        let items = read(page).await?;
        let done = items.len() < MAX_PER_PAGE as usize;
        rows.extend(items);
        if done || rows.len() >= EXPORT_MAX_ROWS {
            break;
        }
    }
    rows.truncate(EXPORT_MAX_ROWS);
    Ok(rows)
}

fn bad_query(fields: app::model::FieldErrors) -> ApiError {
    app::error::AppError::invalid(fields).into()
}

async fn organizations(UserAccess(access): UserAccess, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let query =
        OrganizationQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(bad_query)?;
    let organizations = all_pages(|page| {
        let query = OrganizationQuery { page, per_page: MAX_PER_PAGE, ..query.clone() };
        let access = access.clone();
        async move { Ok(access.list_organizations(&query).await?.page.items) }
    })
    .await?;
    let rows = organizations
        .into_iter()
        .map(|o| {
            vec![
                o.name,
                o.priority.code().to_owned(),
                o.segment.map(|s| s.label().to_owned()).unwrap_or_default(),
                o.kind.label().to_owned(),
                o.city.unwrap_or_default(),
                o.region.unwrap_or_default(),
                o.phone.as_deref().map(format_phone).unwrap_or_default(),
                o.assigned_user_name.unwrap_or_default(),
                o.contact_count.to_string(),
                o.last_interaction_at.map(date_time).unwrap_or_default(),
                o.next_follow_up_at.map(|at| at.date_naive().to_string()).unwrap_or_default(),
                o.id.to_string(),
            ]
        })
        .collect();
    let header = [
        "Name",
        "Priority",
        "Segment",
        "Type",
        "City",
        "Region",
        "Phone",
        "Assigned to",
        "Contacts",
        "Last interaction",
        "Next follow-up",
        "Id",
    ];
    csv_file("organizations", &header, rows)
}

async fn interactions(UserAccess(access): UserAccess, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let me = access.user().id.to_string();
    let pairs: Vec<(String, String)> = query_pairs(query.as_deref())
        .into_iter()
        .map(|(k, v)| if k == "user" && v == "me" { (k, me.clone()) } else { (k, v) })
        .collect();
    let query = InteractionQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(bad_query)?;
    let interactions = all_pages(|page| {
        let query = InteractionQuery { page, per_page: MAX_PER_PAGE, ..query.clone() };
        let access = access.clone();
        async move { access.interactions(&query).await }
    })
    .await?;
    let rows = interactions
        .into_iter()
        .map(|item| {
            let contact = item.contact_name().unwrap_or_default();
            let i = item.interaction;
            let follow_up_on = i.follow_up_on().map(|d| d.to_string()).unwrap_or_default();
            vec![
                date_time(i.occurred_at),
                item.organization_name,
                contact,
                i.kind.label().to_owned(),
                i.outcome.map(|o| o.label().to_owned()).unwrap_or_default(),
                i.duration_minutes.map(|m| m.to_string()).unwrap_or_default(),
                i.notes.unwrap_or_default(),
                follow_up_on,
                i.follow_up_notes.unwrap_or_default(),
                if i.follow_up_done { "yes".into() } else { String::new() },
                item.author_name.unwrap_or_default(),
                i.id.to_string(),
            ]
        })
        .collect();
    let header = [
        "When",
        "Organization",
        "Contact",
        "Kind",
        "Outcome",
        "Minutes",
        "Notes",
        "Follow up on",
        "Next step",
        "Follow-up done",
        "Logged by",
        "Id",
    ];
    csv_file("interactions", &header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_run_as_formulas_are_defused() {
        assert_eq!(safe_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(safe_cell("+1 555"), "'+1 555");
        assert_eq!(safe_cell("-2"), "'-2");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("\t=1"), "'\t=1");
        assert_eq!(safe_cell("Joe's Pizza"), "Joe's Pizza");
        assert_eq!(safe_cell(""), "");
    }

    #[tokio::test]
    async fn files_start_with_a_byte_order_mark_and_quote_what_needs_it() {
        let rows = vec![vec!["x, y".into(), "say \"hi\"".into()], vec!["=1+2".into(), "two\nlines".into()]];
        let response = csv_file("t", &["A", "B"], rows).unwrap();
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        let disposition = response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment; filename=\"t-"), "{disposition}");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let expected = "\u{feff}A,B\n\"x, y\",\"say \"\"hi\"\"\"\n'=1+2,\"two\nlines\"\n";
        assert_eq!(std::str::from_utf8(&body).unwrap(), expected);
    }
}
