//! Signing in and out from the pages, and who is signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The sign-in form as posted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    /// "on" when "Remember this device" is ticked.
    #[serde(default)]
    pub remember: String,
    /// Where to go afterwards (a path on this site).
    #[serde(default)]
    pub next: String,
}

/// What a failed sign-in echoes back to the form: never the password.
#[cfg(feature = "ssr")]
#[derive(Serialize)]
struct Echo<'a> {
    email: &'a str,
    remember: &'a str,
    next: &'a str,
}

/// Checks the credentials, sets the session cookie and answers with the page to open.
#[server(endpoint = "session/sign-in")]
pub async fn sign_in(form: SignInForm) -> Result<String, AppError> {
    use super::server::{actor, auth_context, redirect_plain_form, session_token, set_cookie, store};
    use crate::auth::Credentials;

    let echo = Echo { email: &form.email, remember: &form.remember, next: &form.next };
    let (store, auth) = (store()?, auth_context()?);
    let credentials = Credentials {
        email: form.email.clone(),
        password: form.password.clone(),
        remember: crate::model::form::parse_checkbox(&form.remember),
    };
    let previous = session_token();
    let signed_in = crate::auth::sign_in(&store, &auth.limits, &credentials, &actor(), previous.as_deref())
        .await
        .map_err(|error| match error {
            // Shown beside the password field, with the email kept.
            AppError::Unauthorized { message } => {
                AppError::invalid([("password".to_owned(), message)].into()).with_values(&echo)
            }
            other => other.with_values(&echo),
        })?;
    set_cookie(&auth.session_cookie(&signed_in.token, signed_in.cookie_max_age));
    let next = safe_next(&form.next);
    redirect_plain_form(&next);
    Ok(next)
}

/// Ends the session and answers with the sign-in page's address.
#[server(endpoint = "session/sign-out")]
pub async fn sign_out() -> Result<String, AppError> {
    use super::server::{auth_context, redirect_plain_form, session_token, set_cookie, store};

    if let Some(token) = session_token() {
        crate::auth::sign_out(&store()?, &token).await?;
    }
    set_cookie(&auth_context()?.removal_cookie());
    redirect_plain_form("/login");
    Ok("/login".to_owned())
}

/// `next` if it is a path on this site, else the home page: a sign-in link must not be
/// able to send people elsewhere (`//evil.example`, `https://…`, `/\evil`).
pub fn safe_next(next: &str) -> String {
    let next = next.trim();
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && !next.starts_with("/login");
    if local { next.to_owned() } else { "/".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/organizations?priority=A"), "/organizations?priority=A");
        for bad in
            ["", "https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/x\ny", "/login"]
        {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
