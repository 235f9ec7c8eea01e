//! What the sync indicator shows, shared by every page: one set of signals the browser's
//! sync loop writes and the components read. On the server it stays at its start (nothing
//! known yet), so the first render in the browser matches the server's HTML.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy)]
pub struct SyncStatus {
    /// The sync loop runs in this page (false on the server and before it starts).
    pub started: RwSignal<bool>,
    pub online: RwSignal<bool>,
    /// Ops of this user waiting to be sent.
    pub pending: RwSignal<usize>,
    /// Ops the server answered with a conflict or a refusal: the user decides.
    pub attention: RwSignal<usize>,
    /// Ops queued by someone else on this device, waiting for them to sign in.
    pub others: RwSignal<usize>,
    pub sending: RwSignal<bool>,
    /// When the copy on this device was last brought up to date.
    pub last_sync: RwSignal<Option<DateTime<Utc>>>,
    /// Why the last attempt failed, in words for the user.
    pub problem: RwSignal<Option<String>>,
    /// Rows copied so far while the first copy is made.
    pub priming: RwSignal<Option<usize>>,
    /// Bumped whenever the outbox changes, so lists of it reload.
    pub outbox_version: RwSignal<u64>,
}

impl SyncStatus {
    fn new() -> Self {
        SyncStatus {
            started: RwSignal::new(false),
            online: RwSignal::new(true),
            pending: RwSignal::new(0),
            attention: RwSignal::new(0),
            others: RwSignal::new(0),
            sending: RwSignal::new(false),
            last_sync: RwSignal::new(None),
            problem: RwSignal::new(None),
            priming: RwSignal::new(None),
            outbox_version: RwSignal::new(0),
        }
    }
}

impl SyncStatus {
    /// The indicator's words for the current state (tracks every signal it reads).
    pub fn summary(&self) -> String {
        let last = self.last_sync.get().map(|at| at.with_timezone(&chrono::Local).format("%H:%M").to_string());
        indicator_text(
            self.online.get(),
            self.pending.get(),
            self.attention.get(),
            self.sending.get(),
            self.priming.get(),
            last.as_deref(),
        )
    }
}

pub fn provide_sync_status() -> SyncStatus {
    let status = SyncStatus::new();
    provide_context(status);
    // The monitoring dashboard hears of changes stuck on devices through the vitals beacons.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if status.started.get() {
            crate::vitals::report_pending_ops(status.pending.get() + status.attention.get());
        }
    });
    status
}

/// The page's sync status (a fresh, idle one outside the app, e.g. in a component test).
pub fn use_sync_status() -> SyncStatus {
    use_context::<SyncStatus>().unwrap_or_else(SyncStatus::new)
}

/// The indicator's words for a state, e.g. "Offline · 3 to send · data from 10:42".
pub fn indicator_text(
    online: bool,
    pending: usize,
    attention: usize,
    sending: bool,
    priming: Option<usize>,
    last_sync: Option<&str>,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !online {
        parts.push("Offline".into());
    }
    if let Some(rows) = priming {
        parts.push(format!("Copying for offline use… {rows} records"));
    }
    match (pending, sending) {
        (0, _) => {}
        (n, true) => parts.push(format!("Sending {n}…")),
        (n, false) => parts.push(format!("{n} to send")),
    }
    if attention > 0 {
        parts.push(format!("{attention} need{} you", if attention == 1 { "s" } else { "" }));
    }
    match (online, last_sync) {
        (false, Some(at)) => parts.push(format!("data from {at}")),
        (true, Some(at)) if pending == 0 && priming.is_none() => parts.push(format!("Synced {at}")),
        (false, None) => parts.push("no copy on this device yet".into()),
        _ => {}
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::indicator_text;

    #[test]
    fn the_indicator_says_what_waits_and_how_fresh_the_copy_is() {
        assert_eq!(indicator_text(true, 0, 0, false, None, Some("10:42")), "Synced 10:42");
        assert_eq!(indicator_text(false, 3, 0, false, None, Some("10:42")), "Offline · 3 to send · data from 10:42");
        assert_eq!(indicator_text(true, 2, 1, true, None, Some("10:42")), "Sending 2… · 1 needs you");
        assert_eq!(indicator_text(false, 0, 2, false, None, None), "Offline · 2 need you · no copy on this device yet");
        assert_eq!(indicator_text(true, 0, 0, false, Some(500), None), "Copying for offline use… 500 records");
    }
}
