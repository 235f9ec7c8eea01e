//! The server measuring itself: request metrics by route template in the Prometheus format,
//! request ids and response times on every response, and the health check.

mod common;

use common::{TestApp, anonymous};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

async fn scrape(app: &TestApp, client: &reqwest::Client) -> prometheus_parse::Scrape {
    let response = client.get(app.url("/metrics")).send().await.expect("scrape");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("valid Prometheus text format")
}

fn sample_value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .reduce(|a, b| a + b)
}

#[tokio::test]
async fn requests_are_counted_by_route_template() {
    let app = TestApp::spawn().await;
    let org = app.create_organization(serde_json::json!({"name": "Metered Bistro"})).await;
    let id = org["id"].as_str().unwrap();
    for _ in 0..3 {
        assert_eq!(app.get(&format!("/api/v1/organizations/{id}")).await.0, StatusCode::OK);
    }
    assert_eq!(app.get(&format!("/api/v1/organizations/{}", Uuid::new_v4())).await.0, StatusCode::NOT_FOUND);

    let metrics = scrape(&app, &anonymous()).await;
    let route = [("route", "/api/v1/organizations/:id"), ("method", "GET")];
    assert!(
        sample_value(&metrics, "http_requests_total", &[route[0], route[1], ("status", "2xx")]).unwrap_or(0.0) >= 3.0
    );
    assert!(sample_value(&metrics, "http_errors_total", &[route[0], ("kind", "client")]).unwrap_or(0.0) >= 1.0);
    assert!(
        metrics.samples.iter().all(|s| !s.labels.values().any(|v| v.contains(id))),
        "no raw id ever becomes a label"
    );
    let buckets = metrics
        .samples
        .iter()
        .find(|s| s.metric == "http_request_duration_seconds" && s.labels.get("route") == Some(route[0].1))
        .expect("a latency histogram for the route");
    match &buckets.value {
        prometheus_parse::Value::Histogram(buckets) => {
            let bounds: Vec<f64> = buckets.iter().map(|b| b.less_than).collect();
            assert!(bounds.contains(&0.005) && bounds.contains(&1.0), "the explicit buckets: {bounds:?}");
        }
        other => panic!("expected a histogram, got {other:?}"),
    }
    assert!(sample_value(&metrics, "process_uptime_seconds", &[]).is_some());
    // Server functions keep their own address; pages their template.
    app.page(&format!("/organizations/{id}")).await;
    app.get("/api/organizations/list?query=").await;
    let metrics = scrape(&app, &anonymous()).await;
    assert!(sample_value(&metrics, "http_requests_total", &[("route", "/organizations/:id")]).is_some());
    assert!(sample_value(&metrics, "http_requests_total", &[("route", "/api/organizations/list")]).is_some());
}

#[tokio::test]
async fn metrics_need_the_token_or_an_allowed_address() {
    let app = TestApp::spawn_with(|config| server::config::Config {
        metrics_allow: vec![],
        metrics_token: Some("scrape-me".into()),
        ..config
    })
    .await;
    let refused = anonymous().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let wrong = anonymous().get(app.url("/metrics")).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = anonymous().get(app.url("/metrics")).bearer_auth("scrape-me").send().await.unwrap();
    assert_eq!(right.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_response_has_a_request_id_and_its_time() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/v1/organizations")).send().await.unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(Uuid::parse_str(&id).is_ok(), "{id}");
    let time = response.headers()["x-response-time"].to_str().unwrap();
    assert!(time.ends_with("ms") && time.trim_end_matches("ms").parse::<f64>().is_ok(), "{time}");
    let kept =
        app.client.get(app.url("/api/v1/organizations")).header("x-request-id", "from-the-proxy").send().await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "from-the-proxy", "a proxy's id is kept");
    let other = app.client.get(app.url("/api/v1/organizations")).send().await.unwrap();
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);
}

#[tokio::test]
async fn health_says_little_to_strangers_and_more_to_managers() {
    let app = TestApp::spawn().await;
    let (status, body) = app.call(&anonymous(), reqwest::Method::GET, "/health", None).await;
    assert_eq!((status, body.clone()), (StatusCode::OK, serde_json::json!({"status": "healthy"})));
    let manager = app.signed_in("manager").await;
    let (_, body) = app.call(&manager, reqwest::Method::GET, "/health", None).await;
    assert_eq!(body["checks"]["database"]["ok"], Value::Bool(true));
    assert_eq!(body["checks"]["database"]["backend"], "sqlite");
    let rep = app.signed_in("rep1").await;
    let (_, body) = app.call(&rep, reqwest::Method::GET, "/health", None).await;
    assert!(body.get("checks").is_none(), "reps get the status only");

    // The database going away makes the instance unhealthy (503), so a balancer stops sending to it.
    app.store.close().await;
    let (status, body) = app.call(&anonymous(), reqwest::Method::GET, "/health", None).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unhealthy")));
}
