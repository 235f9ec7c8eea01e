//! The collector in the browser: `PerformanceObserver`s feed this page view's entries to the
//! computations of `compute`, and when the page is hidden its vitals go to the server in one
//! `navigator.sendBeacon`, with the route changes inside the app measured since (also sent
//! every minute in long sessions). Errors the page meets (panics, uncaught exceptions,
//! unhandled rejections) are sent at once. Beacons made offline wait in `localStorage` for the network; they
//! never touch the outbox, so measuring never delays a rep's changes.

use std::cell::{Cell, RefCell};

use leptos::prelude::{document, window};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{PerformanceEntry, PerformanceObserver, PerformanceObserverEntryList};

use super::compute::{
    EventTiming, Interactions, LargestPaint, LayoutShift, LayoutShifts, first_contentful_paint, first_input_delay,
    time_to_first_byte,
};
use crate::browser::navigator_member;
use crate::model::vitals::{
    ClientError, ClientErrorKind, DeviceClass, MAX_ERROR_CHARS, MAX_SAMPLES, Metric, VitalSample, VitalsBeacon,
    route_template,
};

const ENDPOINT: &str = "/api/v1/vitals";
/// Beacons that could not be sent yet (offline), oldest first.
const WAITING: &str = "kp.vitals";
/// At most this many beacons wait; older ones give way (a figure, never a rep's change).
const MOST_WAITING: usize = 20;
/// As `web-vitals`: event entries shorter than this are not reported (first inputs are).
const EVENT_THRESHOLD_MS: f64 = 40.0;

/// What this page view measured so far.
#[derive(Default)]
struct PageView {
    route: String,
    navigation: Option<String>,
    first_hidden: Option<f64>,
    lcp: LargestPaint,
    cls: LayoutShifts,
    inp: Interactions,
    fcp: Option<f64>,
    ttfb: Option<f64>,
    fid: Option<f64>,
    /// Sent at the first hiding: a page view counts once.
    reported: bool,
    /// When the route change under way started.
    routing_since: Option<f64>,
    /// Route changes measured and not sent yet.
    soft_navigations: Vec<VitalSample>,
    errors_sent: usize,
    /// After a panic, the `error` event of its trap is the same failure.
    panicked: bool,
}

thread_local! {
    static VIEW: RefCell<Option<PageView>> = const { RefCell::new(None) };
}

/// `None` before `start`, or when called from inside another use (a panic hook can be).
fn with_view<T>(f: impl FnOnce(&mut PageView) -> T) -> Option<T> {
    VIEW.with(|view| view.try_borrow_mut().ok()?.as_mut().map(f))
}

/// The errors one page view reports at most (a loop of failures is one story).
const MOST_ERRORS: usize = 10;
/// How often a long session's route changes are sent without waiting for the page to hide.
const FLUSH_EVERY_MS: i32 = 60_000;

