//! The sync loop of a page: when it sends and pulls, how it backs off, and the few
//! operations pages call (queue a change, list the outbox, replace an op the user settled).

use std::cell::RefCell;
use std::time::Duration;

use leptos::prelude::*;
use serde_json::Value;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::database;
use super::outbox::{OpState, QueuedOp, retry_delay_ms};
use super::preview::{Author, preview};
use super::replay::{Pulled, SETTLE_MS, pull_changes, send_outbox, with_outbox_lock};
use super::{OfflineError, SendError, SyncStatus};
use crate::browser::{call_method, navigator_member};
use crate::model::sync::{SyncAction, SyncEntity, SyncOp};

/// How often a page with pending ops tries to send them.
const TICK: Duration = Duration::from_secs(30);
/// Every this many ticks the copy is refreshed even with nothing to send (5 minutes).
const PULL_EVERY_TICKS: u32 = 10;

struct Loop {
    status: SyncStatus,
    user: Uuid,
    failures: u32,
    /// `Date.now()` before which no retry starts (backing off).
    retry_at: f64,
    retry_scheduled: bool,
    running: bool,
    /// Asked to run (e.g. back online) while running: run once more when done, since the
    /// running round may have started before the network came back.
    again: Option<bool>,
    ticks: u32,
    /// A pull for the rows the last one held back to settle is due: it schedules no other.
    settle_pull_due: bool,
}

thread_local! {
    static LOOP: RefCell<Option<Loop>> = const { RefCell::new(None) };
}

fn with_loop<R>(f: impl FnOnce(&mut Loop) -> R) -> Option<R> {
    LOOP.with(|l| l.borrow_mut().as_mut().map(f))
}

/// Starts the loop for the signed-in `user` (once per page).
pub fn start(status: SyncStatus, user: Uuid) {
    if LOOP.with(|l| l.borrow().is_some()) {
        return;
    }
    LOOP.with(|l| {
        *l.borrow_mut() = Some(Loop {
            status,
            user,
            failures: 0,
            retry_at: 0.0,
            retry_scheduled: false,
            running: false,
            again: None,
            ticks: 0,
            settle_pull_due: false,
        })
    });
    status.started.set(true);
    status.online.set(window().navigator().on_line());
    ask_for_persistent_storage();
    // The page lives as long as the document: its listeners do too.
    std::mem::forget(window_event_listener_untyped("online", move |_| {
        status.online.set(true);
        with_loop(|l| {
            l.failures = 0;
            l.retry_at = 0.0;
        });
        spawn(true);
    }));
    std::mem::forget(window_event_listener_untyped("offline", move |_| status.online.set(false)));
    listen_to_the_worker();
    set_interval(tick, TICK);
    leptos::task::spawn_local(async move {
        if let Err(e) = claim_the_copy(user).await {
            status.problem.set(Some(e.to_string()));
        }
        if let Ok(Some(at)) = database::meta("last_sync").await {
            status.last_sync.set(Some(at));
        }
        refresh_counts().await;
        run(true).await;
    });
}

/// Sends what waits now (after a change, or when the user asks).
pub fn sync_now() {
    with_loop(|l| {
        l.failures = 0;
        l.retry_at = 0.0;
    });
    spawn(false);
}

fn spawn(pull: bool) {
    leptos::task::spawn_local(run(pull));
}

fn tick() {
    let Some((pending, due, pull)) = with_loop(|l| {
        l.ticks += 1;
        (l.status.pending.get_untracked(), js_sys::Date::now() >= l.retry_at, l.ticks.is_multiple_of(PULL_EVERY_TICKS))
    }) else {
        return;
    };
    if (pending > 0 && due) || pull {
        spawn(pull);
    }
}

