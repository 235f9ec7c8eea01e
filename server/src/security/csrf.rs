//! Cross-site request forgery: a change (POST, PUT, PATCH, DELETE) is refused when the
//! browser says it comes from another site, by `Sec-Fetch-Site` (every current browser sends
//! it) or by an `Origin` that is not this server's. SameSite=Lax on the session cookie is the
//! second line. Requests with neither header (scripts, curl) are not from a browser's page.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;

use crate::routes::api::ApiError;

pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if changes_state(request.method()) && !same_site_request(request.headers()) {
        tracing::warn!(target: "security", path = %request.uri().path(), "cross-site request refused");
        return ApiError::from(AppError::forbidden(
            "This change came from another site and was refused. Open Kitchen Pantry directly and try again.",
        ))
        .into_response();
    }
    next.run(request).await
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request comes from this site's own pages (or not from a page at all).
fn same_site_request(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        return matches!(site, "same-origin" | "none");
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin_host(origin).is_some_and(|origin| origin.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
    }
}

/// `host[:port]` of an origin such as `https://crm.example.com:8443` (`null` has none).
fn origin_host(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    Some(rest.trim_end_matches('/')).filter(|host| !host.is_empty() && !host.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), v.parse().unwrap())).collect()
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(same_site_request(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(same_site_request(&headers(&[("sec-fetch-site", "none")])));
        assert!(!same_site_request(&headers(&[("sec-fetch-site", "cross-site"), ("host", "a.test")])));
        assert!(!same_site_request(&headers(&[("sec-fetch-site", "same-site")])), "a sibling subdomain is another app");
    }

    #[test]
    fn otherwise_the_origin_must_be_this_host() {
        assert!(same_site_request(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!same_site_request(&headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")])));
        assert!(!same_site_request(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")])));
        assert!(same_site_request(&headers(&[("host", "127.0.0.1:3000")])), "no Origin: not a browser page");
    }

    #[test]
    fn reads_are_never_refused() {
        assert!(!changes_state(&Method::GET) && !changes_state(&Method::HEAD));
        assert!(changes_state(&Method::POST) && changes_state(&Method::DELETE) && changes_state(&Method::PATCH));
    }
}
