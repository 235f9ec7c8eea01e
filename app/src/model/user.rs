//! People who use the CRM.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enums::Role;

/// A user as other records show them (an owner, an assignee, an author).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UserSummary {
    pub id: Uuid,
    pub full_name: String,
    pub email: String,
    pub role: Role,
    pub is_active: bool,
}
