//! Security headers on every response. Pages get the page Content-Security-Policy with the
//! nonce of their inline scripts ([`app::page_security_policy`]); everything else gets a
//! policy that allows nothing, as JSON and files need nothing.
//!
//! The nonce is Leptos' own, generated per render: the render hands it to this layer through
//! a slot in the request's extensions ([`PageNonce`], filled by the Leptos context closure in
//! `startup`). Setting the header here rather than through Leptos' `ResponseOptions` from the
//! shell matters: that way was seen to lose the header now and then (a page then fell under
//! the locked-down policy, its scripts and styles blocked), and this one cannot.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::set_header::SetResponseHeaderLayer;

/// Where a page render leaves the nonce it used.
#[derive(Clone, Default)]
pub struct PageNonce(pub Arc<OnceLock<String>>);

/// Gives every request a [`PageNonce`] slot, and a rendered page its policy.
async fn page_policy(mut request: Request, next: Next) -> Response {
    let slot = PageNonce::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if let (true, Some(nonce)) = (is_page, slot.0.get())
        && let Ok(value) = HeaderValue::from_str(&app::page_security_policy(nonce))
    {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// For responses that are not pages.
const LOCKED_DOWN_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub fn with_security_headers(router: Router, https: bool) -> Router {
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), payment=(), geolocation=(self)"),
    ];
    let mut router =
        router.layer(axum::middleware::from_fn(page_policy)).layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(LOCKED_DOWN_POLICY),
        ));
    for (name, value) in fixed {
        router = router.layer(SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value)));
    }
    if https {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    router
}
