//! A form's unsaved values kept in the browser's `localStorage`, so a reload, a crashed tab
//! or a phone that dropped the page loses nothing typed. Browser only: on the server (and
//! without JavaScript) these do nothing, and the form works as a plain form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where the quick log keeps its draft.
pub const LOG_DRAFT: &str = "kp:log-draft";

/// What was typed, and what it was about (to offer it back from elsewhere).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Draft {
    pub subject_id: String,
    pub subject_name: String,
    /// Form field name → value (checked radios and checkboxes only).
    pub fields: BTreeMap<String, String>,
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::collections::BTreeMap;

    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{self, HtmlFormElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

    use super::Draft;

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    pub fn load(key: &str) -> Option<Draft> {
        serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
    }

    /// Keeps the draft; a full or refused storage only means no draft (the form still saves).
    pub fn save(key: &str, draft: &Draft) {
        if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(draft)) {
            let _ = storage.set_item(key, &json);
        }
    }

    pub fn clear(key: &str) {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(key);
        }
    }

    fn controls(form: &HtmlFormElement) -> Vec<web_sys::Element> {
        let elements = form.elements();
        (0..elements.length()).filter_map(|i| elements.item(i)).collect()
    }

    pub fn read(form: &HtmlFormElement) -> BTreeMap<String, String> {
        let mut fields = BTreeMap::new();
        for element in controls(form) {
            if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
                let kind = input.type_();
                let keep = match kind.as_str() {
                    "radio" | "checkbox" => input.checked(),
                    "submit" | "button" | "reset" | "file" => false,
                    _ => true,
                };
                if keep && !input.name().is_empty() {
                    fields.insert(input.name(), input.value());
                }
            } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
                fields.insert(area.name(), area.value());
            } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
                fields.insert(select.name(), select.value());
            }
        }
        fields
    }

    pub fn fill(form: &HtmlFormElement, fields: &BTreeMap<String, String>) {
        for element in controls(form) {
            if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
                let value = fields.get(&input.name());
                match input.type_().as_str() {
                    "radio" => input.set_checked(value == Some(&input.value())),
                    "checkbox" => input.set_checked(value.is_some()),
                    "submit" | "button" | "reset" | "file" => {}
                    _ => {
                        if let Some(value) = value {
                            input.set_value(value);
                        }
                    }
                }
            } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
                if let Some(value) = fields.get(&area.name()) {
                    area.set_value(value);
                }
            } else if let Some(select) = element.dyn_ref::<HtmlSelectElement>()
                && let Some(value) = fields.get(&select.name())
            {
                select.set_value(value);
            }
        }
    }
}

/// The draft kept under `key`, if any.
pub fn load_draft(key: &str) -> Option<Draft> {
    #[cfg(feature = "hydrate")]
    {
        browser::load(key)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

pub fn clear_draft(key: &str) {
    #[cfg(feature = "hydrate")]
    browser::clear(key);
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// Saves what `form` holds now as the draft about `subject`.
pub fn keep_draft(key: &str, form: &leptos::web_sys::HtmlFormElement, subject_id: &str, subject_name: &str) {
    #[cfg(feature = "hydrate")]
    browser::save(
        key,
        &Draft {
            subject_id: subject_id.to_owned(),
            subject_name: subject_name.to_owned(),
            fields: browser::read(form),
        },
    );
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, form, subject_id, subject_name);
}

/// Puts a kept draft's values back into `form`.
pub fn restore_draft(form: &leptos::web_sys::HtmlFormElement, draft: &Draft) {
    #[cfg(feature = "hydrate")]
    browser::fill(form, &draft.fields);
    #[cfg(not(feature = "hydrate"))]
    let _ = (form, draft);
}
