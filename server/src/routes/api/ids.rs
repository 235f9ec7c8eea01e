//! Ids in paths: anything that is not a UUID names no record, so it is a 404 like any
//! other unknown id.

use uuid::Uuid;

use app::error::AppError;

pub fn parse_id(text: &str, what: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| AppError::not_found(what))
}
