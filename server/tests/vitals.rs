//! Real-user monitoring's ingestion: beacons accepted from this site's pages (signed in or
//! not), bad ones refused with 400 and counted, a rate limit of their own, the summary at
//! p75 per route and device class, and bounded retention.

mod common;

use chrono::{Duration, Utc};
use common::{TestApp, anonymous};
use reqwest::StatusCode;
use serde_json::{Value, json};

use app::model::vitals::{DeviceClass, Metric, VitalSample, VitalsBeacon};
use server::monitoring::vitals;

fn beacon(samples: Value) -> Value {
    json!({"app_version": "0.1.0", "samples": samples})
}

/// Sends a beacon the way `navigator.sendBeacon` does from a page of `site` (`same-origin`:
/// ours): a text body, no cookies needed.
async fn send_from(app: &TestApp, body: &Value, site: &str) -> StatusCode {
    let request = anonymous()
        .post(app.url("/api/v1/vitals"))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("sec-fetch-site", site)
        .body(body.to_string());
    request.send().await.expect("beacon").status()
}

async fn send(app: &TestApp, body: &Value) -> StatusCode {
    send_from(app, body, "same-origin").await
}

fn summary<'a>(report: &'a Value, metric: &str, route: Option<&str>, device: Option<&str>) -> &'a Value {
    report["summaries"]
        .as_array()
        .and_then(|all| {
            all.iter().find(|s| s["metric"] == metric && s["route"].as_str() == route && s["device"].as_str() == device)
        })
        .unwrap_or_else(|| panic!("no summary for {metric} {route:?} {device:?} in {report}"))
}

#[tokio::test]
async fn beacons_are_summarized_at_p75_per_route_and_device() {
    let app = TestApp::spawn().await;
    let lcp: Vec<Value> = (1..=8)
        .map(|i| json!({"metric": "LCP", "value": i * 500, "route": "/today", "device": "mobile", "connection": "4g", "navigation": "navigate"}))
        .collect();
    assert_eq!(send(&app, &beacon(Value::Array(lcp))).await, StatusCode::NO_CONTENT);
    let more = beacon(json!([
        {"metric": "CLS", "value": 0.02, "route": "/today", "device": "mobile"},
        {"metric": "INP", "value": 96, "route": "/organizations/:id", "device": "desktop", "navigation": "soft"},
    ]));
    assert_eq!(send(&app, &more).await, StatusCode::NO_CONTENT);

    let manager = app.signed_in("manager").await;
    let (status, report) = app.call(&manager, reqwest::Method::GET, "/api/v1/vitals/summary?window=1h", None).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["samples"], 10);
    let today = summary(&report, "LCP", Some("/today"), Some("mobile"));
    assert_eq!((today["p75"].as_f64(), today["rating"].as_str()), (Some(3_000.0), Some("needs-improvement")));
    assert_eq!(today["good"].as_f64(), Some(5.0 / 8.0));
    assert_eq!(summary(&report, "CLS", None, None)["rating"], "good");
    assert_eq!(summary(&report, "INP", Some("/organizations/:id"), None)["p75"].as_f64(), Some(96.0));

    let rep = app.signed_in("rep1").await;
    let (status, _) = app.call(&rep, reqwest::Method::GET, "/api/v1/vitals/summary", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "vitals are for managers and administrators");
    let (status, body) = app.get("/api/v1/vitals/summary?window=90d").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("1h, 24h or 7d"), "{body}");
}

