//! Rate limits per client address or per user (the `governor` crate's GCRA: a burst up to the
//! limit, then a steady refill), answered with 429 and the seconds to wait.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Sign-in attempts from one address (whatever the account).
    SignInPerAddress,
    /// Changes (POST, PUT, PATCH, DELETE) by one user or address.
    WritesPerUser,
    /// Searches by one user or address.
    SearchesPerUser,
    /// Web vitals beacons from one user or address (apart from writes, so measuring never
    /// uses up a user's allowance for changes).
    BeaconsPerUser,
}

/// How many of each are allowed: sign-ins per 10 minutes, writes and searches per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    pub sign_ins_per_10_minutes: u32,
    pub writes_per_minute: u32,
    pub searches_per_minute: u32,
    pub beacons_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            sign_ins_per_10_minutes: 20,
            writes_per_minute: 300,
            searches_per_minute: 120,
            beacons_per_minute: 60,
        }
    }
}

/// The limiters of one server instance (each instance counts on its own).
#[derive(Debug)]
pub struct RateLimits {
    sign_in: DefaultKeyedRateLimiter<String>,
    writes: DefaultKeyedRateLimiter<String>,
    searches: DefaultKeyedRateLimiter<String>,
    beacons: DefaultKeyedRateLimiter<String>,
}

impl RateLimits {
    pub fn new(settings: LimitSettings) -> Self {
        RateLimits {
            sign_in: RateLimiter::keyed(quota(settings.sign_ins_per_10_minutes, Duration::from_secs(600))),
            writes: RateLimiter::keyed(quota(settings.writes_per_minute, Duration::from_secs(60))),
            searches: RateLimiter::keyed(quota(settings.searches_per_minute, Duration::from_secs(60))),
            beacons: RateLimiter::keyed(quota(settings.beacons_per_minute, Duration::from_secs(60))),
        }
    }

    /// Counts one more `limit` for `key`, or says how long to wait.
    pub fn check(&self, limit: Limit, key: &str) -> Result<(), AppError> {
        let limiter = match limit {
            Limit::SignInPerAddress => &self.sign_in,
            Limit::WritesPerUser => &self.writes,
            Limit::SearchesPerUser => &self.searches,
            Limit::BeaconsPerUser => &self.beacons,
        };
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            metrics::counter!("rate_limited_total", "limit" => limit.name()).increment(1);
            AppError::TooManyRequests { message: limit.message(retry_after_secs), retry_after_secs }
        })
    }

    /// Forgets keys whose limits have fully refilled (called now and then, so the maps do not grow).
    pub fn forget_idle(&self) {
        for limiter in [&self.sign_in, &self.writes, &self.searches, &self.beacons] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Limit::SignInPerAddress => "sign_in",
            Limit::WritesPerUser => "writes",
            Limit::SearchesPerUser => "searches",
            Limit::BeaconsPerUser => "beacons",
        }
    }

    fn message(self, seconds: u64) -> String {
        let what = match self {
            Limit::SignInPerAddress => "Too many sign-in attempts from this network.",
            Limit::WritesPerUser => "Too many changes in a short time.",
            Limit::SearchesPerUser => "Too many searches in a short time.",
            Limit::BeaconsPerUser => "Too many performance reports in a short time.",
        };
        format!("{what} Please wait {seconds} seconds and try again.")
    }
}

/// `count` per `period`: all of them at once, then one every `period / count`.
fn quota(count: u32, period: Duration) -> Quota {
    let count = NonZeroU32::new(count.max(1)).unwrap_or(NonZeroU32::MIN);
    let every = period / count.get();
    Quota::with_period(every.max(Duration::from_millis(1))).map_or(Quota::per_second(count), |q| q.allow_burst(count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_a_wait_per_key() {
        let limits = RateLimits::new(LimitSettings { sign_ins_per_10_minutes: 3, ..LimitSettings::default() });
        for _ in 0..3 {
            limits.check(Limit::SignInPerAddress, "10.0.0.1").unwrap();
        }
        match limits.check(Limit::SignInPerAddress, "10.0.0.1") {
            Err(AppError::TooManyRequests { retry_after_secs, .. }) => {
                assert!((1..=200).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("expected 429, got {other:?}"),
        }
        limits.check(Limit::SignInPerAddress, "10.0.0.2").expect("another address has its own allowance");
        limits.check(Limit::WritesPerUser, "10.0.0.1").expect("another limit has its own allowance");
    }
}