async fn run(pull: bool) {
    let Some((status, user)) = with_loop(|l| {
        if l.running {
            l.again = Some(l.again.unwrap_or(false) || pull);
            return None;
        }
        l.running = true;
        Some((l.status, l.user))
    })
    .flatten() else {
        return;
    };
    // The worker or another tab may have changed the outbox since this page last looked.
    refresh_counts().await;
    let mut outcome = Ok(0);
    if status.pending.get_untracked() > 0 {
        status.sending.set(true);
        let sent = with_outbox_lock(send_outbox(user, move |_| leptos::task::spawn_local(refresh_counts()))).await;
        status.sending.set(false);
        // `None`: another tab or the service worker holds the lock and is sending them.
        outcome = sent.unwrap_or(Ok(0));
    }
    let outcome = match outcome {
        Ok(sent) if pull || sent > 0 => pull_copy(status).await,
        other => other.map(|_| ()),
    };
    refresh_counts().await;
    match outcome {
        Ok(()) => {
            status.problem.set(None);
            with_loop(|l| l.failures = 0);
        }
        Err(e) => {
            if e == SendError::Unreachable {
                status.online.set(false);
            }
            status.problem.set(Some(e.to_string()));
            back_off();
        }
    }
    let again = with_loop(|l| {
        l.running = false;
        l.again.take()
    })
    .flatten();
    if let Some(pull) = again {
        spawn(pull);
    }
}

async fn pull_copy(status: SyncStatus) -> Result<(), SendError> {
    let pulled = pull_changes(move |rows| status.priming.set(Some(rows))).await;
    status.priming.set(None);
    let Pulled { at, settling } = pulled?;
    // One more pull shortly brings what the server held back (rows changed in the last few
    // seconds, often this device's own ops); once per pull, so a busy team costs one extra.
    let follow_up = with_loop(|l| {
        let was_due = std::mem::take(&mut l.settle_pull_due);
        l.settle_pull_due = settling && !was_due;
        l.settle_pull_due
    });
    if follow_up == Some(true) {
        set_timeout(|| spawn(true), Duration::from_millis(SETTLE_MS.unsigned_abs().into()));
    }
    status.online.set(true);
    status.last_sync.set(Some(at));
    Ok(())
}

fn back_off() {
    let delay = with_loop(|l| {
        l.failures += 1;
        let delay = retry_delay_ms(l.failures);
        l.retry_at = js_sys::Date::now() + f64::from(delay);
        (!std::mem::replace(&mut l.retry_scheduled, true)).then_some(delay)
    })
    .flatten();
    if let Some(delay) = delay {
        set_timeout(
            || {
                with_loop(|l| l.retry_scheduled = false);
                spawn(false);
            },
            Duration::from_millis(u64::from(delay)),
        );
    }
}

/// The copy belongs to one user: another one signing in on this device starts a fresh copy
/// (the outbox stays; each op waits for the user who made it).
async fn claim_the_copy(user: Uuid) -> Result<(), OfflineError> {
    if database::meta::<Uuid>("user").await? != Some(user) {
        database::clear_copy().await?;
        database::set_meta("user", &user).await?;
    }
    Ok(())
}

async fn refresh_counts() {
    let Some((status, user)) = with_loop(|l| (l.status, l.user)) else { return };
    let Ok(ops) = database::ops().await else { return };
    let mine = |q: &&QueuedOp| q.user_id == user;
    status.pending.set(ops.iter().filter(mine).filter(|q| q.state == OpState::Pending).count());
    status.attention.set(ops.iter().filter(mine).filter(|q| q.state != OpState::Pending).count());
    status.others.set(ops.iter().filter(|q| q.user_id != user).count());
    status.outbox_version.update(|v| *v += 1);
}

/// Queues a change made without the server: committed to the outbox (only then is it
/// "saved"), applied to the copy so the pages show it, then sent as soon as possible.
pub async fn queue(op: SyncOp, summary: String, link: String) -> Result<(), OfflineError> {
    let user = with_loop(|l| l.user).ok_or(OfflineError::Unsupported)?;
    database::add_op(&QueuedOp::new(op.clone(), user, summary, link)).await?;
    // The copy is a convenience: the op is safe even if this fails.
    let _ = apply_to_copy(&op).await;
    refresh_counts().await;
    ask_for_background_sync();
    sync_now();
    Ok(())
}

