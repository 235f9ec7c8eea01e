//! Alerting's state machine (architecture.md, "Alerting"; Prometheus Alertmanager and
//! Grafana alerting are the models): per rule and label set, inactive → pending → firing →
//! resolved, with no-data and evaluation errors as states of their own; when a notification
//! goes out, when it repeats, and when a critical alert escalates. Pure: the engine feeds it
//! each evaluation with the time of its clock, so tests drive it with a fake one.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::validate::{Checker, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    High,
    Critical,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// How a rule's notifications are paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    /// How long the condition must hold before the alert fires (`for`).
    pub pending_for: Duration,
    /// The least time between two notifications of the same firing alert.
    pub repeat_every: Duration,
    /// Whether resolving is notified too.
    pub notify_resolved: bool,
    /// A critical alert nobody acknowledged within this also goes to the escalation channels.
    pub escalate_after: Option<Duration>,
}

/// Where one alert (a rule and its label set) stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AlertState {
    Inactive,
    /// The condition holds, for less than `pending_for` so far.
    Pending {
        since: DateTime<Utc>,
    },
    Firing {
        since: DateTime<Utc>,
        /// When it was last notified; `None` while silenced since it fired.
        notified_at: Option<DateTime<Utc>>,
        acknowledged: Option<Acknowledgement>,
        escalated: bool,
    },
    /// It fired, and the condition no longer holds.
    Resolved {
        at: DateTime<Utc>,
    },
    /// The metric had no data to judge.
    NoData {
        since: DateTime<Utc>,
    },
    /// The rule could not be evaluated.
    Error {
        since: DateTime<Utc>,
        message: String,
    },
}

impl AlertState {
    pub fn kind(&self) -> &'static str {
        match self {
            AlertState::Inactive => "inactive",
            AlertState::Pending { .. } => "pending",
            AlertState::Firing { .. } => "firing",
            AlertState::Resolved { .. } => "resolved",
            AlertState::NoData { .. } => "no_data",
            AlertState::Error { .. } => "error",
        }
    }

    /// Whether it needs someone's eyes: pending, firing or failing. (No data is a state of
    /// its own, shown with its rule: a new installation has no web vitals yet.)
    pub fn is_active(&self) -> bool {
        matches!(self, AlertState::Pending { .. } | AlertState::Firing { .. } | AlertState::Error { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// What one evaluation found.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    /// Whether the rule's condition holds.
    Condition(bool),
    NoData,
    Failed(String),
}

/// A notification to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    Firing,
    /// Still firing, after the repeat interval.
    Repeat,
    Resolved,
    /// A critical alert not acknowledged in time, for the escalation channels.
    Escalation,
    /// The daily digest (not an alert's: `step` never gives it).
    Digest,
}

impl Notice {
    pub fn code(self) -> &'static str {
        match self {
            Notice::Firing => "firing",
            Notice::Repeat => "repeat",
            Notice::Resolved => "resolved",
            Notice::Escalation => "escalation",
            Notice::Digest => "digest",
        }
    }
}

/// The next state after `evaluation` at `now`, and the notification it calls for, if any.
/// `silenced`: a silence matches the alert now (it changes state, but nothing is sent).
pub fn step(
    state: &AlertState,
    evaluation: &Evaluation,
    timing: &Timing,
    severity: Severity,
    now: DateTime<Utc>,
    silenced: bool,
) -> (AlertState, Option<Notice>) {
    use AlertState::*;
    let holds = match evaluation {
        Evaluation::Condition(holds) => *holds,
        Evaluation::NoData => {
            let since = match state {
                NoData { since } => *since,
                _ => now,
            };
            return (NoData { since }, None);
        }
        Evaluation::Failed(message) => {
            let since = match state {
                Error { since, .. } => *since,
                _ => now,
            };
            return (Error { since, message: message.clone() }, None);
        }
    };
    match (state, holds) {
        (Firing { notified_at, .. }, false) => {
            let tell = timing.notify_resolved && notified_at.is_some() && !silenced;
            (Resolved { at: now }, tell.then_some(Notice::Resolved))
        }
        (Firing { .. }, true) => still_firing(state, timing, severity, now, silenced),
        (Pending { since }, true) if now - *since >= timing.pending_for => fire(now, silenced),
        (Pending { since }, true) => (Pending { since: *since }, None),
        (_, true) if timing.pending_for <= Duration::zero() => fire(now, silenced),
        (_, true) => (Pending { since: now }, None),
        (Resolved { at }, false) => (Resolved { at: *at }, None),
        (_, false) => (Inactive, None),
    }
}

