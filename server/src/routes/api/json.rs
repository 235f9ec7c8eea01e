//! Reading JSON bodies and query strings with errors that name the field at fault.

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use app::error::AppError;
use app::model::query::parse_query_string;
use app::model::{FieldErrors, patch};

/// A JSON object from a request body.
pub fn object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, AppError> {
    let json_content = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
    if !json_content {
        return Err(AppError::bad_request("Send the body as JSON with Content-Type: application/json."));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(AppError::bad_request("The body must be a JSON object.")),
        Err(e) => Err(AppError::bad_request(format!("The body is not valid JSON: {e}."))),
    }
}

/// Deserializes `value`, reporting a mistake under the path of the field that has it.
pub fn typed<T: DeserializeOwned>(value: Value) -> Result<T, AppError> {
    patch::typed(value).map_err(AppError::invalid)
}

/// The draft `current` with the fields in `changes` replaced (a PATCH).
pub fn merged<D: Serialize + DeserializeOwned>(current: &D, changes: Map<String, Value>) -> Result<D, AppError> {
    patch::merged(current, changes).map_err(AppError::invalid)
}

/// Takes `version` (required) out of an update body.
pub fn take_version(map: &mut Map<String, Value>) -> Result<i64, AppError> {
    match map.remove("version") {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|v| v >= 1) => Ok(n.as_i64().unwrap_or(1)),
        Some(_) => Err(field_error("version", "The version must be a whole number from 1 up.")),
        None => Err(field_error("version", "Send the version you last read, so a newer change is not overwritten.")),
    }
}

/// Takes an optional client-chosen `id` out of a create body.
pub fn take_id(map: &mut Map<String, Value>) -> Result<Option<uuid::Uuid>, AppError> {
    match map.remove("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            uuid::Uuid::parse_str(&s).map(Some).map_err(|_| field_error("id", "The id must be a UUID."))
        }
        Some(_) => Err(field_error("id", "The id must be a UUID string.")),
    }
}

/// The `version` query parameter (optional on delete).
pub fn query_version(query: Option<&str>) -> Result<Option<i64>, AppError> {
    let pairs = parse_query_string(query.unwrap_or_default());
    match pairs.iter().find(|(k, _)| k == "version") {
        None => Ok(None),
        Some((_, v)) => v
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 1)
            .map(Some)
            .ok_or_else(|| field_error("version", "The version must be a whole number from 1 up.")),
    }
}

/// Decoded query pairs, for the list parsers.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    parse_query_string(query.unwrap_or_default())
}

pub fn field_error(field: &str, message: &str) -> AppError {
    AppError::invalid(FieldErrors::from([(field.to_owned(), message.to_owned())]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_and_ids_are_checked() {
        let mut map = json!({"version": 0, "id": "nope"}).as_object().cloned().unwrap();
        assert!(take_version(&mut map).unwrap_err().field("version").is_some());
        assert!(take_id(&mut map).unwrap_err().field("id").is_some());
        let mut empty = Map::new();
        assert!(take_version(&mut empty).unwrap_err().field("version").unwrap().contains("last read"));
        assert_eq!(take_id(&mut empty).unwrap(), None);
        assert_eq!(query_version(Some("version=3")).unwrap(), Some(3));
        assert!(query_version(Some("version=x")).is_err());
        assert_eq!(query_version(None).unwrap(), None);
    }

    #[test]
    fn bodies_must_be_json_objects() {
        let mut headers = HeaderMap::new();
        assert!(object(&headers, &Bytes::from_static(b"{}")).is_err(), "content type required");
        headers.insert(axum::http::header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert!(object(&headers, &Bytes::from_static(b"[1]")).is_err());
        assert!(object(&headers, &Bytes::from_static(b"{oops")).unwrap_err().to_string().contains("not valid JSON"));
        assert!(object(&headers, &Bytes::from_static(b"{\"a\":1}")).is_ok());
    }
}