/// The ops on this device, oldest first.
pub async fn outbox_records() -> Result<Vec<QueuedOp>, OfflineError> {
    let mut ops = database::ops().await?;
    ops.sort_by_key(|q| q.seq);
    Ok(ops)
}

/// Settles an op the user decided on: drops it, and queues `instead` (a resolution or a
/// corrected resend) in its place.
pub async fn replace(settled: &QueuedOp, instead: Option<SyncOp>) -> Result<(), OfflineError> {
    if let Some(op) = instead {
        database::add_op(&QueuedOp::new(op.clone(), settled.user_id, settled.summary.clone(), settled.link.clone()))
            .await?;
        let _ = apply_to_copy(&op).await;
    }
    database::settle_ops(&[], &settled.seq.into_iter().collect::<Vec<_>>()).await?;
    refresh_counts().await;
    sync_now();
    Ok(())
}

/// Shows a queued change in the copy at once (the next pull brings the server's version).
async fn apply_to_copy(op: &SyncOp) -> Result<(), OfflineError> {
    let id = op.entity_id.to_string();
    if op.action == SyncAction::Delete {
        return database::write_rows(op.entity, &[], &[id]).await;
    }
    let Some(user) = with_loop(|l| l.user) else { return Ok(()) };
    let by = Author { user, at: chrono::Utc::now() };
    let current = database::row::<Value>(op.entity, &id).await?;
    // A change the copy cannot show still waits in the outbox; the pull brings the result.
    if let Ok(row) = preview(op, current, by) {
        database::write_rows(op.entity, &[row], &[]).await?;
    }
    // Logging a visit that completes a follow-up marks that follow-up done.
    if let Some(Value::String(earlier)) = op.changes.get("completes")
        && let Some(Value::Object(mut done)) = database::row::<Value>(SyncEntity::Interaction, earlier).await?
    {
        done.insert("follow_up_done".into(), Value::Bool(true));
        database::write_rows(SyncEntity::Interaction, &[Value::Object(done)], &[]).await?;
    }
    Ok(())
}

/// Asks the browser not to evict the copy under storage pressure (granted silently to an
/// installed app in Chromium; elsewhere it may ask or say no, and the copy still works).
fn ask_for_persistent_storage() {
    if let Some(storage) = navigator_member("storage") {
        let _ = call_method(&storage, "persist", &[]);
    }
}

/// Lets the service worker send the outbox once the network is back, even if this page is
/// closed by then (Chromium's Background Sync; other browsers rely on the page's loop).
fn ask_for_background_sync() {
    let Some(workers) = navigator_member("serviceWorker") else { return };
    let Ok(ready) = js_sys::Reflect::get(&workers, &JsValue::from_str("ready")) else { return };
    let Ok(ready) = ready.dyn_into::<js_sys::Promise>() else { return };
    leptos::task::spawn_local(async move {
        let Ok(registration) = wasm_bindgen_futures::JsFuture::from(ready).await else { return };
        if let Ok(sync) = js_sys::Reflect::get(&registration, &JsValue::from_str("sync"))
            && !sync.is_undefined()
        {
            let _ = call_method(&sync, "register", &[JsValue::from_str("kp-outbox")]);
        }
    });
}

/// The worker says when it sent ops: the counts and lists here catch up.
fn listen_to_the_worker() {
    let Some(workers) = navigator_member("serviceWorker") else { return };
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
        let kind = js_sys::Reflect::get(&event.data(), &JsValue::from_str("type")).ok().and_then(|t| t.as_string());
        if kind.as_deref() == Some("outbox-sent") {
            leptos::task::spawn_local(refresh_counts());
        }
    });
    let _ = call_method(&workers, "addEventListener", &[JsValue::from_str("message"), on_message.into_js_value()]);
}
