//! `/api/v1/organizations`: list, create, read, replace (PUT), change (PATCH), delete,
//! restore, and an organization's contacts and history.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use app::model::{ContactQuery, OrganizationDraft, OrganizationQuery};

use super::json::{merged, object, query_pairs, query_version, take_id, take_version, typed};
use super::{ApiError, access::UserAccess, ids::parse_id};
use crate::state::AppState;

const WHAT: &str = "Organization";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(list).post(create))
        .route("/organizations/{id}", get(show).put(replace).patch(change).delete(delete))
        .route("/organizations/{id}/restore", post(restore))
        .route("/organizations/{id}/contacts", get(contacts))
        .route("/organizations/{id}/history", get(history))
}

async fn list(UserAccess(access): UserAccess, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let query = OrganizationQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(app::error::AppError::invalid)?;
    let result = access.list_organizations(&query).await?;
    let counts: serde_json::Map<String, Value> =
        result.priority_counts.iter().map(|(p, n)| (p.code().to_owned(), json!(n))).collect();
    Ok(Json(json!({
        "items": result.page.items,
        "total": result.page.total,
        "page": result.page.page,
        "per_page": result.page.per_page,
        "priority_counts": counts,
    }))
    .into_response())
}

async fn create(UserAccess(access): UserAccess, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let mut body = object(&headers, &body)?;
    let id = take_id(&mut body)?;
    let draft: OrganizationDraft = typed(Value::Object(body))?;
    let org = access.create_organization(id, draft).await?;
    let location = format!("/api/v1/organizations/{}", org.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(org)).into_response())
}

async fn show(UserAccess(access): UserAccess, Path(id): Path<String>) -> Result<Response, ApiError> {
    let org = access.organization(parse_id(&id, WHAT)?).await?;
    Ok(Json(org).into_response())
}

/// PUT: every editable field is sent; missing optional ones are cleared.
async fn replace(
    UserAccess(access): UserAccess,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    let mut body = object(&headers, &body)?;
    let version = take_version(&mut body)?;
    let draft: OrganizationDraft = typed(Value::Object(body))?;
    let org = access.update_organization(id, version, draft).await?;
    Ok(Json(org).into_response())
}

/// PATCH: only the fields sent change.
async fn change(
    UserAccess(access): UserAccess,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    let mut changes = object(&headers, &body)?;
    let version = take_version(&mut changes)?;
    let draft = merged(&access.organization_to_edit(id).await?.to_draft(), changes)?;
    let org = access.update_organization(id, version, draft).await?;
    Ok(Json(org).into_response())
}

async fn delete(
    UserAccess(access): UserAccess,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    let version = query_version(query.as_deref())?;
    let org = access.delete_organization(id, version).await?;
    Ok(Json(org).into_response())
}

async fn restore(UserAccess(access): UserAccess, Path(id): Path<String>) -> Result<Response, ApiError> {
    let org = access.restore_organization(parse_id(&id, WHAT)?).await?;
    Ok(Json(org).into_response())
}

async fn contacts(
    UserAccess(access): UserAccess,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    access.organization(id).await?;
    let pairs = query_pairs(query.as_deref());
    let mut query = ContactQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(app::error::AppError::invalid)?;
    query.organization_id = Some(id);
    Ok(Json(access.list_contacts(&query).await?).into_response())
}

async fn history(UserAccess(access): UserAccess, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    Ok(Json(access.organization_history(id).await?).into_response())
}
