//! `/log` and `/interactions/:id/edit`: the quick log of a visit, in at most five steps
//! (who → what → how it went → notes → next step), and the same form to edit one later.
//! Lazy routes.
//!
//! Without JavaScript every step works as plain forms: step 1 is a search form, the next
//! step's date is filled in by the server. With it, step 1 finds as you type, the date
//! fills in as the next step is chosen, and what is typed survives a reload.

use crate::components::{PageData, page_data, preload_route};
use crate::pages::organizations::OrganizationDetailPage;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::{LazyRoute, lazy_route};
use uuid::Uuid;

use crate::api::interactions::{LogForm, OrganizationChoice, SaveInteraction, find_organizations_to_log, get_log_form};
use crate::components::draft::{Draft, LOG_DRAFT, clear_draft, keep_draft, load_draft, restore_draft};
use crate::components::format::{day, optional_date};
use crate::components::{
    CheckboxField, ChoiceField, ErrorSummary, FormState, History, SelectField, SubmitButton, TextAreaField, TextField,
    code_options, loaded,
};
use crate::error::AppError;
use crate::model::{Contact, InteractionForm, InteractionKind, NextStep, Outcome};
use crate::offline::outbox::save_op;
use crate::offline::{KeptOffline, OfflineSave, ToKeep, or_from_copy};
use crate::pages::id_param;

type FormResource = PageData<LogForm>;

pub struct LogVisitPage {
    form: FormResource,
}

#[lazy_route]
impl LazyRoute for LogVisitPage {
    fn data() -> Self {
        let query = use_query_map();
        let form = page_data(
            move || query.with(|q| (q.get("organization"), q.get("completes"), q.get("q"))),
            |(organization, completes, q)| async move {
                let organization = match organization.filter(|s| !s.trim().is_empty()) {
                    Some(id) => Some(Uuid::parse_str(id.trim()).map_err(|_| AppError::not_found("Organization"))?),
                    None => None,
                };
                let completes = completes.and_then(|id| Uuid::parse_str(id.trim()).ok());
                or_from_copy!(
                    get_log_form(organization, None, completes, q.clone()).await,
                    log_form(organization, None, completes, q)
                )
            },
        );
        LogVisitPage { form }
    }

    fn view(this: Self) -> AnyView {
        form_page(this.form)
    }
}

pub struct EditInteractionPage {
    form: FormResource,
}

#[lazy_route]
impl LazyRoute for EditInteractionPage {
    fn data() -> Self {
        let id = id_param("id");
        let form = page_data(
            move || id.get(),
            |id| async move {
                match id {
                    Some(id) => {
                        or_from_copy!(
                            get_log_form(None, Some(id), None, None).await,
                            log_form(None, Some(id), None, None)
                        )
                    }
                    None => Err(AppError::not_found("Interaction")),
                }
            },
        );
        EditInteractionPage { form }
    }

    fn view(this: Self) -> AnyView {
        form_page(this.form)
    }
}

fn form_page(form: FormResource) -> AnyView {
    loaded(form, |form| match form.organization.clone() {
        Some(organization) => view! { <LogFormView form organization/> }.into_any(),
        None => view! { <ChooseOrganization search=form.search choices=form.choices/> }.into_any(),
    })
}

const STEPS: [(&str, &str); 5] = [
    ("step-who", "Who"),
    ("step-what", "What"),
    ("step-how", "How it went"),
    ("step-notes", "Notes"),
    ("step-next", "Next step"),
];

