//! `/offline-shell`: the document the service worker answers a navigation with when the
//! network fails and the page was never kept. Its marker tells the browser entry
//! (`frontend`) to mount the app afresh instead of hydrating this HTML; the router then
//! renders the address the user asked for, its data read from the copy on the device.
//! Public (no session): the worker precaches it before anyone signs in.

use leptos::prelude::*;
use leptos_meta::Title;

/// The id `frontend` looks for.
pub const SHELL_MARKER: &str = "offline-shell";

#[component]
pub fn OfflineShellPage() -> impl IntoView {
    view! {
        <Title text="Opening offline"/>
        <div id=SHELL_MARKER hidden></div>
        <p class="muted">"Opening the app from this device…"</p>
    }
}
