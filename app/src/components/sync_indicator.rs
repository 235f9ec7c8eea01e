//! The sync indicator in the top bar: online or not, what waits to be sent, what needs the
//! user, and how fresh the copy on this device is. It links to the changes page.

use leptos::prelude::*;

use crate::offline::use_sync_status;

#[component]
pub fn SyncIndicator() -> impl IntoView {
    let status = use_sync_status();
    let text = move || if status.started.get() { status.summary() } else { String::new() };
    let state = move || {
        if !status.started.get() {
            "sync-indicator"
        } else if status.attention.get() > 0 || status.problem.get().is_some() {
            "sync-indicator warn"
        } else if !status.online.get() {
            "sync-indicator offline"
        } else if status.pending.get() > 0 || status.priming.get().is_some() {
            "sync-indicator busy"
        } else {
            "sync-indicator ok"
        }
    };
    view! {
        <a class=state href="/sync" data-testid="sync-indicator" title=move || status.problem.get().unwrap_or_default()
            data-online=move || status.online.get().to_string() data-pending=move || status.pending.get().to_string()>
            <span class="sync-dot" aria-hidden="true"></span>
            <span class="sync-text">{text}</span>
        </a>
    }
}
