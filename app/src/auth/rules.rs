//! The pure rules of sessions and lockout: lifetimes, the lockout counter, tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The cookie that carries the session token.
pub const SESSION_COOKIE: &str = "kp_session";

/// Wrong passwords in a row that lock an account.
pub const LOCKOUT_THRESHOLD: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT_MINUTES: i64 = 30;

/// How a session was opened, which sets how long it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Ends when the browser closes, after 2 hours without use, or after 12 hours.
    Browser,
    /// "Remember this device": 30 days without use, 90 days at most.
    Remembered,
}

impl SessionKind {
    pub fn idle_limit(self) -> Duration {
        match self {
            SessionKind::Browser => Duration::hours(2),
            SessionKind::Remembered => Duration::days(30),
        }
    }

    pub fn absolute_limit(self) -> Duration {
        match self {
            SessionKind::Browser => Duration::hours(12),
            SessionKind::Remembered => Duration::days(90),
        }
    }

    /// The cookie's lifetime: a browser session cookie, or as long as the session may live.
    pub fn cookie_max_age(self) -> Option<Duration> {
        match self {
            SessionKind::Browser => None,
            SessionKind::Remembered => Some(self.absolute_limit()),
        }
    }

    pub fn is_alive(self, created_at: DateTime<Utc>, last_seen_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now < created_at + self.absolute_limit() && now < last_seen_at + self.idle_limit()
    }
}

/// `last_seen_at` is written at most once a minute per session, not on every request.
pub fn needs_touch(last_seen_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - last_seen_at >= Duration::minutes(1)
}

/// After a wrong password: the new count of failures in a row, and the time the account
/// stays locked until when this failure reaches the threshold (the count then restarts).
pub fn after_failed_sign_in(failures_so_far: i64, now: DateTime<Utc>) -> (i64, Option<DateTime<Utc>>) {
    let failures = failures_so_far + 1;
    if failures >= LOCKOUT_THRESHOLD { (0, Some(now + Duration::minutes(LOCKOUT_MINUTES))) } else { (failures, None) }
}

/// 256 random bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let kind = SessionKind::Browser;
        assert!(kind.is_alive(at(0), at(0), at(1)));
        assert!(!kind.is_alive(at(0), at(0), at(3)), "idle for 3 hours");
        assert!(kind.is_alive(at(0), at(10), at(11)));
        assert!(!kind.is_alive(at(0), at(11), at(12)), "12 hours old, however busy");
        let kind = SessionKind::Remembered;
        assert!(kind.is_alive(at(0), at(0), at(24 * 29)));
        assert!(!kind.is_alive(at(0), at(0), at(24 * 31)));
        assert!(!kind.is_alive(at(0), at(24 * 89), at(24 * 90)));
        assert_eq!(SessionKind::Browser.cookie_max_age(), None);
        assert_eq!(SessionKind::Remembered.cookie_max_age(), Some(Duration::days(90)));
    }

    #[test]
    fn the_fifth_wrong_password_locks_for_thirty_minutes() {
        let mut failures = 0;
        for _ in 0..4 {
            let (next, locked) = after_failed_sign_in(failures, at(0));
            assert_eq!(locked, None);
            failures = next;
        }
        assert_eq!(failures, 4);
        assert_eq!(after_failed_sign_in(failures, at(0)), (0, Some(at(0) + Duration::minutes(30))));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn last_seen_is_written_at_most_once_a_minute() {
        assert!(!needs_touch(at(0), at(0) + Duration::seconds(59)));
        assert!(needs_touch(at(0), at(0) + Duration::seconds(60)));
    }
}
