//! Each route's metric handles, made on its first request and kept. A `metrics` macro builds
//! its key, copies its labels, hashes them and looks them up in the registry on every call;
//! the five calls of each request were the largest part of what monitoring cost one
//! (callgrind, docs/benchmarks.md). Routes are few and fixed (templates, the registered
//! server functions, two catch-alls), so their handles are made once each and live as long
//! as the process, like the series they feed (the recorder never forgets a series).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use axum::http::Method;
use metrics::{Counter, Gauge, Histogram};

const METHODS: [&str; 8] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other"];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// The handles of one route.
pub struct RouteMetrics {
    /// What the route is counted under: its template (`/organizations/:id`), a server
    /// function's address, `/pkg/:file` or `other`.
    pub label: String,
    pub in_flight: Gauge,
    /// Statements per request.
    pub statements: Histogram,
    pub response_size: Histogram,
    /// Latency and count of each method and status class, made on first use.
    outcomes: [OnceLock<(Histogram, Counter)>; METHODS.len() * CLASSES.len()],
}

impl RouteMetrics {
    fn new(label: String) -> Self {
        RouteMetrics {
            in_flight: metrics::gauge!("http_requests_in_flight", "route" => label.clone()),
            statements: metrics::histogram!("http_request_db_queries", "route" => label.clone()),
            response_size: metrics::histogram!("http_response_size_bytes", "route" => label.clone()),
            outcomes: [const { OnceLock::new() }; METHODS.len() * CLASSES.len()],
            label,
        }
    }

    /// Counts a finished request: its latency, and one more of its method and status class.
    pub fn finished(&self, method: &Method, status: u16, elapsed: Duration) {
        let (method, class) = (method_index(method), class_index(status));
        let (latency, count) = self.outcomes[method * CLASSES.len() + class].get_or_init(|| {
            let labels = [
                ("route", self.label.clone()),
                ("method", METHODS[method].to_owned()),
                ("status", CLASSES[class].to_owned()),
            ];
            (
                metrics::histogram!("http_request_duration_seconds", &labels),
                metrics::counter!("http_requests_total", &labels),
            )
        });
        latency.record(elapsed.as_secs_f64());
        count.increment(1);
    }
}

/// The handles of every route seen so far.
#[derive(Default)]
pub struct Routes {
    known: RwLock<HashMap<String, Arc<RouteMetrics>>>,
}

impl Routes {
    /// The handles of a request's route: `matched` is axum's template, `path` the address.
    pub fn of(&self, matched: Option<&str>, path: &str) -> Arc<RouteMetrics> {
        let source = route_source(matched, path, is_registered_server_function);
        if let Some(found) = self.known.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(source) {
            return found.clone();
        }
        let mut known = self.known.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        known.entry(source.to_owned()).or_insert_with(|| Arc::new(RouteMetrics::new(label_of(source)))).clone()
    }
}

/// What names a request's route, unchanged from axum's template or the address. Pages and
/// API routes have their template; Leptos' server functions share one wildcard route but
/// each has a fixed address, kept when it is a registered one. Anything else (static files,
/// unknown addresses) is one series, so a scan of random URLs cannot blow up the metrics.
fn route_source<'a>(matched: Option<&'a str>, path: &'a str, registered: impl Fn(&str) -> bool) -> &'a str {
    match matched {
        Some(template) if template.contains('*') && crate::routes::is_server_function(path) => {
            Some(path).filter(|path| registered(path)).unwrap_or("other")
        }
        Some(template) => template,
        None if path.starts_with("/pkg/") => "/pkg/:file",
        None => "other",
    }
}

/// `:id` rather than axum's `{id}`: the common spelling in dashboards, and braces inside
/// label values trip up some Prometheus text parsers.
fn label_of(source: &str) -> String {
    source.replace('{', ":").replace('}', "")
}

fn is_registered_server_function(path: &str) -> bool {
    static PATHS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    PATHS.get_or_init(|| leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect()).contains(path)
}

/// A request method as it is labelled (`other` for methods outside HTTP's usual eight).
pub fn method_label(method: &Method) -> &'static str {
    METHODS[method_index(method)]
}

fn method_index(method: &Method) -> usize {
    METHODS.iter().position(|m| *m == method.as_str()).unwrap_or(METHODS.len() - 1)
}

fn class_index(status: u16) -> usize {
    match status {
        100..=199 => 0,
        200..=299 => 1,
        300..=399 => 2,
        400..=499 => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(matched: Option<&str>, path: &str) -> String {
        label_of(route_source(matched, path, |path| path == "/api/reports"))
    }

    #[test]
    fn routes_are_templates_never_raw_addresses() {
        assert_eq!(label(Some("/organizations/{id}"), "/organizations/0199-ab"), "/organizations/:id");
        assert_eq!(label(Some("/api/{*fn_name}"), "/api/reports"), "/api/reports");
        assert_eq!(label(Some("/api/{*fn_name}"), "/api/reports-and-then-some"), "other", "not a server function");
        assert_eq!(label(None, "/pkg/kitchen-pantry.abc.wasm"), "/pkg/:file");
        assert_eq!(label(None, "/wp-admin/setup.php"), "other");
    }

    #[test]
    fn statuses_fall_into_classes() {
        assert_eq!(
            [200, 303, 404, 429, 500, 503].map(|s| CLASSES[class_index(s)]),
            ["2xx", "3xx", "4xx", "4xx", "5xx", "5xx"]
        );
    }

    #[test]
    fn every_method_and_class_has_its_own_series() {
        let indexes: HashSet<usize> =
            [Method::GET, Method::POST, Method::DELETE, Method::from_bytes(b"PURGE").unwrap()]
                .iter()
                .flat_map(|method| {
                    [101, 200, 302, 404, 500].map(|status| method_index(method) * CLASSES.len() + class_index(status))
                })
                .collect();
        assert_eq!(indexes.len(), 20);
        assert!(indexes.iter().all(|i| *i < METHODS.len() * CLASSES.len()));
        assert_eq!(
            method_index(&Method::from_bytes(b"PURGE").unwrap()),
            METHODS.len() - 1,
            "unknown methods are `other`"
        );
    }

    #[test]
    fn a_route_is_made_once() {
        let routes = Routes::default();
        let first = routes.of(Some("/organizations/{id}"), "/organizations/1");
        let again = routes.of(Some("/organizations/{id}"), "/organizations/2");
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(first.label, "/organizations/:id");
        let other = routes.of(None, "/nowhere");
        assert_eq!(other.label, "other");
        assert_eq!(routes.known.read().unwrap().len(), 2);
    }
}
