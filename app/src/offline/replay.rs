//! Talking to the server: sending the outbox (`POST /api/v1/sync`) and pulling what changed
//! (`GET /api/v1/sync/changes`). One sender at a time across the page, other tabs and the
//! service worker: they all take the Web Lock `kp-outbox` first (the worker's `sync` event
//! too), so no op is ever in flight twice.

use chrono::{DateTime, Utc};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::database;
use super::outbox::{QueuedOp, Settled, next_batch, settle};
use super::{OfflineError, SendError};
use crate::browser::{call_method, navigator_member};
use crate::model::sync::{CHANGES_SETTLE_SECONDS, SyncBatch, SyncEntity, SyncReply};

/// The lock's name, shared with `public/sw.js`.
const LOCK: &str = "kp-outbox";

/// Sends `user`'s pending ops, batch after batch, until none is left or one must wait.
/// Returns how many ops the server answered.
pub async fn send_outbox(user: Uuid, mut answered: impl FnMut(usize)) -> Result<usize, SendError> {
    let mut total = 0;
    loop {
        let outbox = database::ops().await?;
        let batch: Vec<QueuedOp> = next_batch(&outbox, user).into_iter().cloned().collect();
        if batch.is_empty() {
            return Ok(total);
        }
        let body = SyncBatch { ops: batch.iter().map(|q| q.op.clone()).collect() };
        let reply: SyncReply = answer(Request::post("/api/v1/sync").json(&body)).await?;
        let (mut keep, mut done, mut wait) = (Vec::new(), Vec::new(), None);
        for queued in batch {
            let Some(result) = reply.results.iter().find(|r| r.op_id == queued.op.op_id) else {
                wait.get_or_insert_with(|| "The server did not answer every change; they go again.".to_owned());
                continue;
            };
            match settle(&result.outcome) {
                Settled::Acked => done.extend(queued.seq),
                Settled::NeedsUser(state) => {
                    keep.push(QueuedOp { state, outcome: Some(result.outcome.clone()), ..queued })
                }
                Settled::Again => {
                    if let crate::model::sync::OpOutcome::Retry { reason } = &result.outcome {
                        wait.get_or_insert_with(|| reason.clone());
                    }
                }
            }
        }
        database::settle_ops(&keep, &done).await?;
        total += done.len() + keep.len();
        answered(total);
        if let Some(reason) = wait {
            return Err(SendError::Server(reason));
        }
    }
}

/// Brings the copy up to date, page by page. When the device has no copy yet (no cursor),
/// `first_copy` hears the running count of rows, from 0, while it is made.
pub async fn pull_changes(mut first_copy: impl FnMut(usize)) -> Result<Pulled, SendError> {
    let mut cursor: Option<String> = database::meta("cursor").await?;
    let first = cursor.is_none();
    let mut rows = 0;
    let mut waited = false;
    if first {
        first_copy(0);
    }
    loop {
        let url = match &cursor {
            // The cursor is digits, dots, hex and `~`: nothing to escape.
            Some(since) => format!("/api/v1/sync/changes?since={since}"),
            None => "/api/v1/sync/changes".to_owned(),
        };
        let page = ChangePage::fetch(&url).await?;
        // A page's lists are named as the stores they go to.
        for entity in database::ENTITIES {
            rows += write_kind(entity, page.rows(database::entity_store(entity))?).await?;
        }
        let page = page.head;
        // The cursor moves only after the page is stored: a pull cut short starts again here.
        database::set_meta("cursor", &page.cursor).await?;
        database::set_meta("last_sync", &page.server_time).await?;
        cursor = Some(page.cursor);
        if first {
            first_copy(rows);
        }
        if page.more {
            continue;
        }
        // The first copy waits out the rows held back to settle once, so it is whole when
        // it says so; a later pull leaves them to the pull that follows (`Pulled::settling`).
        if page.settling && first && !waited {
            waited = true;
            pause(SETTLE_MS).await;
            continue;
        }
        return Ok(Pulled { at: page.server_time, settling: page.settling });
    }
}

/// How long rows are held back to settle, and a little more.
pub const SETTLE_MS: i32 = (CHANGES_SETTLE_SECONDS * 1000 + 500) as i32;

/// What a pull ended with.
pub struct Pulled {
    /// The server's time of the last page: how fresh the copy is.
    pub at: DateTime<Utc>,
    /// Rows changed in the last seconds were held back: pull again after [`SETTLE_MS`].
    pub settling: bool,
}

async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window().map(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms));
    });
    let _ = JsFuture::from(promise).await;
}

