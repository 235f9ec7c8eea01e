//! Form fields with labels, hints and the server's messages beside them. Field names are
//! posted as `form[<name>]`, the shape the save server functions read.
//!
//! A form works with and without JavaScript: with it, messages arrive in the action's value;
//! without it, the server redirects back with the error (and what was typed) in the URL and
//! the page renders both.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::FieldErrors;

/// The values a form starts with and the errors its last submit got.
#[derive(Clone, Copy)]
pub struct FormState {
    error: Signal<Option<AppError>>,
    values: StoredValue<BTreeMap<String, String>>,
}

impl FormState {
    /// `initial` is the record's values as the form shows them; when the page was reached by
    /// a failed submit without JavaScript, what the user typed wins.
    pub fn new(error: Signal<Option<AppError>>, initial: &impl serde::Serialize) -> Self {
        let mut values: BTreeMap<String, String> = match serde_json::to_value(initial) {
            Ok(serde_json::Value::Object(map)) => {
                map.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned()))).collect()
            }
            _ => BTreeMap::new(),
        };
        if let Some(AppError::Invalid { values: typed, .. }) = error.get_untracked() {
            values.extend(typed);
        }
        FormState { error, values: StoredValue::new(values) }
    }

    pub fn value(&self, name: &str) -> String {
        self.values.with_value(|v| v.get(name).cloned().unwrap_or_default())
    }

    pub fn error_for(&self, name: &str) -> Signal<Option<String>> {
        let error = self.error;
        let name = name.to_owned();
        Signal::derive(move || error.get().and_then(|e| e.field(&name)))
    }

    pub fn error(&self) -> Signal<Option<AppError>> {
        self.error
    }
}

/// The `(code, label)` options of a select for every value of a code list.
pub fn code_options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter().map(|v| (code(*v).to_owned(), label(*v).to_owned())).collect()
}

fn ids(name: &str) -> (String, String, String) {
    let id = format!("f-{}", name.replace('_', "-"));
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    (id, error_id, hint_id)
}

fn described_by(error: Option<&String>, error_id: &str, hint: Option<&str>, hint_id: &str) -> Option<String> {
    let mut ids = Vec::new();
    if error.is_some() {
        ids.push(error_id.to_owned());
    }
    if hint.is_some() {
        ids.push(hint_id.to_owned());
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// The label row, hint and message shared by every field.
#[component]
fn FieldFrame(
    id: String,
    label: &'static str,
    required: bool,
    hint: Option<&'static str>,
    hint_id: String,
    error_id: String,
    error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {children()}
            {move || error.get().map(|message| view! { <p class="field-error" id=error_id.clone()>{message}</p> })}
        </div>
    }
}

#[component]
pub fn TextField(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] placeholder: Option<&'static str>,
) -> impl IntoView {
    let form = expect_context::<FormState>();
    let (id, error_id, hint_id) = ids(name);
    let error = form.error_for(name);
    let describe = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || described_by(error.get().as_ref(), &error_id, hint, &hint_id)
    };
    view! {
        <FieldFrame id=id.clone() label required hint hint_id error_id error>
            <input
                id=id
                type=kind
                name=format!("form[{name}]")
                value=form.value(name)
                required=required
                autocomplete=autocomplete
                inputmode=inputmode
                maxlength=maxlength
                placeholder=placeholder
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=describe
            />
        </FieldFrame>
    }
}

#[component]
pub fn TextAreaField(
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = 4)] rows: u32,
) -> impl IntoView {
    let form = expect_context::<FormState>();
    let (id, error_id, hint_id) = ids(name);
    let error = form.error_for(name);
    let describe = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || described_by(error.get().as_ref(), &error_id, hint, &hint_id)
    };
    view! {
        <FieldFrame id=id.clone() label required=false hint hint_id error_id error>
            <textarea
                id=id
                name=format!("form[{name}]")
                rows=rows
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=describe
            >
                {super::format::raw_text_content(form.value(name))}
            </textarea>
        </FieldFrame>
    }
}

/// A choice among codes; `blank` adds an empty first option with that text.
#[component]
pub fn SelectField(
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    #[prop(optional)] blank: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let form = expect_context::<FormState>();
    let (id, error_id, hint_id) = ids(name);
    let error = form.error_for(name);
    let selected = form.value(name);
    let describe = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || described_by(error.get().as_ref(), &error_id, hint, &hint_id)
    };
    view! {
        <FieldFrame id=id.clone() label required=false hint hint_id error_id error>
            <select
                id=id
                name=format!("form[{name}]")
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=describe
            >
                {blank.map(|text| view! { <option value="" selected=selected.is_empty()>{text}</option> })}
                {options
                    .into_iter()
                    .map(|(code, text)| {
                        let is_selected = code == selected;
                        view! { <option value=code selected=is_selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </FieldFrame>
    }
}

/// One choice among a few, as a row of large tap targets (radio buttons in a fieldset, so a
/// screen reader names the group and arrow keys move within it).
#[component]
pub fn ChoiceField(
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let form = expect_context::<FormState>();
    let (id, error_id, hint_id) = ids(name);
    let error = form.error_for(name);
    let selected = form.value(name);
    let describe = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || described_by(error.get().as_ref(), &error_id, hint, &hint_id)
    };
    view! {
        <fieldset class="field choices" class:has-error=move || error.get().is_some() id=id.clone() aria-describedby=describe>
            <legend>{label}</legend>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <div class="choice-row">
                {options
                    .into_iter()
                    .map(|(code, text)| {
                        let option_id = format!("{id}-{}", code.replace('_', "-"));
                        let checked = code == selected;
                        view! {
                            <span class="choice">
                                <input type="radio" id=option_id.clone() name=format!("form[{name}]") value=code checked=checked/>
                                <label for=option_id>{text}</label>
                            </span>
                        }
                    })
                    .collect_view()}
            </div>
            {move || error.get().map(|message| view! { <p class="field-error" id=error_id.clone()>{message}</p> })}
        </fieldset>
    }
}

#[component]
pub fn CheckboxField(
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let form = expect_context::<FormState>();
    let (id, _, hint_id) = ids(name);
    let checked = crate::model::form::parse_checkbox(&form.value(name));
    view! {
        <div class="field checkbox">
            <input
                id=id.clone()
                type="checkbox"
                name=format!("form[{name}]")
                checked=checked
                aria-describedby=hint.map(|_| hint_id.clone())
            />
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
        </div>
    }
}

/// The message at the top of a form after a failed submit, with a link to each field. It
/// takes the focus when it appears, so a phone scrolls to it and a screen reader reads it.
#[component]
pub fn ErrorSummary() -> impl IntoView {
    let form = expect_context::<FormState>();
    let summary = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(element) = summary.get() {
            let _ = element.focus();
        }
    });
    move || {
        form.error().get().map(|error| {
            let fields: FieldErrors = error.fields();
            view! {
                <div class="alert error" role="alert" tabindex="-1" node_ref=summary>
                    <p><strong>{error.to_string()}</strong></p>
                    {(!fields.is_empty()).then(|| view! {
                        <ul>
                            {fields
                                .into_iter()
                                .map(|(name, message)| {
                                    let (id, _, _) = ids(&name);
                                    view! { <li><a href=format!("#{id}")>{message}</a></li> }
                                })
                                .collect_view()}
                        </ul>
                    })}
                </div>
            }
        })
    }
}

/// The submit button, which says it is working while the request runs.
#[component]
pub fn SubmitButton(
    label: &'static str,
    pending: Signal<bool>,
    #[prop(default = "Saving…")] busy_label: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class="button primary" disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}
