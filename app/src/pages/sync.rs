//! `/sync`: the changes on this device. What waits to be sent, and what the server sent back
//! for the user to decide: conflicts (per field: keep mine or keep theirs) and refused
//! changes (the reason, the fields to fix, send again or discard). A lazy route; the lists
//! come from IndexedDB, so the page works offline.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{LazyRoute, lazy_route};
use serde_json::{Map, Value};

use crate::components::format::optional_date;
use crate::model::sync::{FieldConflict, OpOutcome, SyncAction};
use crate::offline::outbox::{Keep, OpState, QueuedOp, corrected, resolve, shown_value, typed_value};
use crate::offline::{OfflineError, use_sync_status};

pub struct SyncPage;

#[lazy_route]
impl LazyRoute for SyncPage {
    fn data() -> Self {
        SyncPage
    }

    fn view(_this: Self) -> AnyView {
        view! { <Changes/> }.into_any()
    }
}

#[cfg(feature = "hydrate")]
async fn load() -> Result<Vec<QueuedOp>, OfflineError> {
    crate::offline::outbox_records().await
}

#[cfg(not(feature = "hydrate"))]
async fn load() -> Result<Vec<QueuedOp>, OfflineError> {
    Err(OfflineError::Unsupported)
}

/// Replaces a settled op (with a new one, or with nothing) and says what went wrong, if anything.
fn settle(queued: QueuedOp, instead: Option<crate::model::sync::SyncOp>, problem: RwSignal<Option<String>>) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        match crate::offline::replace(&queued, instead).await {
            Ok(()) => problem.set(None),
            Err(e) => problem.set(Some(e.to_string())),
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (queued, instead, problem);
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn action_words(q: &QueuedOp) -> &'static str {
    match q.op.action {
        SyncAction::Create => "New",
        SyncAction::Update => "Edit",
        SyncAction::Delete => "Delete",
        SyncAction::Move => "Stage change",
    }
}

