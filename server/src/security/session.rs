//! Recognises the session cookie and lets nobody past without one, except to what a
//! signed-out visitor needs: the sign-in page and its server functions, the session API and
//! static files. Pages send signed-out visitors to `/login?next=…`; API calls get 401.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;
use app::model::CurrentUser;

use crate::routes::api::ApiError;
use crate::state::AppState;

pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if let Some(token) = app::auth::session_token(request.headers()) {
        match app::auth::authenticate(&state.store.for_request(request.extensions()), &token).await {
            Ok(Some(user)) => {
                request.extensions_mut().insert(user);
            }
            Ok(None) => {}
            Err(error) => return ApiError::from(error).into_response(),
        }
    }
    let user = request.extensions().get::<CurrentUser>().cloned();
    if user.is_none() && !is_public(request.method(), request.uri().path()) {
        return refuse(&request);
    }
    let mut response = next.run(request).await;
    if let Some(user) = user {
        if !response.headers().contains_key(header::CACHE_CONTROL) {
            // What a signed-in person sees is theirs: no shared cache may keep it.
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        }
        // For the layers outside (the error tracking names who met an error).
        response.extensions_mut().insert(user);
    }
    response
}

/// What a signed-out visitor may reach.
fn is_public(method: &Method, path: &str) -> bool {
    let page = matches!(*method, Method::GET | Method::HEAD);
    (page && matches!(path, "/login" | "/health" | "/metrics" | "/offline-shell"))
        || is_sign_in(path)
        // Vitals beacons come from the sign-in page too (same-origin only, rate-limited).
        || (*method == Method::POST && path == "/api/v1/vitals")
        || (page && path.starts_with("/pkg/"))
        // Static files from `public/` (favicon, manifest, icons): a name with an extension.
        || (page && !path.starts_with("/api/") && path.rsplit('/').next().is_some_and(|name| name.contains('.')))
}

/// The sign-in and sign-out endpoints (their own rate limit applies, not the write limit).
pub fn is_sign_in(path: &str) -> bool {
    path.starts_with("/api/session/") || path == "/api/v1/session"
}

fn refuse(request: &Request) -> Response {
    let path = request.uri().path();
    let page = matches!(*request.method(), Method::GET | Method::HEAD) && !path.starts_with("/api/");
    if !page {
        return ApiError::from(AppError::unauthorized()).into_response();
    }
    let here = request.uri().path_and_query().map_or(path, |pq| pq.as_str());
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    let location = if here == "/" { "/login".to_owned() } else { format!("/login?next={next}") };
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sign_in_and_static_files_are_public() {
        let get = Method::GET;
        for path in ["/login", "/pkg/kitchen-pantry.abc.wasm", "/favicon.svg", "/manifest.webmanifest"] {
            assert!(is_public(&get, path), "{path}");
        }
        assert!(is_public(&get, "/health") && is_public(&get, "/metrics"), "they have their own protection");
        assert!(is_public(&Method::POST, "/api/session/sign-in"));
        assert!(is_public(&Method::POST, "/api/v1/session"));
        assert!(is_public(&Method::POST, "/api/v1/vitals") && !is_public(&get, "/api/v1/vitals/summary"));
        for path in ["/", "/organizations", "/organizations/0199", "/api/organizations/list", "/api/v1/organizations"] {
            assert!(!is_public(&get, path), "{path}");
        }
        assert!(!is_public(&get, "/api/v1/organizations.csv"), "API paths are never static files");
        assert!(!is_public(&Method::POST, "/login"));
    }
}
