//! argon2id password hashes (the `argon2` crate's defaults: 19 MiB, 2 passes, OWASP's
//! recommendation), computed off the async threads.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;

use crate::error::AppError;
use crate::incidents;

/// Hashes a new password.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    let hashed = tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes(), &new_salt()?).map(|hash| hash.to_string())
    })
    .await;
    match hashed {
        Ok(Ok(hash)) => Ok(hash),
        Ok(Err(e)) => Err(incidents::record("password hashing failed", vec![e.to_string()])),
        Err(e) => Err(incidents::internal("password hashing task failed", &e)),
    }
}

/// Whether `password` matches `hash`. With no hash (an unknown account, or one without a
/// password) a dummy hash is checked, so the answer takes as long either way and timing
/// does not tell which emails have accounts.
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = hash.as_deref().unwrap_or(&DUMMY_HASH);
        let ok = PasswordHash::new(stored)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok());
        ok && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

/// The hash of a random password nobody knows, with the same parameters as real ones.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let secret = uuid::Uuid::new_v4().to_string();
    new_salt()
        .and_then(|salt| Argon2::default().hash_password(secret.as_bytes(), &salt).map(|hash| hash.to_string()))
        .unwrap_or_default()
});

/// 128 random bits, the salt size the PHC string format recommends.
fn new_salt() -> Result<SaltString, argon2::password_hash::Error> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    SaltString::encode_b64(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(Some(hash.clone()), "correct horse battery".into()).await);
        assert!(!verify_password(Some(hash), "correct horse batterY".into()).await);
    }

    #[tokio::test]
    async fn no_hash_never_verifies() {
        assert!(!verify_password(None, "".into()).await);
        assert!(!verify_password(None, "anything".into()).await);
        assert!(!verify_password(Some("not a hash".into()), "x".into()).await);
        assert!(PasswordHash::new(&DUMMY_HASH).is_ok(), "the dummy must parse, or it would be skipped quickly");
    }
}