/// The five steps, as a map of the form (links to each).
#[component]
fn StepList(current: usize) -> impl IntoView {
    view! {
        <ol class="steps" aria-label="Steps">
            {STEPS.iter().enumerate().map(|(i, (anchor, label))| {
                let state = if i + 1 < current { "done" } else if i + 1 == current { "current" } else { "" };
                view! {
                    <li class=state aria-current=(i + 1 == current).then_some("step")>
                        <a href=format!("#{anchor}")><span class="step-number">{i + 1}</span>" "{*label}</a>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// Step 1 without an organization yet: recently visited accounts, and a search that finds
/// as you type (a plain search form without JavaScript).
#[component]
fn ChooseOrganization(search: String, choices: Vec<OrganizationChoice>) -> impl IntoView {
    let typed = RwSignal::new(false);
    let find = Action::new(|q: &String| find_organizations_to_log(q.clone()));
    let shown = move || match (typed.get(), find.value().get()) {
        (true, Some(Ok(found))) => found,
        _ => choices.clone(),
    };
    let searched = !search.trim().is_empty();
    let draft = RwSignal::new(None::<Draft>);
    Effect::new(move |_| draft.set(load_draft(LOG_DRAFT).filter(|d| !d.subject_id.is_empty())));
    view! {
        <Title text="Log a visit"/>
        <div class="page-header"><h1>"Log a visit"</h1></div>
        <StepList current=1/>
        {move || draft.get().map(|d| view! {
            <p class="alert info">
                "You have an unsaved log for "<strong>{d.subject_name.clone()}</strong>". "
                <a href=format!("/log?organization={}", d.subject_id)>"Continue it"</a>
            </p>
        })}
        <form method="get" action="/log" role="search" class="typeahead" id="step-who">
            <label for="log-organization">"Which organization?"</label>
            <div class="search-row">
                <input
                    id="log-organization"
                    type="search"
                    name="q"
                    value=search
                    autocomplete="off"
                    placeholder="Name or city"
                    aria-controls="log-choices"
                    aria-describedby="log-choices-hint"
                    on:input=move |ev| {
                        typed.set(true);
                        find.dispatch(event_target_value(&ev));
                    }
                    on:keydown=move |ev| move_between_choices(&ev)
                />
                <button type="submit" class="button">"Find"</button>
            </div>
            <p class="hint" id="log-choices-hint">
                {if searched { "Matches, recently visited first." } else { "Your recently visited accounts first; type to find another." }}
            </p>
        </form>
        <div aria-live="polite">
            {move || {
                let list = shown();
                if list.is_empty() {
                    view! {
                        <p class="empty">"No organization matches. Check the spelling, or "
                            <a href="/organizations/new">"add a new organization"</a>"."
                        </p>
                    }.into_any()
                } else {
                    view! {
                        <ul class="choice-list" id="log-choices" on:keydown=move |ev| move_between_choices(&ev)>
                            {list.into_iter().map(|org| view! {
                                <li>
                                    <a href=format!("/log?organization={}", org.id)>
                                        <strong>{org.name.clone()}</strong>
                                        <span class="muted">
                                            {org.place.clone().map(|p| format!(" · {p}"))}
                                            {format!(" · last visit {}", optional_date(org.last_interaction_at))}
                                        </span>
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </div>
    }
}

fn move_between_choices(ev: &leptos::ev::KeyboardEvent) {
    crate::components::keyboard::move_between_results(ev, "log-organization", "#log-choices a");
}

fn contact_options(contacts: &[Contact]) -> Vec<(String, String)> {
    contacts
        .iter()
        .map(|c| {
            let label = match c.position {
                Some(position) => format!("{} · {}", c.full_name(), position.label()),
                None => c.full_name(),
            };
            (c.id.to_string(), label)
        })
        .collect()
}

fn next_step_options() -> Vec<(String, String)> {
    std::iter::once((String::new(), "None".to_owned()))
        .chain(NextStep::ALL.iter().map(|s| (s.code().to_owned(), format!("{} · in {} days", s.label(), s.days()))))
        .collect()
}

/// Fills in the follow-up from the chosen next step (the server does the same when the
/// date is left empty, so this is only a convenience).
fn prefill_follow_up(ev: &leptos::ev::Event, today: NaiveDate) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::HtmlInputElement;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        if input.name() != "form[next_step]" {
            return;
        }
        let Some(document) = leptos::web_sys::window().and_then(|w| w.document()) else { return };
        let field = |id: &str| document.get_element_by_id(id).and_then(|e| e.dyn_into::<HtmlInputElement>().ok());
        let step = NextStep::parse(&input.value());
        if let Some(date) = field("f-follow-up-on") {
            date.set_value(&step.map(|s| s.due_from(today).to_string()).unwrap_or_default());
        }
        if let Some(note) = field("f-follow-up-notes") {
            let was_template = note.value().is_empty() || NextStep::ALL.iter().any(|s| s.label() == note.value());
            if was_template {
                note.set_value(step.map(|s| s.label()).unwrap_or_default());
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, today);
}

#[component]
fn LogFormView(form: LogForm, organization: OrganizationChoice) -> impl IntoView {
    let save = ServerAction::<SaveInteraction>::new();
    // A save opens this page: its code loads while the form is filled in.
    preload_route::<OrganizationDetailPage>();
    let editing = form.interaction.is_some();
    let offline = {
        let (record, organization) = (form.interaction.clone(), organization.name.clone());
        OfflineSave::new(save, move |s: SaveInteraction| visit_to_keep(s.form, record.as_ref(), &organization))
    };
    let error = offline.error();
    let initial = match &form.interaction {
        Some(interaction) => InteractionForm::from_record(interaction),
        None => InteractionForm {
            completes: form.completes.as_ref().map(|c| c.id.to_string()).unwrap_or_default(),
            ..InteractionForm::blank(form.new_id, Some(organization.id))
        },
    };
    provide_context(FormState::new(error, &initial));
    let today = form.today;
    let org_id = organization.id.to_string();
    let org_name = organization.name.clone();

    // The draft: put back after a reload, kept on every change, dropped once saved.
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let restored = RwSignal::new(false);
    if !editing {
        let org_id = org_id.clone();
        Effect::new(move |_| {
            let Some(element) = form_ref.get() else { return };
            match load_draft(LOG_DRAFT).filter(|d| d.subject_id == org_id) {
                // The draft's id: a save sent again after a reload is still one visit.
                Some(draft) => {
                    restore_draft(&element, &draft);
                    restored.set(true);
                }
                // A page kept offline carries the id it was rendered with: each visit logged
                // from it needs its own.
                None => set_hidden(&element, "form[id]", &Uuid::now_v7().to_string()),
            }
        });
    }
    let on_edit = {
        let (org_id, org_name) = (org_id.clone(), org_name.clone());
        move |ev: leptos::ev::Event| {
            prefill_follow_up(&ev, today);
            if !editing && let Some(element) = form_ref.get_untracked() {
                keep_draft(LOG_DRAFT, &element, &org_id, &org_name);
            }
        }
    };
    let on_change = on_edit.clone();
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            clear_draft(LOG_DRAFT);
        }
        // Kept offline, the page stays: the form is ready for the next visit, under a new id.
        if offline.is_kept() {
            clear_draft(LOG_DRAFT);
            if !editing && let Some(element) = form_ref.get_untracked() {
                element.reset();
                set_hidden(&element, "form[id]", &Uuid::now_v7().to_string());
                // The visit just kept completed the follow-up, if any.
                set_hidden(&element, "form[completes]", "");
            }
        }
    });
    let remember_sent = move |_: leptos::ev::SubmitEvent| offline.remember();
    let start_over = move |_| {
        clear_draft(LOG_DRAFT);
        let _ = window().location().reload();
    };

    let title = if editing { format!("Edit interaction · {org_name}") } else { format!("Log a visit · {org_name}") };
    let kinds = code_options(InteractionKind::ALL, InteractionKind::code, InteractionKind::label);
    let outcomes = code_options(Outcome::ALL, Outcome::code, Outcome::label);
    let back = format!("/organizations/{}", organization.id);
    view! {
        <Title text=title.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/organizations">"Organizations"</a>
            " › "
            <a href=back.clone()>{org_name.clone()}</a>
        </nav>
        <div class="page-header"><h1>{title}</h1></div>
        {(!editing).then(|| view! { <StepList current=2/> })}
        {move || restored.get().then(|| view! {
            <p class="alert info">
                "What you typed before is back. "
                <button type="button" class="button subtle" on:click=start_over>"Start over"</button>
            </p>
        })}
        {form.completes.clone().map(|c| view! {
            <p class="alert info">
                {format!("This completes the follow-up due {}", day(c.due))}
                {c.note.map(|n| format!(": {n}"))}"."
            </p>
        })}
        {move || offline.is_kept().then(|| view! {
            <KeptOffline
                what=if editing { "change is" } else { "visit is" }
                link=("/log".to_owned(), "Log another visit".to_owned())
            />
        })}
        <div on:input=on_edit on:change=on_change on:submit=remember_sent>
        <ActionForm action=save node_ref=form_ref attr:class="record-form quick-log" attr:novalidate=true>
            <ErrorSummary/>
            <input type="hidden" name="form[id]" value=initial.id.clone()/>
            <input type="hidden" name="form[version]" value=initial.version.clone()/>
            <input type="hidden" name="form[organization_id]" value=initial.organization_id.clone()/>
            <input type="hidden" name="form[completes]" value=initial.completes.clone()/>
            <section id="step-who" class="step">
                <h2><span class="step-number">"1"</span>" Who"</h2>
                <p class="chosen">
                    <strong>{org_name.clone()}</strong>
                    {organization.place.clone().map(|p| format!(" · {p}"))}
                    {(!editing).then(|| view! { " · "<a href="/log">"Change"</a> })}
                </p>
                <SelectField name="contact_id" label="Contact" blank="No one in particular" options=contact_options(&form.contacts)/>
            </section>
            <section id="step-what" class="step">
                <ChoiceField name="kind" label="2 · What" options=kinds/>
            </section>
            <section id="step-how" class="step">
                <ChoiceField name="outcome" label="3 · How it went" options=outcomes/>
            </section>
            <section id="step-notes" class="step">
                <TextAreaField name="notes" label="4 · Notes" rows=3 hint="What you tasted, what they order now, who else was there."/>
            </section>
            <section id="step-next" class="step">
                <ChoiceField name="next_step" label="5 · Next step" options=next_step_options()/>
                <div class="field-row">
                    <TextField name="follow_up_on" label="Follow up on" kind="date" hint="Filled in from the next step; change it if you agreed on another day."/>
                    <TextField name="follow_up_notes" label="Next step note" maxlength=200/>
                </div>
                {editing.then(|| view! { <CheckboxField name="follow_up_done" label="Follow-up done"/> })}
            </section>
            <details class="more-fields" open=editing>
                <summary>"Date and duration"</summary>
                <div class="field-row">
                    <TextField name="occurred_on" label="Date" kind="date" hint="Empty means today."/>
                    <TextField name="duration_minutes" label="Minutes" inputmode="numeric"/>
                </div>
            </details>
            <div class="form-actions sticky-actions">
                <SubmitButton label=if editing { "Save changes" } else { "Save visit" } pending=save.pending().into()/>
                <a class="button" href=back>"Cancel"</a>
            </div>
        </ActionForm>
        </div>
        {editing.then(|| view! {
            <section class="card" aria-labelledby="history-heading">
                <h2 id="history-heading">"History"</h2>
                <History entries=form.history.clone()/>
            </section>
        })}
    }
}

/// Sets a hidden field, and the value a form reset goes back to.
fn set_hidden(form: &leptos::web_sys::HtmlFormElement, name: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::HtmlInputElement;
        let found = form.query_selector(&format!("input[name='{name}']")).ok().flatten();
        if let Some(input) = found.and_then(|e| e.dyn_into::<HtmlInputElement>().ok()) {
            input.set_value(value);
            input.set_default_value(value);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (form, name, value);
}

/// A save the server could not take, as an op for the outbox: a new visit (with the
/// follow-up it completes) or the fields of an interaction that changed. The form is checked
/// here first, so a mistake shows now rather than after the trip to the server.
fn visit_to_keep(
    submitted: InteractionForm,
    record: Option<&crate::model::Interaction>,
    organization: &str,
) -> Result<ToKeep, AppError> {
    use crate::model::sync::SyncEntity;
    let now = chrono::Utc::now();
    let echo = |fields| AppError::invalid(fields).with_values(&submitted);
    match record {
        None => {
            let draft = submitted.to_draft(now, None).map_err(echo)?;
            let completes = submitted.completes().map_err(echo)?;
            let id = Uuid::parse_str(submitted.id.trim()).unwrap_or_else(|_| Uuid::now_v7());
            let mut op = save_op(SyncEntity::Interaction, id, None, &draft, now);
            if let Some(op) = op.as_mut() {
                op.changes.insert("completes".into(), serde_json::json!(completes));
            }
            Ok(ToKeep {
                op,
                summary: format!("Visit logged · {organization}"),
                link: format!("/organizations/{}", draft.organization_id),
            })
        }
        Some(was) => {
            let draft = submitted.to_draft(now, Some(was.occurred_at)).map_err(echo)?;
            Ok(ToKeep {
                op: save_op(SyncEntity::Interaction, was.id, Some((was.version, &was.to_draft())), &draft, now),
                summary: format!("Interaction edited · {organization}"),
                link: format!("/interactions/{}/edit", was.id),
            })
        }
    }
}
