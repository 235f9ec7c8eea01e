//! People who use the CRM.

use chrono::{DateTime, Utc};
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

/// The signed-in person, as every request knows them (from their session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: Role,
}

/// An account as the administration page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UserAccount {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub territory: Option<String>,
    pub is_active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
    pub version: i64,
}

/// The "add a user" form as posted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewAccountForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub territory: String,
    /// The first password, which the administrator passes on and the person changes.
    #[serde(default)]
    pub password: String,
}

/// An account's role and whether it may sign in, as posted from its row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountAccessForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub role: String,
    /// "on" when the account may sign in.
    #[serde(default)]
    pub active: String,
}

/// A new password set by an administrator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordResetForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub password: String,
}

/// A person changing their own password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordChangeForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

impl PasswordChangeForm {
    /// The new password, if it is acceptable and typed the same twice.
    pub fn checked(&self, email: &str) -> Result<String, super::FieldErrors> {
        let mut errors = super::FieldErrors::new();
        if self.current_password.is_empty() {
            errors.insert("current_password".into(), "Type your current password.".into());
        }
        if let Err(message) = check_new_password(&self.new_password, email) {
            errors.insert("new_password".into(), message);
        } else if self.new_password != self.confirm_password {
            errors.insert("confirm_password".into(), "The two new passwords are not the same.".into());
        }
        if errors.is_empty() { Ok(self.new_password.clone()) } else { Err(errors) }
    }
}

/// Shortest password accepted.
pub const PASSWORD_MIN: usize = 10;
/// Longest password accepted (argon2 takes any length; this bounds the work per request).
pub const PASSWORD_MAX: usize = 200;

/// Whether `password` may be set for the account `email`.
pub fn check_new_password(password: &str, email: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        return Err(format!("Use at least {PASSWORD_MIN} characters (a few words make a strong, memorable password)."));
    }
    if length > PASSWORD_MAX {
        return Err(format!("Use at most {PASSWORD_MAX} characters."));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err("The password must not be the email address.".into());
    }
    Ok(())
}

impl super::form::FormFields for AccountAccessForm {
    fn record_id(&self) -> &str {
        &self.id
    }
    fn record_version(&self) -> &str {
        &self.version
    }
}

impl super::form::FormFields for PasswordResetForm {
    fn record_id(&self) -> &str {
        &self.id
    }
    /// A password reset is not made from a version of the account.
    fn record_version(&self) -> &str {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_are_long_enough_and_not_the_email() {
        assert!(check_new_password("short", "a@b.test").is_err());
        assert!(check_new_password("kitchen pantry visits", "a@b.test").is_ok());
        assert!(check_new_password("Chef@Bistro.test", "chef@bistro.test").is_err());
        assert!(check_new_password(&"x".repeat(201), "a@b.test").is_err());
    }

    #[test]
    fn a_password_change_is_typed_twice() {
        let form = |current: &str, new: &str, confirm: &str| PasswordChangeForm {
            current_password: current.into(),
            new_password: new.into(),
            confirm_password: confirm.into(),
        };
        assert_eq!(
            form("old one", "new pantry words", "new pantry words").checked("a@b.test").unwrap(),
            "new pantry words"
        );
        let errors = form("", "new pantry words", "new pantry wordz").checked("a@b.test").unwrap_err();
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["confirm_password", "current_password"]);
        assert!(form("old", "short", "short").checked("a@b.test").unwrap_err().contains_key("new_password"));
    }
}