fn fire(now: DateTime<Utc>, silenced: bool) -> (AlertState, Option<Notice>) {
    let notified_at = (!silenced).then_some(now);
    let state = AlertState::Firing { since: now, notified_at, acknowledged: None, escalated: false };
    (state, notified_at.map(|_| Notice::Firing))
}

/// A firing alert whose condition still holds: a reminder after the repeat interval, or
/// the escalation of a critical one nobody acknowledged.
fn still_firing(
    firing: &AlertState,
    timing: &Timing,
    severity: Severity,
    now: DateTime<Utc>,
    silenced: bool,
) -> (AlertState, Option<Notice>) {
    let AlertState::Firing { since, notified_at, acknowledged, escalated } = firing.clone() else {
        return (firing.clone(), None);
    };
    let state = |notified_at, escalated| AlertState::Firing {
        since,
        notified_at,
        acknowledged: acknowledged.clone(),
        escalated,
    };
    if silenced {
        return (state(notified_at, escalated), None);
    }
    let overdue = timing.escalate_after.is_some_and(|after| now - since >= after);
    if severity == Severity::Critical && acknowledged.is_none() && !escalated && overdue {
        return (state(Some(now), true), Some(Notice::Escalation));
    }
    match notified_at {
        // Fired while silenced: the first notification goes once the silence is over.
        None => (state(Some(now), escalated), Some(Notice::Firing)),
        // Acknowledged: someone is on it, no more reminders.
        Some(_) if acknowledged.is_some() => (state(notified_at, escalated), None),
        Some(at) if now - at >= timing.repeat_every => (state(Some(now), escalated), Some(Notice::Repeat)),
        Some(_) => (state(notified_at, escalated), None),
    }
}

/// Acknowledges a firing alert (no effect on any other state).
pub fn acknowledge(state: &AlertState, by: &str, now: DateTime<Utc>) -> AlertState {
    match state {
        AlertState::Firing { since, notified_at, escalated, .. } => AlertState::Firing {
            since: *since,
            notified_at: *notified_at,
            acknowledged: Some(Acknowledgement { by: by.to_owned(), at: now }),
            escalated: *escalated,
        },
        other => other.clone(),
    }
}

/// A time-bounded silence: the alerts it matches change state but send nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: Uuid,
    /// `None`: alerts of any rule.
    pub rule_id: Option<Uuid>,
    /// The route; `None`: any route.
    pub labels: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub comment: String,
    pub created_by: String,
}

impl Silence {
    /// Whether it silences the alert of `rule_id` and `labels` at `now`.
    pub fn matches(&self, rule_id: Uuid, labels: &str, now: DateTime<Utc>) -> bool {
        self.starts_at <= now
            && now < self.ends_at
            && self.rule_id.is_none_or(|id| id == rule_id)
            && self.labels.as_deref().is_none_or(|l| l == labels)
    }
}

/// The longest silence: a week.
pub const LONGEST_SILENCE_MINUTES: i64 = 7 * 24 * 60;

/// A silence as asked for: what it matches, for how long from now, and why.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SilenceRequest {
    #[serde(default)]
    pub rule_id: Option<Uuid>,
    #[serde(default)]
    pub labels: Option<String>,
    pub minutes: i64,
    #[serde(default)]
    pub comment: String,
}

