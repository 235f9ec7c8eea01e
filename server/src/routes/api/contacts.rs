//! `/api/v1/contacts`: list (by organization, by search), create, read, replace, change,
//! delete, restore, history.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use app::model::{ContactDraft, ContactQuery};

use super::json::{merged, object, query_pairs, query_version, take_id, take_version, typed};
use super::{ApiError, access::UserAccess, ids::parse_id};
use crate::state::AppState;

const WHAT: &str = "Contact";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route("/contacts/{id}", get(show).put(replace).patch(change).delete(delete))
        .route("/contacts/{id}/restore", post(restore))
        .route("/contacts/{id}/history", get(history))
}

async fn list(UserAccess(access): UserAccess, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let query = ContactQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(app::error::AppError::invalid)?;
    Ok(Json(access.list_contacts(&query).await?).into_response())
}

async fn create(UserAccess(access): UserAccess, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let mut body = object(&headers, &body)?;
    let id = take_id(&mut body)?;
    let draft: ContactDraft = typed(Value::Object(body))?;
    let contact = access.create_contact(id, draft).await?;
    let location = format!("/api/v1/contacts/{}", contact.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(contact)).into_response())
}

async fn show(UserAccess(access): UserAccess, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(access.contact(parse_id(&id, WHAT)?).await?).into_response())
}

async fn replace(
    UserAccess(access): UserAccess,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    let mut body = object(&headers, &body)?;
    let version = take_version(&mut body)?;
    let draft: ContactDraft = typed(Value::Object(body))?;
    Ok(Json(access.update_contact(id, version, draft).await?).into_response())
}

async fn change(
    UserAccess(access): UserAccess,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    let mut changes = object(&headers, &body)?;
    let version = take_version(&mut changes)?;
    let draft = merged(&access.contact(id).await?.to_draft(), changes)?;
    Ok(Json(access.update_contact(id, version, draft).await?).into_response())
}

async fn delete(
    UserAccess(access): UserAccess,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    let version = query_version(query.as_deref())?;
    Ok(Json(access.delete_contact(id, version).await?).into_response())
}

async fn restore(UserAccess(access): UserAccess, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(access.restore_contact(parse_id(&id, WHAT)?).await?).into_response())
}

async fn history(UserAccess(access): UserAccess, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    Ok(Json(access.contact_history(id).await?).into_response())
}
