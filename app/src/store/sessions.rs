//! Sessions (by the SHA-256 of their token) and what sign-in needs of an account: its
//! password hash and lockout state.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Actor, Sql, Store, StoreError};
use crate::auth::SessionKind;
use crate::model::CurrentUser;

/// An account as sign-in sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginAccount {
    #[sqlx(flatten)]
    pub user: CurrentUser,
    pub password_hash: Option<String>,
    pub is_active: bool,
    pub failed_login_count: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A session with its user (active users only).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    #[sqlx(flatten)]
    user: CurrentUser,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    remember: bool,
}

impl SessionRecord {
    pub fn kind(&self) -> SessionKind {
        if self.remember { SessionKind::Remembered } else { SessionKind::Browser }
    }

    pub fn user(self) -> CurrentUser {
        self.user
    }
}

impl Store {
    pub async fn login_account(&self, email: &str) -> Result<Option<LoginAccount>, StoreError> {
        let sql = Sql::new(
            "users.login_account",
            "SELECT id, email, full_name, role, password_hash, is_active, \
             CAST(failed_login_count AS BIGINT) AS failed_login_count, locked_until \
             FROM users WHERE email = $1 AND deleted_at IS NULL",
        )
        .bind(email.trim().to_lowercase());
        self.db.fetch_optional(sql).await
    }

    /// Records a wrong password: the count so far and, when it locks, until when.
    pub async fn record_failed_login(
        &self,
        user_id: Uuid,
        failed_count: i64,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let sql = Sql::new(
            "users.record_failed_login",
            "UPDATE users SET failed_login_count = $2, locked_until = $3 WHERE id = $1",
        )
        .bind(user_id)
        .bind(failed_count)
        .bind(locked_until);
        self.db.execute(sql).await.map(drop)
    }

    /// Opens a session for a successful sign-in: clears the failure count, notes the time,
    /// and drops the sessions that have expired by now (of everyone: it is cheap).
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: Uuid,
        kind: SessionKind,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(Sql::new("sessions.prune", "DELETE FROM sessions WHERE expires_at < $1").bind(now)).await?;
        let sql = Sql::new(
            "sessions.insert",
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, remember, ip, user_agent) \
             VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(now + kind.absolute_limit())
        .bind(kind == SessionKind::Remembered)
        .bind(actor.ip.clone())
        .bind(actor.user_agent.clone());
        tx.execute(sql).await?;
        let sql = Sql::new(
            "users.record_login",
            "UPDATE users SET failed_login_count = 0, locked_until = NULL, last_login_at = $2 WHERE id = $1",
        )
        .bind(user_id)
        .bind(now);
        tx.execute(sql).await?;
        tx.commit().await
    }

    /// The session with this token hash, if its user is still active.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = Sql::new(
            "sessions.get",
            "SELECT u.id, u.email, u.full_name, u.role, s.created_at, s.last_seen_at, s.remember \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id = $1 AND u.is_active AND u.deleted_at IS NULL",
        )
        .bind(token_hash);
        self.db.fetch_optional(sql).await
    }

    pub async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let sql = Sql::new("sessions.touch", "UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
            .bind(token_hash)
            .bind(now);
        self.db.execute(sql).await.map(drop)
    }

    /// How many users were seen (a session used) since `since`; sessions are touched at most
    /// once a minute, so this counts to the minute.
    pub async fn users_seen_since(&self, since: DateTime<Utc>) -> Result<i64, StoreError> {
        let sql = Sql::new(
            "sessions.active_users",
            "SELECT CAST(COUNT(DISTINCT user_id) AS BIGINT) FROM sessions WHERE last_seen_at >= $1",
        )
        .bind(since);
        Ok(self.db.fetch_one::<(i64,)>(sql).await?.0)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let sql = Sql::new("sessions.delete", "DELETE FROM sessions WHERE id = $1").bind(token_hash);
        self.db.execute(sql).await.map(drop)
    }

    /// Sets (or, with `None`, removes) a user's password hash. Their sessions end, except
    /// `keep` (the session of the person changing their own password).
    pub async fn set_password_hash(&self, user_id: Uuid, hash: Option<&str>) -> Result<(), StoreError> {
        self.replace_password_hash(user_id, hash, None).await
    }

    pub async fn replace_password_hash(
        &self,
        user_id: Uuid,
        hash: Option<&str>,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let sql = Sql::new(
            "users.set_password",
            "UPDATE users SET password_hash = $2, failed_login_count = 0, locked_until = NULL, updated_at = $3, \
             version = version + 1 WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(user_id)
        .bind(hash.map(str::to_owned))
        .bind(super::now());
        if tx.execute(sql).await? == 0 {
            return Err(StoreError::NotFound("User"));
        }
        tx.execute(end_sessions(user_id, keep)).await?;
        tx.commit().await
    }
}

/// Ends every session of a user but `keep` (password changed or reset, account deactivated).
pub(super) fn end_sessions(user_id: Uuid, keep: Option<&str>) -> Sql {
    match keep {
        Some(keep) => Sql::new("sessions.delete_others", "DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep),
        None => Sql::new("sessions.delete_for_user", "DELETE FROM sessions WHERE user_id = $1").bind(user_id),
    }
}
