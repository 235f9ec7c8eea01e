//! What signed-in browsers last said about their offline queues: the changes made on the
//! device that have not reached the server yet (waiting to be sent, or refused and waiting
//! for the rep). Each web vitals beacon sent while online carries the count; the dashboard
//! adds up the latest count of each user heard from recently. Per instance, like the
//! request windows.

use std::collections::HashMap;
use std::sync::Mutex;

use super::lock;

/// A user's report is forgotten after this long without a new one (seconds).
const FORGET_AFTER: i64 = 24 * 3600;

#[derive(Debug, Default)]
pub struct OfflineQueues {
    /// The latest count per user, and when it came (unix seconds).
    latest: Mutex<HashMap<String, (u32, i64)>>,
}

/// The queues heard from in a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub changes: u64,
    /// Users whose browser reported in the span.
    pub reporting: usize,
}

impl OfflineQueues {
    pub fn report(&self, user: &str, pending: u32, now: i64) {
        lock(&self.latest).insert(user.to_owned(), (pending, now));
    }

    /// The changes waiting as last reported by each user heard from in the `seconds` before `now`.
    pub fn waiting(&self, now: i64, seconds: i64) -> Waiting {
        let mut latest = lock(&self.latest);
        // Forgotten here, as the dashboard reads, rather than on every beacon.
        latest.retain(|_, (_, at)| *at > now - FORGET_AFTER);
        let recent = latest.values().filter(|(_, at)| *at > now - seconds);
        recent.fold(Waiting { changes: 0, reporting: 0 }, |w, (pending, _)| Waiting {
            changes: w.changes + u64::from(*pending),
            reporting: w.reporting + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_users_latest_report_counts_while_it_is_recent() {
        let queues = OfflineQueues::default();
        queues.report("rep1", 5, 1_000);
        queues.report("rep1", 2, 1_100);
        queues.report("rep2", 3, 1_050);
        queues.report("rep3", 0, 1_150);
        assert_eq!(queues.waiting(1_200, 1_800), Waiting { changes: 5, reporting: 3 });
        assert_eq!(queues.waiting(1_200, 120), Waiting { changes: 2, reporting: 2 }, "rep2 is too old");
        let next_day = 1_200 + FORGET_AFTER;
        queues.report("rep4", 1, next_day);
        assert_eq!(queues.waiting(next_day, FORGET_AFTER * 2).reporting, 1, "a day old: forgotten");
        assert_eq!(lock(&queues.latest).len(), 1, "and dropped");
    }
}