/// Reps' browsers say how many changes wait on the device with each beacon; the dashboard
/// adds up each user's latest count. A signed-out beacon's count is nobody's and is ignored.
#[tokio::test]
async fn the_dashboard_adds_up_the_changes_waiting_in_reps_browsers() {
    let app = TestApp::spawn().await;
    let card = |body: &Value| {
        let cards = body["cards"].as_array().cloned().unwrap_or_default();
        cards.into_iter().find(|c| c["key"] == "offline_pending").unwrap_or_else(|| panic!("the card in {body}"))
    };
    let (_, body) = app.get("/api/v1/monitoring").await;
    assert_eq!(card(&body)["value"], Value::Null, "nobody reported yet");
    assert_eq!(card(&body)["note"], "no signed-in browser reported in the last 30 min");

    let sample = json!([{"metric": "TTFB", "value": 120, "route": "/today", "device": "mobile"}]);
    let with_pending = |n: u32| json!({"app_version": "0.1.0", "samples": sample, "pending_ops": n});
    for (rep, pending) in [("rep1", 9), ("rep1", 3), ("rep2", 2)] {
        let client = app.signed_in(rep).await;
        let response = client
            .post(app.url("/api/v1/vitals"))
            .header("content-type", "text/plain;charset=UTF-8")
            .header("sec-fetch-site", "same-origin")
            .body(with_pending(pending).to_string())
            .send()
            .await
            .expect("beacon");
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(send(&app, &with_pending(50)).await, StatusCode::NO_CONTENT, "signed out");
    let (_, body) = app.get("/api/v1/monitoring").await;
    assert_eq!(card(&body)["value"], 5.0, "rep1's latest 3 and rep2's 2: {body}");
    assert_eq!(card(&body)["note"], "as 2 users' browsers last reported (30 min)");
    assert_eq!(card(&body)["level"], "Warning");

    assert_eq!(send(&app, &with_pending(2_000_000)).await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bad_beacons_get_400_are_counted_and_store_nothing() {
    let app = TestApp::spawn().await;
    let bad = [
        beacon(json!([{"metric": "LCP", "value": -5, "route": "/today", "device": "mobile"}])),
        beacon(
            json!([{"metric": "LCP", "value": 900, "route": "/organizations/0192f3c4-7b1a-7c3e-8f00-0123456789ab", "device": "mobile"}]),
        ),
        beacon(json!([{"metric": "TTI", "value": 900, "route": "/today", "device": "mobile"}])),
        beacon(json!([])),
        json!({"samples": "nope"}),
    ];
    for body in &bad {
        assert_eq!(send(&app, body).await, StatusCode::BAD_REQUEST, "{body}");
    }
    let response = anonymous()
        .post(app.url("/api/v1/vitals"))
        .header("content-type", "text/plain")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("not valid JSON"));
    let oversized = "x".repeat(64 * 1024);
    let response =
        anonymous().post(app.url("/api/v1/vitals")).header("content-type", "text/plain").body(oversized).send().await;
    assert_eq!(response.unwrap().status(), StatusCode::PAYLOAD_TOO_LARGE);

    let metrics = anonymous().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let rejected = metrics
        .lines()
        .find(|l| l.starts_with("web_vitals_beacons_rejected_total"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok());
    assert!(rejected.is_some_and(|n| n >= 6.0), "{metrics}");
    assert!(vitals::since(&app.store, Utc::now() - Duration::hours(1)).await.unwrap().is_empty());
}

#[tokio::test]
async fn browser_errors_are_filed_with_the_servers_and_counted() {
    let app = TestApp::spawn().await;
    let body = json!({"app_version": "0.1.0", "errors": [
        {"kind": "panic", "message": "index out of bounds: the len is 3 but the index is 7\nat app::pages", "route": "/log"},
        {"kind": "rejection", "message": "NetworkError when attempting to fetch resource.", "route": "/organizations/:id"},
    ]});
    assert_eq!(send(&app, &body).await, StatusCode::NO_CONTENT);
    let (status, errors) = app.get("/api/v1/errors").await;
    assert_eq!(status, StatusCode::OK);
    let groups = errors["groups"].as_array().expect("groups");
    let panic = groups.iter().find(|g| g["route"] == "/log").expect("the panic is filed under its route");
    assert_eq!(panic["kind"], "browser panic: index out of bounds: the len is 3 but the index is 7");
    assert_eq!(panic["recent"][0]["method"], "BROWSER");
    assert!(panic["recent"][0]["causes"][0].as_str().unwrap().contains("at app::pages"), "the whole message is kept");
    assert!(groups.iter().any(|g| g["kind"].as_str().unwrap().starts_with("browser rejection:")));
    let metrics = anonymous().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l.starts_with("client_errors_total{kind=\"panic\"} 1")), "{metrics}");
}

#[tokio::test]
async fn beacons_from_another_site_are_refused() {
    let app = TestApp::spawn().await;
    let body = beacon(json!([{"metric": "FCP", "value": 800, "route": "/", "device": "desktop"}]));
    assert_eq!(send_from(&app, &body, "cross-site").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn beacons_have_a_rate_limit_of_their_own() {
    let app = TestApp::spawn_with(|mut config| {
        config.rate_limit_beacons = 2;
        config.rate_limit_writes = 2;
        config
    })
    .await;
    let body = beacon(json!([{"metric": "TTFB", "value": 120, "route": "/", "device": "desktop"}]));
    assert_eq!(send(&app, &body).await, StatusCode::NO_CONTENT);
    assert_eq!(send(&app, &body).await, StatusCode::NO_CONTENT);
    assert_eq!(send(&app, &body).await, StatusCode::TOO_MANY_REQUESTS);
    // A user's writes are counted apart: beacons never use up their allowance.
    let org = app.create_organization(json!({"name": "Still writable"})).await;
    assert!(org["id"].is_string());
}

#[tokio::test]
async fn samples_past_the_retention_are_pruned() {
    retention(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn samples_are_kept_and_pruned_on_postgres() {
    TestApp::on_postgres(retention).await;
}

async fn retention(app: &TestApp) {
    let sample = VitalSample {
        metric: Metric::Lcp,
        value: 1_000.0,
        route: "/today".into(),
        device: DeviceClass::Mobile,
        connection: None,
        navigation: None,
    };
    let beacon = VitalsBeacon { app_version: "0.1.0".into(), samples: vec![sample], errors: vec![], pending_ops: None };
    let now = Utc::now();
    vitals::save(&app.store, &beacon, now - Duration::days(8)).await.unwrap();
    vitals::save(&app.store, &beacon, now).await.unwrap();
    assert_eq!(vitals::prune(&app.store, now).await.unwrap(), 1);
    let kept = vitals::since(&app.store, now - Duration::days(30)).await.unwrap();
    assert_eq!(kept.len(), 1);
}
