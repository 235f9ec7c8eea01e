//! Accounts: the administrators' user management, and each person's own password.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::{AccountAccessForm, NewAccountForm, PasswordChangeForm, PasswordResetForm, UserAccount};

/// Where the user-management forms return to.
pub const USERS_PAGE: &str = "/admin/users";
/// Where the password form returns to after a change.
pub const PASSWORD_CHANGED: &str = "/account?changed=1";

/// Every account (administrators only).
#[server(endpoint = "users/accounts", input = GetUrl)]
pub async fn list_accounts() -> Result<Vec<UserAccount>, AppError> {
    Ok(super::server::access()?.accounts().await?)
}

/// Adds an account with a first password the administrator passes on.
#[server(endpoint = "users/create")]
pub async fn create_account(form: NewAccountForm) -> Result<String, AppError> {
    use super::server::{access, redirect_plain_form};
    use crate::model::{FieldErrors, Role, check_new_password};
    use crate::store::NewUser;

    let echo = NewAccountForm { password: String::new(), ..form.clone() };
    let access = access()?;
    access.check_admin()?;
    let mut errors = FieldErrors::new();
    let role = form.role.parse::<Role>().map_err(|_| errors.insert("role".into(), "Choose a role.".into())).ok();
    if let Err(message) = check_new_password(&form.password, &form.email) {
        errors.insert("password".into(), message);
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Err(AppError::invalid(errors).with_values(&echo));
    };
    let hash = crate::auth::hash_password(form.password.clone()).await?;
    let territory = Some(form.territory.trim().to_owned()).filter(|t| !t.is_empty());
    let user = NewUser {
        id: uuid::Uuid::now_v7(),
        email: form.email.clone(),
        full_name: form.full_name.clone(),
        role,
        manager_id: None,
        territory,
    };
    access.create_account(user, &hash).await.map_err(|e| AppError::from(e).with_values(&echo))?;
    redirect_plain_form(USERS_PAGE);
    Ok(USERS_PAGE.to_owned())
}

/// Changes an account's role, or whether it may sign in (deactivating ends its sessions).
#[server(endpoint = "users/access")]
pub async fn set_account_access(form: AccountAccessForm) -> Result<String, AppError> {
    use super::server::{access, redirect_plain_form};
    use crate::model::Role;
    use crate::model::form::{FormFields, parse_checkbox};

    let id = form.parsed_id().map_err(AppError::invalid)?;
    let version = form.parsed_version().map_err(AppError::invalid)?;
    let role = form.role.parse::<Role>().map_err(|e| AppError::invalid([("role".into(), e.to_string())].into()))?;
    access()?.set_account_access(id, version, role, parse_checkbox(&form.active)).await?;
    redirect_plain_form(USERS_PAGE);
    Ok(USERS_PAGE.to_owned())
}

/// Sets a new password for someone who forgot theirs; their sessions end.
#[server(endpoint = "users/reset-password")]
pub async fn reset_password(form: PasswordResetForm) -> Result<String, AppError> {
    use super::server::{access, redirect_plain_form};
    use crate::model::check_new_password;
    use crate::model::form::FormFields;

    let access = access()?;
    access.check_admin()?;
    let id = form.parsed_id().map_err(AppError::invalid)?;
    check_new_password(&form.password, "")
        .map_err(|message| AppError::invalid([("password".into(), message)].into()))?;
    let hash = crate::auth::hash_password(form.password.clone()).await?;
    access.reset_password(id, &hash).await?;
    redirect_plain_form(USERS_PAGE);
    Ok(USERS_PAGE.to_owned())
}

/// Changes the signed-in person's password, after checking their current one. Their other
/// devices are signed out; this one stays signed in.
#[server(endpoint = "account/password")]
pub async fn change_password(form: PasswordChangeForm) -> Result<String, AppError> {
    use super::server::{access, actor, auth_context, redirect_plain_form, session_token};
    use crate::auth::{Limit, hash_password, rules::token_hash, verify_password};

    let access = access()?;
    let new_password = form.checked(&access.user().email).map_err(AppError::invalid)?;
    // Guessing the current password here is as limited as guessing it at sign-in.
    let client = actor().ip.unwrap_or_else(|| "unknown".into());
    auth_context()?.limits.check(Limit::SignInPerAddress, &client)?;
    if !verify_password(access.own_password_hash().await?, form.current_password.clone()).await {
        return Err(AppError::invalid(
            [("current_password".into(), "That is not your current password.".into())].into(),
        ));
    }
    let token = session_token().ok_or_else(AppError::unauthorized)?;
    let hash = hash_password(new_password).await?;
    access.change_own_password(&hash, &token_hash(&token)).await?;
    redirect_plain_form(PASSWORD_CHANGED);
    Ok(PASSWORD_CHANGED.to_owned())
}
