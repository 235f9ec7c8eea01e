//! Arrow keys in a type-ahead: from its box down into the list of links it shows, along the
//! list, and back up to the box. The links stay links, so Tab and Enter work as everywhere.

/// Handles a keydown in the box (`input_id`) or the list (links matching `links`).
pub fn move_between_results(ev: &leptos::ev::KeyboardEvent, input_id: &str, links: &str) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::HtmlElement;
        let down = match ev.key().as_str() {
            "ArrowDown" => true,
            "ArrowUp" => false,
            _ => return,
        };
        let Some(document) = leptos::web_sys::window().and_then(|w| w.document()) else { return };
        let Ok(found) = document.query_selector_all(links) else { return };
        let links: Vec<HtmlElement> =
            (0..found.length()).filter_map(|i| found.item(i)?.dyn_into::<HtmlElement>().ok()).collect();
        let active = document.active_element();
        let at = links.iter().position(|link| active.as_ref() == Some(link.unchecked_ref()));
        let target = match (at, down) {
            (None, true) => links.first().cloned(),
            (Some(i), true) => links.get(i + 1).cloned(),
            (Some(0), false) => document.get_element_by_id(input_id).and_then(|e| e.dyn_into().ok()),
            (Some(i), false) => links.get(i - 1).cloned(),
            (None, false) => None,
        };
        if let Some(target) = target {
            ev.prevent_default();
            let _ = target.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, input_id, links);
}
