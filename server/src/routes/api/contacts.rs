//! `/api/v1/contacts`: list (by organization, by search), create, read, replace, change,
//! delete, restore, history.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use app::model::{ContactDraft, ContactQuery};
use app::store::Store;

use super::json::{object, query_pairs, query_version, take_id, take_version, typed};
use super::{ApiError, actor::RequestActor, ids::parse_id};
use crate::state::AppState;

const WHAT: &str = "Contact";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route("/contacts/{id}", get(show).put(replace).patch(change).delete(delete))
        .route("/contacts/{id}/restore", post(restore))
        .route("/contacts/{id}/history", get(history))
}

async fn list(State(store): State<Store>, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let query = ContactQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(app::error::AppError::invalid)?;
    Ok(Json(store.list_contacts(&query).await?).into_response())
}

async fn create(
    State(store): State<Store>,
    RequestActor(actor): RequestActor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut body = object(&headers, &body)?;
    let id = take_id(&mut body)?;
    let draft: ContactDraft = typed(Value::Object(body))?;
    let contact = store.create_contact(&actor, id, draft).await?;
    let location = format!("/api/v1/contacts/{}", contact.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(contact)).into_response())
}

async fn show(State(store): State<Store>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(store.contact(parse_id(&id, WHAT)?).await?).into_response())
}

async fn replace(
    State(store): State<Store>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    let mut body = object(&headers, &body)?;
    let version = take_version(&mut body)?;
    let draft: ContactDraft = typed(Value::Object(body))?;
    Ok(Json(store.update_contact(&actor, id, version, draft).await?).into_response())
}

async fn change(
    State(store): State<Store>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    let mut changes = object(&headers, &body)?;
    let version = take_version(&mut changes)?;
    let current = store.contact(id).await?;
    let mut merged = match serde_json::to_value(current.to_draft()) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    merged.extend(changes);
    let draft: ContactDraft = typed(Value::Object(merged))?;
    Ok(Json(store.update_contact(&actor, id, version, draft).await?).into_response())
}

async fn delete(
    State(store): State<Store>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    let version = query_version(query.as_deref())?;
    Ok(Json(store.delete_contact(&actor, id, version).await?).into_response())
}

async fn restore(
    State(store): State<Store>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(store.restore_contact(&actor, parse_id(&id, WHAT)?).await?).into_response())
}

async fn history(State(store): State<Store>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id, WHAT)?;
    Ok(Json(store.history("contact", id).await?).into_response())
}