/// Starts measuring this page view (once per document).
pub fn start() {
    if VIEW.with(|view| view.borrow().is_some()) {
        return;
    }
    let hidden_at_start = document().visibility_state() == web_sys::VisibilityState::Hidden;
    let view = PageView {
        route: route_template(&window().location().pathname().unwrap_or_default()),
        first_hidden: hidden_at_start.then_some(0.0),
        ..PageView::default()
    };
    VIEW.with(|slot| *slot.borrow_mut() = Some(view));

    observe("largest-contentful-paint", |entry| {
        with_view(|v| v.lcp.candidate(entry.start_time(), v.first_hidden));
    });
    observe("layout-shift", |entry| {
        let shift = LayoutShift {
            value: number(&entry, "value").unwrap_or(0.0),
            start_time: entry.start_time(),
            had_recent_input: js_sys::Reflect::get(&entry, &"hadRecentInput".into()).is_ok_and(|v| v.is_truthy()),
        };
        with_view(|v| v.cls.add(shift));
    });
    observe("event", |entry| {
        let interaction_id = number(&entry, "interactionId").unwrap_or(0.0) as u64;
        with_view(|v| v.inp.add(EventTiming { interaction_id, duration: entry.duration() }));
    });
    observe("first-input", |entry| {
        let interaction_id = number(&entry, "interactionId").unwrap_or(0.0) as u64;
        let processing_start = number(&entry, "processingStart").unwrap_or(entry.start_time());
        with_view(|v| {
            v.fid = first_input_delay(entry.start_time(), processing_start, v.first_hidden);
            v.inp.add(EventTiming { interaction_id, duration: entry.duration() });
        });
    });
    observe("paint", |entry| {
        if entry.name() == "first-contentful-paint" {
            with_view(|v| v.fcp = first_contentful_paint(entry.start_time(), v.first_hidden));
        }
    });
    observe("navigation", |entry| {
        let kind = js_sys::Reflect::get(&entry, &"type".into()).ok().and_then(|t| t.as_string());
        with_view(|v| {
            v.ttfb = number(&entry, "responseStart").and_then(time_to_first_byte);
            v.navigation = kind.map(|k| k.replace('_', "-"));
        });
    });

    // LCP is final at the first input (the browser stops reporting candidates then too).
    for kind in ["keydown", "click"] {
        listen(&document(), kind, |_| {
            // Only the first input matters; later ones must not pull every observer's records.
            if with_view(|v| v.lcp.is_settled()) == Some(false) {
                drain_pending();
                with_view(|v| v.lcp.settle());
            }
        });
    }
    listen(&document(), "visibilitychange", |_| {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            page_hidden();
        }
    });
    listen(&window(), "pagehide", |_| page_hidden());
    listen(&window(), "online", |_| send_waiting());
    // Uncaught exceptions; resource load failures reach here too, without a message.
    listen(&window(), "error", |event| {
        if let Some(message) = text(&event, "message").filter(|m| !m.is_empty()) {
            record_error(ClientErrorKind::Error, &message);
        }
    });
    listen(&window(), "unhandledrejection", |event| {
        let reason = js_sys::Reflect::get(&event, &"reason".into()).unwrap_or(JsValue::UNDEFINED);
        let message = text(&reason, "message").or_else(|| reason.as_string());
        record_error(ClientErrorKind::Rejection, message.as_deref().unwrap_or("A promise was rejected."));
    });
    let flush = Closure::<dyn FnMut()>::new(send_soft_navigations);
    let _ =
        window().set_interval_with_callback_and_timeout_and_arguments_0(flush.as_ref().unchecked_ref(), FLUSH_EVERY_MS);
    flush.forget();
    send_waiting();
}

/// A route change inside the app started (`true`), or its new route is ready (`false`):
/// measured until the frame that shows it.
pub fn routing(started: bool) {
    let at = now();
    if started {
        with_view(|v| v.routing_since = Some(at));
        return;
    }
    let Some(since) = with_view(|v| v.routing_since.take()).flatten() else { return };
    let shown = Closure::once_into_js(move || {
        let route = route_template(&window().location().pathname().unwrap_or_default());
        let sample = sample(Metric::Nav, now() - since, route, Some("soft".to_owned()));
        with_view(|v| {
            if v.soft_navigations.len() < MAX_SAMPLES - Metric::ALL.len() {
                v.soft_navigations.push(sample);
            }
        });
    });
    let _ = window().request_animation_frame(shown.unchecked_ref());
}

/// Reports an error the page met at once (the page may not live to be hidden after a panic).
pub fn record_error(kind: ClientErrorKind, message: &str) {
    let allowed = with_view(|v| {
        if kind == ClientErrorKind::Panic {
            v.panicked = true;
        } else if v.panicked {
            return false;
        }
        v.errors_sent += 1;
        v.errors_sent <= MOST_ERRORS
    });
    if allowed == Some(true) {
        let error = ClientError {
            kind,
            message: message.trim().chars().take(MAX_ERROR_CHARS).collect(),
            route: route_template(&window().location().pathname().unwrap_or_default()),
        };
        send(beacon(Vec::new(), vec![error]));
    }
}