/// A page of `GET /api/v1/sync/changes` ([`crate::model::sync::ChangeSet`]) as the browser's
/// own JSON parser read it: the rows stay JavaScript objects and are stored as they came (the
/// same records the typed round trip made). Read into Rust types and back, a first copy's page
/// of up to 2,000 rows was one task of 129–145 ms on a 4×-slowed phone, in the way of the
/// rep's first taps (docs/benchmarks.md, 2026-12-07 afternoon).
struct ChangePage {
    page: JsValue,
    head: PageHead,
}

/// The fields of a page besides its rows.
#[derive(serde::Deserialize)]
struct PageHead {
    cursor: String,
    more: bool,
    #[serde(default)]
    settling: bool,
    server_time: DateTime<Utc>,
}

impl ChangePage {
    async fn fetch(url: &str) -> Result<ChangePage, SendError> {
        let response = accepted(Request::get(url).build()).await?;
        let parsed = web_sys::Response::from(response).json().map_err(|_| SendError::Unreachable)?;
        let page = JsFuture::from(parsed).await.map_err(|_| SendError::Unreachable)?;
        let head = serde_wasm_bindgen::from_value(page.clone())
            .map_err(|e| SendError::Server(format!("The server's changes could not be read: {e}")))?;
        Ok(ChangePage { page, head })
    }

    /// The rows of one kind. A page without them is refused, as the typed reader did: the
    /// cursor must not move past rows the copy never stored.
    fn rows(&self, field: &str) -> Result<js_sys::Array, SendError> {
        js_sys::Reflect::get(&self.page, &JsValue::from_str(field))
            .ok()
            .and_then(|rows| rows.dyn_into().ok())
            .ok_or_else(|| SendError::Server(format!("The server's changes had no list of {field}.")))
    }
}

/// Stores a page's rows of one kind; a row with `deleted_at` leaves the copy.
async fn write_kind(entity: SyncEntity, rows: js_sys::Array) -> Result<usize, OfflineError> {
    let (deleted_at, id) = (JsValue::from_str("deleted_at"), JsValue::from_str("id"));
    let (mut kept, mut gone) = (Vec::new(), Vec::new());
    for row in rows.iter() {
        let deleted = js_sys::Reflect::get(&row, &deleted_at).is_ok_and(|d| !d.is_null() && !d.is_undefined());
        match (deleted, js_sys::Reflect::get(&row, &id).ok().and_then(|id| id.as_string())) {
            (true, Some(id)) => gone.push(id),
            _ => kept.push(row),
        }
    }
    database::write_js_rows(entity, &kept, &gone).await?;
    Ok(rows.length() as usize)
}

async fn answer<T: DeserializeOwned>(request: Result<Request, gloo_net::Error>) -> Result<T, SendError> {
    accepted(request).await?.json().await.map_err(|_| SendError::Unreachable)
}

/// The server's answer when it took the request.
async fn accepted(request: Result<Request, gloo_net::Error>) -> Result<Response, SendError> {
    let request = request.map_err(|e| SendError::Server(format!("The request could not be made: {e}")))?;
    let response = request.send().await.map_err(|_| SendError::Unreachable)?;
    match response.status() {
        200..=299 => Ok(response),
        401 => Err(SendError::SignIn),
        // A proxy or the server's own timeout: the network, not the change, is at fault.
        502..=504 => Err(SendError::Unreachable),
        status => Err(SendError::Server(error_message(status, response).await)),
    }
}

async fn error_message(status: u16, response: Response) -> String {
    let body: Option<Value> = response.json().await.ok();
    let message = body.as_ref().and_then(|b| b.get("error")).and_then(Value::as_str).map(str::to_owned);
    message.unwrap_or_else(|| format!("The server answered {status}."))
}

/// Runs `work` holding the outbox lock. `None` when someone else holds it (they are sending
/// the same ops; this attempt steps aside). Browsers without Web Locks run it directly: they
/// have no Background Sync either, so the page is the only sender.
pub async fn with_outbox_lock<F>(work: F) -> Option<F::Output>
where
    F: std::future::Future + 'static,
    F::Output: 'static,
{
    let Some(locks) = navigator_member("locks") else { return Some(work.await) };
    let output = std::rc::Rc::new(std::cell::RefCell::new(None));
    let slot = output.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            if !lock.is_null() {
                *slot.borrow_mut() = Some(work.await);
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("ifAvailable"), &JsValue::TRUE);
    let promise = call_method(&locks, "request", &[JsValue::from_str(LOCK), options.into(), callback])?;
    let _ = JsFuture::from(js_sys::Promise::from(promise)).await;
    output.borrow_mut().take()
}
