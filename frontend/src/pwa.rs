//! The installable app's browser side: registers the service worker (public/sw.js), says
//! when a new version is ready, and offers to install the app where the browser allows it.
//! Plain DOM, outside the Leptos tree: these notices belong to no page.

use std::cell::{Cell, RefCell};

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Event, HtmlElement, MessageEvent};

/// A dismissed install offer is not shown again on this device.
const INSTALL_DISMISSED: &str = "kp.install-dismissed";

thread_local! {
    /// The browser's install offer, held until the person first taps or types on the page.
    static PENDING_OFFER: RefCell<Option<Event>> = const { RefCell::new(None) };
    static HAS_INTERACTED: Cell<bool> = const { Cell::new(false) };
}

pub fn start() {
    let Some(window) = web_sys::window() else { return };
    let Some(document) = window.document() else { return };
    let workers = window.navigator().service_worker();
    let _ = workers.register("/sw.js");
    let notices = document.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let kind = js_sys::Reflect::get(&event.data(), &"type".into()).ok().and_then(|v| v.as_string());
        if kind.as_deref() == Some("version-ready") {
            show_update_notice(&notices);
        }
    });
    workers.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    let dismissed = window.local_storage().ok().flatten().and_then(|s| s.get_item(INSTALL_DISMISSED).ok().flatten());
    if dismissed.is_none() {
        let offer_document = document.clone();
        let on_offer = Closure::<dyn Fn(Event)>::new(move |event: Event| {
            // Keep the browser's own bar away; offer it from our notice instead.
            event.prevent_default();
            if HAS_INTERACTED.get() {
                show_install_offer(&offer_document, event);
            } else {
                PENDING_OFFER.set(Some(event));
            }
        });
        let _ = window.add_event_listener_with_callback("beforeinstallprompt", on_offer.as_ref().unchecked_ref());
        on_offer.forget();
        // The offer waits for the first tap or key: it is not in the way of what the person
        // came to see, and it never becomes the page's Largest Contentful Paint (browsers stop
        // measuring that at the first input). Shown on arrival, it was the LCP of the
        // organizations list, painted after hydration.
        let on_input = Closure::<dyn Fn()>::new(move || {
            HAS_INTERACTED.set(true);
            if let Some(offer) = PENDING_OFFER.take() {
                show_install_offer(&document, offer);
            }
        });
        for kind in ["pointerdown", "keydown"] {
            let _ = window.add_event_listener_with_callback_and_bool(kind, on_input.as_ref().unchecked_ref(), true);
        }
        on_input.forget();
    }
}

/// What a notice's button does, given the notice.
type NoticeAction = Box<dyn Fn(&HtmlElement)>;

/// A notice at the bottom of the page with a message and buttons, each `(label, action)`.
fn notice(document: &Document, id: &str, message: &str, buttons: Vec<(&str, NoticeAction)>) {
    if document.get_element_by_id(id).is_some() {
        return;
    }
    let (Some(body), Ok(element)) = (document.body(), document.create_element("div")) else { return };
    let Ok(card) = element.dyn_into::<HtmlElement>() else { return };
    card.set_id(id);
    card.set_class_name("app-notice");
    let _ = card.set_attribute("role", "status");
    let Ok(text) = document.create_element("span") else { return };
    text.set_text_content(Some(message));
    let _ = card.append_child(&text);
    for (label, action) in buttons {
        let Ok(button) = document.create_element("button") else { continue };
        let _ = button.set_attribute("type", "button");
        button.set_text_content(Some(label));
        let owner = card.clone();
        let click = Closure::<dyn Fn()>::new(move || action(&owner));
        let _ = button.add_event_listener_with_callback("click", click.as_ref().unchecked_ref());
        click.forget();
        let _ = card.append_child(&button);
    }
    let _ = body.append_child(&card);
}

fn show_update_notice(document: &Document) {
    let reload: NoticeAction = Box::new(|_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    notice(document, "update-ready", "A new version of Kitchen Pantry CRM is ready.", vec![("Reload", reload)]);
}

fn show_install_offer(document: &Document, offer: Event) {
    let install: NoticeAction = Box::new(move |card| {
        if let Ok(prompt) =
            js_sys::Reflect::get(&offer, &"prompt".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
        {
            let _ = prompt.call0(&offer);
        }
        card.remove();
    });
    let later: NoticeAction = Box::new(|card| {
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(INSTALL_DISMISSED, "1");
        }
        card.remove();
    });
    notice(
        document,
        "install-offer",
        "Install Kitchen Pantry CRM to open it from your home screen, also offline.",
        vec![("Install", install), ("Not now", later)],
    );
}
