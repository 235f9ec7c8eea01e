//! Users as other records need them (owners, assignees). Accounts and sign-in live with
//! the accounts work; this is the part organizations and contacts depend on.

use uuid::Uuid;

use super::audit::{self, one_change};
use super::{Actor, Sql, Store, StoreError, now};
use crate::model::validate::{Checker, normalize_email};
use crate::model::{AuditAction, Role, UserAccount, UserSummary};

/// A user to create (seeding, tests, and later the admin screens).
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub manager_id: Option<Uuid>,
    pub territory: Option<String>,
}

const USER_SUMMARY: &str = "SELECT id, full_name, email, role, is_active FROM users";

impl Store {
    pub async fn create_user(&self, user: NewUser) -> Result<UserSummary, StoreError> {
        let mut c = Checker::new();
        let full_name = c.required_line("full_name", "Full name", &user.full_name, 120);
        let email = match normalize_email(&user.email) {
            Ok(email) => email,
            Err(message) => {
                c.fail("email", message);
                user.email.clone()
            }
        };
        let territory = c.optional_line("territory", "Territory", user.territory.as_deref(), 120);
        c.finish(())?;
        let at = now();
        let sql = Sql::new(
            "users.insert",
            "INSERT INTO users (id, email, full_name, role, manager_id, territory, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(user.id)
        .bind(&email)
        .bind(&full_name)
        .bind(user.role.code())
        .bind(user.manager_id)
        .bind(territory)
        .bind(at);
        match self.db.execute(sql).await {
            Err(e) if e.is_unique_violation() => {
                Err(StoreError::field("email", format!("A user with the email {email} already exists.")))
            }
            Err(e) => Err(e),
            Ok(_) => self.user(user.id).await,
        }
    }

    pub async fn user(&self, id: Uuid) -> Result<UserSummary, StoreError> {
        let sql = Sql::new("users.get", format!("{USER_SUMMARY} WHERE id = $1 AND deleted_at IS NULL")).bind(id);
        self.db.fetch_optional(sql).await?.ok_or(StoreError::NotFound("User"))
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserSummary>, StoreError> {
        let sql = Sql::new("users.by_email", format!("{USER_SUMMARY} WHERE email = $1 AND deleted_at IS NULL"))
            .bind(email.trim().to_lowercase());
        self.db.fetch_optional(sql).await
    }

    /// Active users, by name: the people records can be assigned to.
    pub async fn active_users(&self) -> Result<Vec<UserSummary>, StoreError> {
        let sql = Sql::new(
            "users.active",
            format!("{USER_SUMMARY} WHERE is_active AND deleted_at IS NULL ORDER BY full_name, id"),
        );
        self.db.fetch_all(sql).await
    }

    /// Every account, active or not, by name (the administration page).
    pub async fn accounts(&self) -> Result<Vec<UserAccount>, StoreError> {
        let sql = Sql::new(
            "users.accounts",
            "SELECT id, email, full_name, role, territory, is_active, last_login_at, locked_until, version \
             FROM users WHERE deleted_at IS NULL ORDER BY full_name, id",
        );
        self.db.fetch_all(sql).await
    }

    /// Sets an account's role and whether it may sign in, from the version the change was
    /// made on. A deactivated account's sessions end at once.
    pub async fn set_account_access(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        role: Role,
        active: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let sql =
            Sql::new("users.access", "SELECT role, is_active, version FROM users WHERE id = $1 AND deleted_at IS NULL")
                .bind(id);
        let (old_role, old_active, version): (Role, bool, i64) =
            tx.fetch_optional(sql).await?.ok_or(StoreError::NotFound("User"))?;
        if version != expected_version {
            return Err(StoreError::Stale { entity: "User", current: version, expected: expected_version });
        }
        if (old_role, old_active) == (role, active) {
            return Ok(());
        }
        let at = now();
        let sql = Sql::new(
            "users.set_access",
            "UPDATE users SET role = $2, is_active = $3, updated_at = $4, updated_by = $5, version = version + 1 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(role.code())
        .bind(active)
        .bind(at)
        .bind(actor.user_id);
        tx.execute(sql).await?;
        let mut changes = one_change("role", old_role.code(), role.code());
        changes.extend(one_change("is_active", old_active, active));
        changes.retain(|_, pair| pair["old"] != pair["new"]);
        audit::record(&mut tx, actor, "user", id, AuditAction::Update, changes, at).await?;
        if !active {
            tx.execute(super::sessions::end_sessions(id, None)).await?;
        }
        tx.commit().await
    }

    /// Checks that `user_id` may be given records: it exists and is active.
    pub(super) async fn check_assignable(&self, field: &str, user_id: Option<Uuid>) -> Result<(), StoreError> {
        let Some(user_id) = user_id else { return Ok(()) };
        match self.user(user_id).await {
            Ok(user) if user.is_active => Ok(()),
            Ok(user) => Err(StoreError::field(field, format!("{} is no longer active.", user.full_name))),
            Err(StoreError::NotFound(_)) => Err(StoreError::field(field, "Choose a user from the list.")),
            Err(e) => Err(e),
        }
    }
}
