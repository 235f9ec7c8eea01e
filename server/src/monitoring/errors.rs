//! Error tracking: every server error (a 5xx answer, a panic, a failed query) is filed with
//! its request id, route, user, message and causes, and grouped by kind and route with a
//! count, when it was first and last seen, and its latest occurrences. `GET /api/v1/errors`
//! lists the groups.
//! Plain data: the request recorder files, the API reads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Groups kept; past this the group seen least recently is dropped, so a flood of distinct
/// errors cannot grow memory.
const MAX_GROUPS: usize = 200;
/// Occurrences kept per group for the drill-down (the latest).
pub const RECENT: usize = 5;

/// One failed request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorOccurrence {
    pub at: DateTime<Utc>,
    pub request_id: Option<String>,
    /// The reference the person was shown, when there was one.
    pub reference: Option<String>,
    pub method: String,
    pub route: String,
    pub status: u16,
    /// Email of the signed-in user.
    pub user: Option<String>,
    pub message: String,
    /// The error and its sources, outermost first.
    pub causes: Vec<String>,
}

impl ErrorOccurrence {
    /// What kind of error this is, for grouping: what failed when known, else the status.
    pub fn kind(&self) -> String {
        if self.message.is_empty() { format!("http {}", self.status) } else { self.message.clone() }
    }
}

/// Errors of one kind on one route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorGroup {
    pub kind: String,
    pub route: String,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The latest occurrences, newest first, at most [`RECENT`].
    pub recent: Vec<ErrorOccurrence>,
}

#[derive(Default)]
pub struct ErrorLog {
    groups: HashMap<(String, String), ErrorGroup>,
}

impl ErrorLog {
    pub fn record(&mut self, occurrence: ErrorOccurrence) {
        let key = (occurrence.kind(), occurrence.route.clone());
        if let Some(group) = self.groups.get_mut(&key) {
            group.count += 1;
            group.last_seen = occurrence.at;
            group.recent.insert(0, occurrence);
            group.recent.truncate(RECENT);
            return;
        }
        if self.groups.len() >= MAX_GROUPS
            && let Some(stalest) = self.groups.iter().min_by_key(|(_, g)| g.last_seen).map(|(k, _)| k.clone())
        {
            self.groups.remove(&stalest);
        }
        let (kind, route) = key.clone();
        let group = ErrorGroup {
            kind,
            route,
            count: 1,
            first_seen: occurrence.at,
            last_seen: occurrence.at,
            recent: vec![occurrence],
        };
        self.groups.insert(key, group);
    }

    /// The groups, the most recently seen first.
    pub fn groups(&self) -> Vec<ErrorGroup> {
        let mut groups: Vec<ErrorGroup> = self.groups.values().cloned().collect();
        groups.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| b.count.cmp(&a.count)));
        groups
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn occurrence(seconds: i64, route: &str, message: &str) -> ErrorOccurrence {
        ErrorOccurrence {
            at: DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap(),
            request_id: Some(format!("req-{seconds}")),
            reference: None,
            method: "GET".into(),
            route: route.into(),
            status: 500,
            user: None,
            message: message.into(),
            causes: vec![],
        }
    }

    #[test]
    fn errors_are_grouped_by_kind_and_route() {
        let mut log = ErrorLog::default();
        log.record(occurrence(0, "/organizations", "store operation failed"));
        log.record(occurrence(5, "/organizations", "store operation failed"));
        log.record(occurrence(7, "/organizations/:id", "store operation failed"));
        log.record(occurrence(9, "/organizations", ""));
        let groups = log.groups();
        assert_eq!(groups.len(), 3);
        assert_eq!(groups.iter().map(|g| g.count).sum::<u64>(), 4);
        assert_eq!(groups[0].kind, "http 500", "the most recent first");
        let repeated = groups.iter().find(|g| g.count == 2).unwrap();
        assert_eq!((repeated.route.as_str(), repeated.kind.as_str()), ("/organizations", "store operation failed"));
        assert_eq!(repeated.last_seen - repeated.first_seen, Duration::seconds(5));
        let recent: Vec<Option<&str>> = repeated.recent.iter().map(|o| o.request_id.as_deref()).collect();
        assert_eq!(recent, [Some("req-5"), Some("req-0")], "newest first");
    }

    #[test]
    fn a_group_keeps_its_latest_occurrences_only() {
        let mut log = ErrorLog::default();
        for i in 0..(RECENT as i64 + 3) {
            log.record(occurrence(i, "/organizations", "store operation failed"));
        }
        let group = &log.groups()[0];
        assert_eq!(group.count, RECENT as u64 + 3);
        assert_eq!(group.recent.len(), RECENT);
        assert_eq!(group.recent[0].request_id.as_deref(), Some(format!("req-{}", RECENT + 2).as_str()));
        assert_eq!(group.recent[RECENT - 1].request_id.as_deref(), Some("req-3"));
    }

    #[test]
    fn the_number_of_groups_is_bounded() {
        let mut log = ErrorLog::default();
        for i in 0..(MAX_GROUPS as i64 + 10) {
            log.record(occurrence(i, &format!("/r{i}"), "x"));
        }
        let groups = log.groups();
        assert_eq!(groups.len(), MAX_GROUPS);
        assert!(groups.iter().all(|g| g.route != "/r0"), "the stalest went first");
    }
}