#[component]
fn Changes() -> impl IntoView {
    let status = use_sync_status();
    let records = LocalResource::new(move || {
        status.outbox_version.track();
        load()
    });
    // The lists come from IndexedDB, which the server never sees: they appear once the page
    // is live, so hydration always meets the HTML the server sent ("Reading…").
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let problem = RwSignal::new(None::<String>);
    let summary = move || status.summary();
    #[cfg(feature = "hydrate")]
    let send_now = move |_| crate::offline::sync_now();
    #[cfg(not(feature = "hydrate"))]
    let send_now = move |_| {};
    view! {
        <Title text="Changes on this device"/>
        <div class="page-header"><h1>"Changes on this device"</h1></div>
        <section class="card sync-summary" aria-live="polite">
            <p data-testid="sync-summary">{summary}</p>
            {move || status.problem.get().map(|p| view! { <p class="alert error">{p}</p> })}
            {move || problem.get().map(|p| view! { <p class="alert error">{p}</p> })}
            {move || (status.pending.get() > 0 && status.online.get()).then(|| view! {
                <button type="button" class="button primary" on:click=send_now>"Send now"</button>
            })}
            {move || (status.others.get() > 0).then(|| view! {
                <p class="muted">{format!(
                    "{} change(s) made by someone else on this device wait for them to sign in again.",
                    status.others.get()
                )}</p>
            })}
        </section>
        {move || match records.get().filter(|_| live.get()) {
            None => view! { <p class="muted">"Reading this device's changes…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="alert error">{e.to_string()}</p> }.into_any(),
            Some(Ok(ops)) => {
                let (attention, pending): (Vec<QueuedOp>, Vec<QueuedOp>) =
                    ops.into_iter().partition(|q| q.state != OpState::Pending);
                view! {
                    <section class="card" aria-labelledby="attention-heading">
                        <h2 id="attention-heading">"Needs your attention"</h2>
                        {if attention.is_empty() {
                            view! { <p class="empty">"Nothing: every change the server answered went in."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="attention-list">
                                    {attention.into_iter().map(|q| view! { <Attention queued=q problem/> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    <section class="card" aria-labelledby="pending-heading">
                        <h2 id="pending-heading">"Waiting to be sent"</h2>
                        {if pending.is_empty() {
                            view! { <p class="empty" data-testid="nothing-pending">"Nothing waits: everything is on the server."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="pending-list" data-testid="pending-list">
                                    {pending.into_iter().map(|q| view! { <PendingOp queued=q/> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                }.into_any()
            }
        }}
    }
}

#[component]
fn PendingOp(queued: QueuedOp) -> impl IntoView {
    let fields: Vec<(String, String)> = queued
        .op
        .changes
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.replace('_', " "), shown_value(v)))
        .collect();
    view! {
        <li>
            <a href=queued.link.clone()><strong>{queued.summary.clone()}</strong></a>
            <span class="muted">{format!(" · {} · made {}", action_words(&queued), optional_date(Some(queued.op.client_time)))}</span>
            <details>
                <summary>"What changed"</summary>
                <dl class="facts">
                    {fields.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                </dl>
            </details>
        </li>
    }
}

#[component]
fn Attention(queued: QueuedOp, problem: RwSignal<Option<String>>) -> impl IntoView {
    let heading = view! {
        <a href=queued.link.clone()><strong>{queued.summary.clone()}</strong></a>
        <span class="muted">{format!(" · {}", action_words(&queued))}</span>
    };
    match queued.outcome.clone() {
        Some(OpOutcome::Conflict { version, conflicts }) => {
            view! { <li class="conflict">{heading}<ConflictChoice queued version conflicts problem/></li> }.into_any()
        }
        Some(OpOutcome::Rejected { reason, fields }) => {
            view! { <li class="rejected">{heading}<RejectedFix queued reason fields problem/></li> }.into_any()
        }
        _ => view! { <li>{heading}</li> }.into_any(),
    }
}

/// Per field: keep mine or keep theirs. The fields nobody else touched are in already.
#[component]
fn ConflictChoice(
    queued: QueuedOp,
    version: i64,
    conflicts: Vec<FieldConflict>,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let choices = RwSignal::new(conflicts.iter().map(|c| (c.field.clone(), Keep::Theirs)).collect::<BTreeMap<_, _>>());
    let rows = conflicts.clone();
    let apply = move |_| {
        let keep = choices.get_untracked();
        let again = resolve(&queued.op, version, &conflicts, |f| keep.get(f).copied().unwrap_or(Keep::Theirs), now());
        settle(queued.clone(), again, problem);
    };
    view! {
        <p>"Someone changed these fields too while you were offline. Your other changes are in. Choose which value stays:"</p>
        <table class="conflict-table">
            <thead><tr><th scope="col">"Field"</th><th scope="col">"Yours"</th><th scope="col">"On the server"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|c| {
                    let (mine_field, theirs_field) = (c.field.clone(), c.field.clone());
                    let name = format!("keep-{}", c.field);
                    view! {
                        <tr>
                            <th scope="row">{c.field.replace('_', " ")}</th>
                            <td><label>
                                <input type="radio" name=name.clone() value="mine"
                                    on:change=move |_| choices.update(|m| { m.insert(mine_field.clone(), Keep::Mine); })/>
                                " Keep mine: "{shown_value(&c.mine)}
                            </label></td>
                            <td><label>
                                <input type="radio" name=name value="theirs" checked=true
                                    on:change=move |_| choices.update(|m| { m.insert(theirs_field.clone(), Keep::Theirs); })/>
                                " Keep theirs: "{shown_value(&c.theirs)}
                            </label></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <button type="button" class="button primary" on:click=apply>"Apply my choices"</button>
    }
}

/// The reason, the fields to fix with what was sent, and send again or discard.
#[component]
fn RejectedFix(
    queued: QueuedOp,
    reason: String,
    fields: crate::model::FieldErrors,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let typed = RwSignal::new(BTreeMap::<String, String>::new());
    let rows: Vec<(String, String, Value)> = fields
        .iter()
        .map(|(field, message)| {
            (field.clone(), message.clone(), queued.op.changes.get(field).cloned().unwrap_or(Value::Null))
        })
        .collect();
    let can_fix = !rows.is_empty() && queued.op.action != SyncAction::Delete;
    let (resend_op, discard_op) = (queued.clone(), queued.clone());
    let resend = move |_| {
        let corrections: Map<String, Value> = typed
            .get_untracked()
            .into_iter()
            .map(|(field, text)| {
                let was = resend_op.op.changes.get(&field).cloned().unwrap_or(Value::Null);
                (field, typed_value(&was, &text))
            })
            .collect();
        settle(resend_op.clone(), Some(corrected(&resend_op.op, corrections, now())), problem);
    };
    let discard = move |_| {
        let sure = window().confirm_with_message("Discard this change? It will not reach the server.").unwrap_or(false);
        if sure {
            settle(discard_op.clone(), None, problem);
        }
    };
    view! {
        <p class="alert error">{reason}</p>
        {can_fix.then(|| view! {
            <div class="record-form">
                {rows.into_iter().map(|(field, message, was)| {
                    let id = format!("fix-{field}");
                    let key = field.clone();
                    view! {
                        <div class="field">
                            <label for=id.clone()>{field.replace('_', " ")}</label>
                            <input id=id type="text" value=match &was { Value::Null => String::new(), v => shown_value(v) }
                                on:input=move |ev| typed.update(|m| { m.insert(key.clone(), event_target_value(&ev)); })/>
                            <p class="field-error">{message}</p>
                        </div>
                    }
                }).collect_view()}
            </div>
        })}
        <div class="form-actions">
            {can_fix.then(|| view! { <button type="button" class="button primary" on:click=resend>"Send again"</button> })}
            <button type="button" class="button subtle" on:click=discard>"Discard"</button>
        </div>
    }
}