impl SilenceRequest {
    /// The silence from `now`, or a message per field that is wrong.
    pub fn silence(self, id: Uuid, by: &str, now: DateTime<Utc>) -> Result<Silence, FieldErrors> {
        let mut check = Checker::new();
        let labels = self.labels.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        if self.rule_id.is_none() && labels.is_none() {
            check.fail("rule_id", "Say which alerts to silence: a rule, a route, or both.");
        }
        if !(1..=LONGEST_SILENCE_MINUTES).contains(&self.minutes) {
            check.fail("minutes", "A silence lasts from 1 minute to 7 days.");
        }
        let comment = check.optional_line("comment", "The comment", Some(&self.comment), 500).unwrap_or_default();
        check.finish(Silence {
            id,
            rule_id: self.rule_id,
            labels,
            starts_at: now,
            ends_at: now + Duration::minutes(self.minutes),
            comment,
            created_by: by.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        "2026-12-05T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minute)
    }

    fn timing() -> Timing {
        Timing {
            pending_for: Duration::minutes(5),
            repeat_every: Duration::minutes(60),
            notify_resolved: true,
            escalate_after: Some(Duration::minutes(15)),
        }
    }

    /// Runs evaluations at the given minutes, returning the notices sent with their minute.
    fn run(
        steps: &[(i64, Evaluation)],
        timing: &Timing,
        severity: Severity,
        silenced: impl Fn(i64) -> bool,
    ) -> (AlertState, Vec<(i64, Notice)>) {
        let mut state = AlertState::Inactive;
        let mut sent = Vec::new();
        for (minute, evaluation) in steps {
            let (next, notice) = step(&state, evaluation, timing, severity, at(*minute), silenced(*minute));
            if let Some(notice) = notice {
                sent.push((*minute, notice));
            }
            state = next;
        }
        (state, sent)
    }

    fn holding(minutes: std::ops::RangeInclusive<i64>) -> Vec<(i64, Evaluation)> {
        minutes.map(|m| (m, Evaluation::Condition(true))).collect()
    }

    #[test]
    fn it_is_pending_for_exactly_the_for_duration_then_fires_once() {
        let (state, sent) = run(&holding(0..=10), &timing(), Severity::Warning, |_| false);
        assert_eq!(sent, vec![(5, Notice::Firing)], "pending at 0..4, firing at 5");
        assert!(matches!(state, AlertState::Firing { since, .. } if since == at(5)));
        let (_, sent) = run(&holding(0..=4), &timing(), Severity::Warning, |_| false);
        assert!(sent.is_empty());
    }

    #[test]
    fn a_blip_shorter_than_for_never_fires() {
        let mut steps = holding(0..=3);
        steps.push((4, Evaluation::Condition(false)));
        steps.extend(holding(5..=8));
        let (state, sent) = run(&steps, &timing(), Severity::Warning, |_| false);
        assert!(sent.is_empty());
        assert_eq!(state, AlertState::Pending { since: at(5) }, "the wait starts again");
    }

    #[test]
    fn no_repeat_before_the_interval_then_one_per_interval() {
        let (_, sent) = run(&holding(0..=130), &timing(), Severity::High, |_| false);
        assert_eq!(sent, vec![(5, Notice::Firing), (65, Notice::Repeat), (125, Notice::Repeat)]);
    }

    #[test]
    fn resolving_is_told_only_where_configured() {
        let mut steps = holding(0..=6);
        steps.push((7, Evaluation::Condition(false)));
        steps.push((8, Evaluation::Condition(false)));
        let (state, sent) = run(&steps, &timing(), Severity::Warning, |_| false);
        assert_eq!(sent, vec![(5, Notice::Firing), (7, Notice::Resolved)]);
        assert_eq!(state, AlertState::Resolved { at: at(7) });
        let quiet = Timing { notify_resolved: false, ..timing() };
        let (_, sent) = run(&steps, &quiet, Severity::Warning, |_| false);
        assert_eq!(sent, vec![(5, Notice::Firing)]);
    }

    #[test]
    fn a_silence_holds_notifications_and_the_alert_is_told_when_it_ends() {
        let (state, sent) = run(&holding(0..=20), &timing(), Severity::Warning, |m| m < 12);
        assert_eq!(sent, vec![(12, Notice::Firing)], "fired at 5 while silenced");
        assert!(matches!(state, AlertState::Firing { since, .. } if since == at(5)));
        let mut steps = holding(0..=8);
        steps.push((9, Evaluation::Condition(false)));
        let (_, sent) = run(&steps, &timing(), Severity::Warning, |_| true);
        assert!(sent.is_empty(), "nothing was told, so no resolve either");
    }

    #[test]
    fn acknowledging_stops_reminders_and_escalation() {
        let t = timing();
        let mut state = AlertState::Inactive;
        for minute in 0..=5 {
            state = step(&state, &Evaluation::Condition(true), &t, Severity::Critical, at(minute), false).0;
        }
        state = acknowledge(&state, "manager@kitchenpantry.test", at(6));
        let mut sent = Vec::new();
        for minute in 7..=200 {
            let (next, notice) = step(&state, &Evaluation::Condition(true), &t, Severity::Critical, at(minute), false);
            sent.extend(notice);
            state = next;
        }
        assert!(sent.is_empty(), "{sent:?}");
        assert!(matches!(&state, AlertState::Firing { acknowledged: Some(a), .. } if a.by.starts_with("manager")));
    }

    #[test]
    fn a_critical_alert_nobody_acknowledges_escalates_once() {
        let (_, sent) = run(&holding(0..=80), &timing(), Severity::Critical, |_| false);
        assert_eq!(sent, vec![(5, Notice::Firing), (20, Notice::Escalation), (80, Notice::Repeat)]);
        let (_, sent) = run(&holding(0..=30), &timing(), Severity::High, |_| false);
        assert_eq!(sent, vec![(5, Notice::Firing)], "only critical alerts escalate");
    }

    #[test]
    fn no_data_and_failures_are_states_of_their_own_and_send_nothing() {
        let mut steps = holding(0..=5);
        steps.push((6, Evaluation::NoData));
        steps.push((7, Evaluation::NoData));
        let (state, sent) = run(&steps, &timing(), Severity::Warning, |_| false);
        assert_eq!(sent, vec![(5, Notice::Firing)]);
        assert_eq!(state, AlertState::NoData { since: at(6) });
        steps.push((8, Evaluation::Failed("the database is down".into())));
        let (state, _) = run(&steps, &timing(), Severity::Warning, |_| false);
        assert_eq!(state, AlertState::Error { since: at(8), message: "the database is down".into() });
        steps.extend(holding(9..=14));
        let (state, sent) = run(&steps, &timing(), Severity::Warning, |_| false);
        assert_eq!(sent.last(), Some(&(14, Notice::Firing)), "data again: pending for 5 minutes, then firing");
        assert!(matches!(state, AlertState::Firing { .. }));
    }

    #[test]
    fn a_rule_without_for_fires_on_the_first_evaluation() {
        let now = Timing { pending_for: Duration::zero(), ..timing() };
        let (_, sent) = run(&holding(0..=1), &now, Severity::Info, |_| false);
        assert_eq!(sent, vec![(0, Notice::Firing)]);
    }

    #[test]
    fn the_state_survives_a_restart_as_json() {
        let (state, _) = run(&holding(0..=6), &timing(), Severity::Warning, |_| false);
        let saved = serde_json::to_string(&state).unwrap();
        let restored: AlertState = serde_json::from_str(&saved).unwrap();
        assert_eq!(restored, state);
        // Restored, it does not tell again before the repeat interval.
        let (_, notice) = step(&restored, &Evaluation::Condition(true), &timing(), Severity::Warning, at(7), false);
        assert_eq!(notice, None);
    }

    #[test]
    fn a_silence_matches_its_rule_and_route_while_it_lasts() {
        let rule = Uuid::from_u128(1);
        let request = |rule_id, labels: Option<&str>, minutes| SilenceRequest {
            rule_id,
            labels: labels.map(str::to_owned),
            minutes,
            comment: "deploying".into(),
        };
        let silence = request(Some(rule), Some("/today"), 30).silence(Uuid::nil(), "ops@example.test", at(0)).unwrap();
        assert!(silence.matches(rule, "/today", at(0)));
        assert!(silence.matches(rule, "/today", at(29)));
        assert!(!silence.matches(rule, "/today", at(30)), "ends at its end");
        assert!(!silence.matches(rule, "/organizations", at(5)), "another route");
        assert!(!silence.matches(Uuid::from_u128(2), "/today", at(5)), "another rule");
        let any_route = request(Some(rule), Some("  "), 30).silence(Uuid::nil(), "ops", at(0)).unwrap();
        assert!(any_route.matches(rule, "/organizations", at(5)));

        let errors = request(None, None, 0).silence(Uuid::nil(), "ops", at(0)).unwrap_err();
        assert_eq!(errors["rule_id"], "Say which alerts to silence: a rule, a route, or both.");
        assert_eq!(errors["minutes"], "A silence lasts from 1 minute to 7 days.");
    }
}
