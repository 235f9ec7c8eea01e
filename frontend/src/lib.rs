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

    console_error_panic_hook::set_once();
    pwa::start();
    wasm_bindgen_futures::spawn_local(async {
        let page = leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), app::App).await;
        // The page lives as long as the document.
        page.forget();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