fn send_soft_navigations() {
    let samples = with_view(|v| std::mem::take(&mut v.soft_navigations)).unwrap_or_default();
    if !samples.is_empty() {
        send(beacon(samples, Vec::new()));
    }
}

/// The page is hidden (switched away, locked, closed): this view's vitals are final, and
/// the route changes measured so far go with them.
fn page_hidden() {
    let at = now();
    drain_pending();
    let samples = with_view(|v| {
        v.first_hidden.get_or_insert(at);
        v.lcp.settle();
        let mut samples = if v.reported { Vec::new() } else { samples_of(v) };
        v.reported = true;
        samples.append(&mut v.soft_navigations);
        samples
    })
    .unwrap_or_default();
    if !samples.is_empty() {
        send(beacon(samples, Vec::new()));
    }
}

const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

fn now() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// A sample of this device, as it connects now.
fn sample(metric: Metric, value: f64, route: String, navigation: Option<String>) -> VitalSample {
    let connection = navigator_member("connection")
        .and_then(|c| js_sys::Reflect::get(&c, &"effectiveType".into()).ok())
        .and_then(|t| t.as_string());
    VitalSample { metric, value: round(value, metric), route, device: device_class(), connection, navigation }
}

fn samples_of(view: &PageView) -> Vec<VitalSample> {
    let inp = view.inp.value(interaction_count());
    [
        (Metric::Lcp, view.lcp.value()),
        (Metric::Cls, Some(view.cls.value())),
        (Metric::Inp, inp),
        (Metric::Fcp, view.fcp),
        (Metric::Ttfb, view.ttfb),
        (Metric::Fid, view.fid),
    ]
    .into_iter()
    .filter_map(|(metric, value)| value.map(|value| sample(metric, value, view.route.clone(), view.navigation.clone())))
    .collect()
}

/// Milliseconds to a tenth, CLS to four decimals (as `web-vitals` reports them, near enough).
fn round(value: f64, metric: Metric) -> f64 {
    let scale = if metric == Metric::Cls { 10_000.0 } else { 10.0 };
    (value * scale).round() / scale
}

fn device_class() -> DeviceClass {
    let width = window().inner_width().ok().and_then(|w| w.as_f64()).unwrap_or(1_024.0);
    let coarse = window().match_media("(pointer: coarse)").ok().flatten().is_some_and(|m| m.matches());
    DeviceClass::of(width, coarse)
}

/// `performance.interactionCount` where the browser has it (Chromium).
fn interaction_count() -> Option<u64> {
    let performance: JsValue = window().performance()?.into();
    number(&performance, "interactionCount").map(|n| n as u64)
}

fn beacon(samples: Vec<VitalSample>, errors: Vec<ClientError>) -> VitalsBeacon {
    VitalsBeacon { app_version: APP_VERSION.to_owned(), samples, errors, pending_ops: None }
}

