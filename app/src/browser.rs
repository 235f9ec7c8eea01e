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
