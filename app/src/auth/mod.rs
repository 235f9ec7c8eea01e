//! Signing in and out, and recognising a session on each request. Server only.
//!
//! Sessions are random tokens in an HttpOnly cookie; the database keeps only their SHA-256,
//! so a copy of the database lets nobody in. Passwords are argon2id hashes. Accounts lock
//! for 30 minutes after 5 wrong passwords in a row, and each client address gets a limited
//! number of attempts (see [`RateLimits`]).

mod limits;
mod password;
pub mod rules;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use cookie::{Cookie, SameSite};

pub use limits::{Limit, LimitSettings, RateLimits};
pub use password::{hash_password, verify_password};
pub use rules::{SESSION_COOKIE, SessionKind};

use crate::error::AppError;
use crate::model::CurrentUser;
use crate::store::{Actor, Store, StoreError};

/// What sign-in needs from the server, shared by every request (through the Leptos
/// context for server functions, and the router state for the JSON API).
#[derive(Debug, Clone)]
pub struct AuthContext {
    pub limits: Arc<RateLimits>,
    /// Cookies marked `Secure`: set when the app is served over HTTPS.
    pub secure_cookies: bool,
}

impl AuthContext {
    pub fn new(limits: LimitSettings, secure_cookies: bool) -> Self {
        AuthContext { limits: Arc::new(RateLimits::new(limits)), secure_cookies }
    }

    /// The `Set-Cookie` value for a new session: HttpOnly (scripts cannot read it),
    /// SameSite=Lax (other sites' forms do not carry it), Secure over HTTPS.
    pub fn session_cookie(&self, token: &str, max_age: Option<chrono::Duration>) -> String {
        let mut cookie = self.cookie(token);
        if let Some(age) = max_age {
            cookie.set_max_age(cookie::time::Duration::seconds(age.num_seconds()));
        }
        cookie.to_string()
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn removal_cookie(&self) -> String {
        let mut cookie = self.cookie("");
        cookie.make_removal();
        cookie.to_string()
    }

    fn cookie(&self, value: &str) -> Cookie<'static> {
        Cookie::build((SESSION_COOKIE, value.to_owned()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_cookies)
            .build()
    }
}

/// The session token a request carries in its cookies, if any.
pub fn session_token(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .flatten()
        .find(|cookie| cookie.name() == SESSION_COOKIE && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_owned())
}

/// What a person typed into the sign-in form (or sent to `POST /api/v1/session`).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub email: String,
    pub password: String,
    /// "Remember this device": a long session for a phone in the field.
    pub remember: bool,
}

/// A new session: the token for the cookie, and how long the cookie should last
/// (`None`: until the browser closes).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: CurrentUser,
    pub token: String,
    pub cookie_max_age: Option<chrono::Duration>,
}

const WRONG_CREDENTIALS: &str = "The email or password is not right. Check them and try again.";

/// Checks the credentials and opens a session. `previous_token`, the session cookie the
/// browser came with, is ended: a new session id on every sign-in defeats session fixation.
pub async fn sign_in(
    store: &Store,
    limits: &RateLimits,
    credentials: &Credentials,
    actor: &Actor,
    previous_token: Option<&str>,
) -> Result<SignedIn, AppError> {
    let client = actor.ip.clone().unwrap_or_else(|| "unknown".into());
    limits.check(Limit::SignInPerAddress, &client)?;
    let now = crate::store::now();
    let email = credentials.email.trim().to_lowercase();
    let account = store.login_account(&email).await?;
    if let Some(until) = account.as_ref().and_then(|a| a.locked_until).filter(|until| *until > now) {
        return Err(locked(until, now));
    }
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let password_ok = verify_password(hash, credentials.password.clone()).await;
    let account = match account {
        Some(account) if password_ok && account.is_active => account,
        Some(account) => {
            failed_sign_in(&email, actor);
            let (count, locked_until) = rules::after_failed_sign_in(account.failed_login_count, now);
            store.record_failed_login(account.user.id, count, locked_until).await?;
            return Err(match locked_until {
                Some(until) => locked(until, now),
                None => AppError::Unauthorized { message: WRONG_CREDENTIALS.into() },
            });
        }
        None => {
            failed_sign_in(&email, actor);
            return Err(AppError::Unauthorized { message: WRONG_CREDENTIALS.into() });
        }
    };
    if let Some(token) = previous_token {
        store.delete_session(&rules::token_hash(token)).await?;
    }
    let kind = if credentials.remember { SessionKind::Remembered } else { SessionKind::Browser };
    let token = rules::new_token();
    store.create_session(&rules::token_hash(&token), account.user.id, kind, actor, now).await?;
    tracing::info!(target: "security", user = %account.user.id, remember = credentials.remember, "signed in");
    Ok(SignedIn { user: account.user, token, cookie_max_age: kind.cookie_max_age() })
}

/// The user a session token belongs to, if the session is still alive. Sessions past their
/// idle or absolute limit are removed.
pub async fn authenticate(store: &Store, token: &str) -> Result<Option<CurrentUser>, StoreError> {
    let hash = rules::token_hash(token);
    let Some(session) = store.session(&hash).await? else { return Ok(None) };
    let now = crate::store::now();
    if !session.kind().is_alive(session.created_at, session.last_seen_at, now) {
        store.delete_session(&hash).await?;
        return Ok(None);
    }
    if rules::needs_touch(session.last_seen_at, now) {
        store.touch_session(&hash, now).await?;
    }
    Ok(Some(session.user()))
}

/// Ends the session of this token (signing out).
pub async fn sign_out(store: &Store, token: &str) -> Result<(), StoreError> {
    store.delete_session(&rules::token_hash(token)).await
}

fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let retry_after_secs = (until - now).num_seconds().max(1) as u64;
    AppError::TooManyRequests {
        message: format!(
            "This account is locked after too many wrong passwords. Try again in {} minutes, or ask an \
             administrator to reset the password.",
            retry_after_secs.div_ceil(60)
        ),
        retry_after_secs,
    }
}

/// Counted for the security alert ("failed logins > 50/h") and logged for audits.
fn failed_sign_in(email: &str, actor: &Actor) {
    metrics::counter!("auth_failed_logins_total").increment(1);
    tracing::warn!(target: "security", email, ip = actor.ip.as_deref().unwrap_or("-"), "failed sign-in");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_http_only_and_same_site() {
        let auth = AuthContext::new(LimitSettings::default(), false);
        let cookie = auth.session_cookie("tok", None);
        assert!(cookie.starts_with("kp_session=tok"), "{cookie}");
        for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(part), "{cookie} lacks {part}");
        }
        assert!(!cookie.contains("Secure") && !cookie.contains("Max-Age"), "{cookie}");
        let secure = AuthContext::new(LimitSettings::default(), true);
        let cookie = secure.session_cookie("tok", Some(chrono::Duration::days(90)));
        assert!(cookie.contains("Secure") && cookie.contains("Max-Age=7776000"), "{cookie}");
        let removal = auth.removal_cookie();
        assert!(removal.starts_with("kp_session=;") && removal.contains("Max-Age=0"), "{removal}");
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        let mut headers = http::HeaderMap::new();
        headers.append(http::header::COOKIE, "theme=dark; kp_session=abc".parse().unwrap());
        assert_eq!(session_token(&headers).as_deref(), Some("abc"));
        headers.clear();
        headers.append(http::header::COOKIE, "kp_session=".parse().unwrap());
        assert_eq!(session_token(&headers), None);
    }
}
