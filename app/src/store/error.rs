//! Errors of the store layer, and how they reach people as [`AppError`]s.

use uuid::Uuid;

use crate::error::AppError;
use crate::model::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid fields: {0:?}")]
    Invalid(FieldErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{entity} is at version {current}, the change was made from version {expected}")]
    Stale { entity: &'static str, current: i64, expected: i64 },
    #[error("a {entity} with id {id} already exists")]
    Exists { entity: &'static str, id: Uuid },
    /// The user's role does not allow this (records they may not see are `NotFound`).
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{0}")]
    Config(String),
    #[error("cannot connect to the database at {url}: {source}")]
    Unreachable { url: String, source: sqlx::Error },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid(FieldErrors::from([(field.to_owned(), message.into())]))
    }

    /// Whether the database refused a row for breaking a unique index.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

impl From<FieldErrors> for StoreError {
    fn from(fields: FieldErrors) -> Self {
        StoreError::Invalid(fields)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Invalid(fields) => AppError::invalid(fields),
            StoreError::NotFound(what) => AppError::not_found(what),
            StoreError::Stale { current, .. } => AppError::stale(current),
            StoreError::Forbidden(message) => AppError::forbidden(message),
            StoreError::Exists { entity, .. } => AppError::Conflict {
                message: format!("This {} was already saved.", entity.to_lowercase()),
                current_version: None,
            },
            // The details stay in the log and the error tracking; the person gets a reference.
            other => crate::incidents::internal("store operation failed", &other),
        }
    }
}