thread_local! {
    /// The sync loop's count of this user's changes not on the server yet.
    static PENDING_OPS: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Keeps the count of changes waiting on this device, for the next beacon (the monitoring
/// dashboard's "Offline changes waiting").
pub fn report_pending_ops(pending: usize) {
    PENDING_OPS.with(|p| p.set(Some(u32::try_from(pending).unwrap_or(u32::MAX))));
}

/// Sends a beacon now, or keeps it for when the network is back. Only a beacon sent now
/// carries the offline queue's count: one that waited would tell an old one.
fn send(mut beacon: VitalsBeacon) {
    if window().navigator().on_line() {
        beacon.pending_ops = PENDING_OPS.with(Cell::get);
        if let Ok(body) = serde_json::to_string(&beacon)
            && beacon_sent(&body)
        {
            return;
        }
        beacon.pending_ops = None;
    }
    if let Ok(body) = serde_json::to_string(&beacon) {
        keep_waiting(body);
    }
}

fn beacon_sent(body: &str) -> bool {
    window().navigator().send_beacon_with_opt_str(ENDPOINT, Some(body)).unwrap_or(false)
}

fn keep_waiting(body: String) {
    let mut waiting = waiting();
    waiting.push(body);
    let excess = waiting.len().saturating_sub(MOST_WAITING);
    waiting.drain(..excess);
    set_waiting(&waiting);
}

/// Sends what waited while offline (on start and when the network is back).
fn send_waiting() {
    if window().navigator().on_line() {
        let unsent: Vec<String> = waiting().into_iter().filter(|body| !beacon_sent(body)).collect();
        set_waiting(&unsent);
    }
}

fn waiting() -> Vec<String> {
    let storage = window().local_storage().ok().flatten();
    let stored = storage.and_then(|s| s.get_item(WAITING).ok().flatten());
    stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default()
}

fn set_waiting(beacons: &[String]) {
    let Some(storage) = window().local_storage().ok().flatten() else { return };
    let _ = match serde_json::to_string(beacons) {
        Ok(json) if !beacons.is_empty() => storage.set_item(WAITING, &json),
        _ => storage.remove_item(WAITING),
    };
}

type Handler = Box<dyn FnMut(PerformanceEntry)>;

thread_local! {
    /// Each observer with what it does with an entry, to drain entries not yet delivered.
    static OBSERVERS: RefCell<Vec<(PerformanceObserver, std::rc::Rc<RefCell<Handler>>)>> = const { RefCell::new(Vec::new()) };
}

/// Observes one entry type, buffered (entries from before the WASM loaded count too).
/// Browsers without the type (Safari has no LCP or event timing) simply report less.
fn observe(kind: &str, on_entry: impl FnMut(PerformanceEntry) + 'static) {
    let handler: std::rc::Rc<RefCell<Handler>> = std::rc::Rc::new(RefCell::new(Box::new(on_entry)));
    let delivered = handler.clone();
    let callback =
        Closure::<dyn FnMut(PerformanceObserverEntryList)>::new(move |list: PerformanceObserverEntryList| {
            deliver(&delivered, list.get_entries());
        });
    let Ok(observer) = PerformanceObserver::new(callback.as_ref().unchecked_ref()) else { return };
    // `type` (one kind, buffered) has no web-sys setter.
    let options = js_sys::Object::new();
    for (key, value) in
        [("type", kind.into()), ("buffered", true.into()), ("durationThreshold", EVENT_THRESHOLD_MS.into())]
    {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(key), &value);
    }
    // A type this browser does not know throws: nothing to measure then.
    let observe =
        js_sys::Reflect::get(&observer, &"observe".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if observe.is_some_and(|observe| observe.call1(&observer, &options).is_ok()) {
        OBSERVERS.with(|all| all.borrow_mut().push((observer, handler)));
    }
    // The callback lives as long as the page.
    callback.forget();
}

fn deliver(handler: &RefCell<Handler>, entries: js_sys::Array) {
    for entry in entries {
        if let Ok(entry) = entry.dyn_into::<PerformanceEntry>() {
            (handler.borrow_mut())(entry);
        }
    }
}

/// Hands over the entries the browser has not delivered yet (before settling or reporting,
/// as `web-vitals` does with `takeRecords`).
fn drain_pending() {
    OBSERVERS.with(|all| {
        for (observer, handler) in all.borrow().iter() {
            deliver(handler, observer.take_records());
        }
    });
}

fn listen(target: &web_sys::EventTarget, kind: &str, handler: impl FnMut(web_sys::Event) + 'static) {
    let handler = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
    let options = web_sys::AddEventListenerOptions::new();
    options.set_capture(true);
    let _ = target.add_event_listener_with_callback_and_add_event_listener_options(
        kind,
        handler.as_ref().unchecked_ref(),
        &options,
    );
    handler.forget();
}

fn number(target: &JsValue, name: &str) -> Option<f64> {
    js_sys::Reflect::get(target, &name.into()).ok().and_then(|v| v.as_f64())
}

fn text(target: &JsValue, name: &str) -> Option<String> {
    js_sys::Reflect::get(target, &name.into()).ok().and_then(|v| v.as_string())
}
