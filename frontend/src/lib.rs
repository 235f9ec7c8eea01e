//! The browser entry: hydrate the server-rendered page and start the installable app's
//! service worker. Route chunks load lazily as the router needs them.

#[cfg(feature = "hydrate")]
mod pwa;

/// Hydrates the page, waiting for the route's lazily loaded code first, then marks
/// `<html data-hydrated="true">`: from then on every control on the page is live, so tests
/// and scripts can wait for that rather than guess.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::document;

    // A panic is shown in the console and reported (the page may not live to send it later).
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        app::vitals::record_error(app::model::vitals::ClientErrorKind::Panic, &info.to_string());
    }));
    // First, so the page's own load is measured (entries are buffered anyway).
    app::vitals::start();
    pwa::start();
    if document().get_element_by_id(app::pages::offline_shell::SHELL_MARKER).is_some() {
        mount_offline();
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let page = leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), app::App).await;
        // The page lives as long as the document.
        page.forget();
        mark_live();
    });
}

/// The offline shell (the worker's answer for a page never kept): the app is mounted afresh
/// for the address asked for, reading its data from the copy on this device. Someone who
/// never signed in on this device has no copy: they get the offline page instead.
#[cfg(feature = "hydrate")]
fn mount_offline() {
    use leptos::prelude::*;

    if app::components::layout::remembered_session().is_none() {
        let _ = window().location().replace("/offline.html");
        return;
    }
    let body = leptos::tachys::dom::body();
    body.set_inner_html("");
    // The app lives as long as the document.
    leptos::mount::mount_to(body, app::App).forget();
    mark_live();
}

#[cfg(feature = "hydrate")]
fn mark_live() {
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
