//! Browser interfaces `web-sys` has no stable binding for (Web Locks, Background Sync,
//! `navigator.storage.persist()`, `navigator.connection`), reached by name.

use leptos::prelude::window;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

/// `navigator[name]`, if this browser has it.
pub fn navigator_member(name: &str) -> Option<JsValue> {
    let navigator: JsValue = window().navigator().into();
    js_sys::Reflect::get(&navigator, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined())
}

/// `target[name](...args)`; `None` when there is no such method or it threw.
pub fn call_method(target: &JsValue, name: &str, args: &[JsValue]) -> Option<JsValue> {
    let method = js_sys::Reflect::get(target, &JsValue::from_str(name)).ok()?.dyn_into::<js_sys::Function>().ok()?;
    method.apply(target, &args.iter().collect::<js_sys::Array>()).ok()
}

/// Runs `work` once the page is idle (`requestIdleCallback`, at most two seconds away), or
/// after a moment where the browser has no such call (Safari).
pub fn when_idle(work: impl FnOnce() + 'static) {
    let callback = wasm_bindgen::closure::Closure::once_into_js(work);
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("timeout"), &JsValue::from_f64(2_000.0));
    let target: JsValue = window().into();
    if call_method(&target, "requestIdleCallback", &[callback.clone(), options.into()]).is_none() {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 300);
    }
}
