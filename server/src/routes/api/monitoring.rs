//! `GET /api/v1/monitoring?period=1h|24h|7d&format=json|csv`: everything the monitoring
//! dashboard shows, to export (managers and administrators).

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use app::api::monitoring::MonitoringDesk;
use app::error::AppError;
use app::model::monitoring::{Period, export_rows};

use super::{ApiError, access::Monitor};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/monitoring", get(export))
}

#[derive(Deserialize)]
struct ExportQuery {
    period: Option<String>,
    format: Option<String>,
}

async fn export(
    Monitor(user): Monitor,
    State(state): State<AppState>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let period = Period::parse(query.period.as_deref()).map_err(AppError::bad_request)?;
    let csv = match query.format.as_deref().map(str::trim) {
        None | Some("" | "json") => false,
        Some("csv") => true,
        Some(other) => return Err(AppError::bad_request(format!("format must be json or csv (got “{other}”)")).into()),
    };
    let overview = MonitoringDesk::overview(&state, user, period).await?;
    if !csv {
        return Ok(Json(overview).into_response());
    }
    let body = rows_csv(&export_rows(&overview)).map_err(|e| app::incidents::internal("monitoring CSV failed", &e))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let filename = format!("attachment; filename=\"monitoring-{}.csv\"", period.label());
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

fn rows_csv(rows: &[[String; 4]]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["section", "item", "measure", "value"])?;
    for row in rows {
        writer.write_record(row)?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
