//! The server measuring itself: request metrics by route template in the Prometheus format,
//! request ids and response times on every response, the health check and its thresholds,
//! the performance API, error tracking and the minute rollups.

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

fn inject(app: &TestApp, count: usize, latency_ms: f64, status: u16) {
    let now = chrono::Utc::now().timestamp();
    for _ in 0..count {
        app.monitoring.record(now, "/injected", latency_ms, status);
    }
}

async fn health(app: &TestApp, client: &reqwest::Client) -> (StatusCode, Value) {
    app.call(client, reqwest::Method::GET, "/health", None).await
}

#[tokio::test]
async fn health_follows_response_times_down_and_back() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager").await;
    assert_eq!(health(&app, &anonymous()).await.1["status"], "healthy");

    inject(&app, 100, 1500.0, 200);
    let (status, body) = health(&app, &manager).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("degraded")), "{body}");
    let reason = body["reasons"][0].as_str().unwrap();
    assert!(reason.starts_with("p95 response time 1") && reason.ends_with("(limit 1000 ms)"), "{body}");
    assert_eq!(health(&app, &anonymous()).await.1, serde_json::json!({"status": "degraded"}), "no details");

    inject(&app, 100, 2500.0, 200);
    let (status, body) = health(&app, &manager).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unhealthy")), "{body}");

    // Fast requests again: the slow ones fall below the 95th percentile.
    inject(&app, 10_000, 5.0, 200);
    let (status, body) = health(&app, &manager).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("healthy")), "{body}");
    assert!(body["requests"]["requests"].as_u64().unwrap() >= 10_200);
}

#[tokio::test]
async fn health_follows_the_error_rate_down_and_back() {
    let app = TestApp::spawn().await;
    inject(&app, 100, 5.0, 200);
    inject(&app, 3, 5.0, 500);
    assert_eq!(health(&app, &anonymous()).await, (StatusCode::OK, serde_json::json!({"status": "degraded"})));
    inject(&app, 5, 5.0, 503);
    let (status, body) = health(&app, &anonymous()).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unhealthy")));
    inject(&app, 1_000, 5.0, 200);
    assert_eq!(health(&app, &anonymous()).await.1["status"], "healthy");
}

#[tokio::test]
async fn health_thresholds_come_from_the_configuration() {
    let app = TestApp::spawn_with(|config| server::config::Config {
        health_degraded_p95_ms: 100,
        health_unhealthy_p95_ms: 200,
        ..config
    })
    .await;
    inject(&app, 50, 150.0, 200);
    assert_eq!(health(&app, &anonymous()).await.1["status"], "degraded");
}

#[tokio::test]
async fn the_performance_api_reports_windows_by_route() {
    let app = TestApp::spawn().await;
    let org = app.create_organization(serde_json::json!({"name": "Timed Trattoria"})).await;
    let id = org["id"].as_str().unwrap();
    for _ in 0..5 {
        assert_eq!(app.get(&format!("/api/v1/organizations/{id}")).await.0, StatusCode::OK);
    }
    let manager = app.signed_in("manager").await;
    let (status, body) = app.call(&manager, reqwest::Method::GET, "/api/v1/performance?window=1m", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["window"], "1m");
    assert!(body["overall"]["requests"].as_u64().unwrap() >= 6);
    let route = body["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == "/api/v1/organizations/:id")
        .expect("the template, not the id");
    assert_eq!(route["requests"], 5);
    assert!(route["p95_ms"].as_f64().unwrap() > 0.0);
    assert!(body["process"]["resident_memory_bytes"].as_u64().unwrap() > 0);
    assert!(!body.to_string().contains(id), "no raw id in the report");

    let (status, body) = app.call(&manager, reqwest::Method::GET, "/api/v1/performance?window=2h", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "window must be 1m, 5m or 1h (got “2h”)");

    let csv = manager.get(app.url("/api/v1/performance.csv?window=5m")).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("window,route,requests,"));
    assert!(lines.next().unwrap().starts_with("5m,*,"));
    assert!(text.contains("\n5m,/api/v1/organizations/:id,5,"), "{text}");

    let rep = app.signed_in("rep1").await;
    for path in ["/api/v1/performance", "/api/v1/performance.csv", "/api/v1/errors", "/api/v1/performance/history"] {
        assert_eq!(app.call(&rep, reqwest::Method::GET, path, None).await.0, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(app.call(&anonymous(), reqwest::Method::GET, path, None).await.0, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn server_errors_are_tracked_with_request_route_user_and_cause() {
    let app = TestApp::spawn().await;
    // The table disappears behind the server's back: every list fails in the database.
    app.store
        .db()
        .execute(app::store::Sql::new("test.break", "ALTER TABLE organizations RENAME TO organizations_gone"))
        .await
        .unwrap();
    let response = app.client.get(app.url("/api/v1/organizations")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.headers().get("x-error-reference").is_none(), "the reference is not a header of the answer");
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let message = response.json::<Value>().await.unwrap()["error"].as_str().unwrap().to_owned();
    let page = app.client.get(app.url("/organizations")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let page_request = page.headers()["x-request-id"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("reference {page_request}")), "the error page names the request id");
    app.get("/api/v1/organizations").await;

    let (status, body) = app.get("/api/v1/errors").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 3);
    let groups = body["groups"].as_array().unwrap();
    let api = groups.iter().find(|g| g["route"] == "/api/v1/organizations").expect("the API route's group");
    assert_eq!((api["kind"].as_str(), api["count"].as_u64()), (Some("store operation failed"), Some(2)));
    let page = groups.iter().find(|g| g["route"] == "/organizations").expect("the page's group");
    assert_eq!(page["kind"], "store operation failed", "{page}");
    assert_eq!(page["recent"][0]["reference"], page["recent"][0]["request_id"], "{page}");
    assert_eq!(page["recent"][0]["request_id"], page_request.as_str(), "{page}");
    let first = app.get("/api/v1/errors").await.1;
    let last = &first["groups"].as_array().unwrap().iter().find(|g| g["route"] == "/api/v1/organizations").unwrap()["recent"]
        [0];
    assert_eq!(last["user"], "admin@example.test");
    assert_eq!(last["status"], 500);
    assert!(last["causes"][0].as_str().unwrap().contains("organizations"), "{last}");
    assert_ne!(last["request_id"], request_id.as_str(), "the last occurrence is the second request");
    let reference = last["reference"].as_str().unwrap();
    assert!(!message.contains(reference), "each failure has its own reference");
    assert!(message.contains("reference "), "{message}");
}

#[tokio::test]
async fn minute_rollups_are_saved_summed_across_instances_and_pruned() {
    use server::monitoring::aggregator::MinuteRollup;
    use server::monitoring::rollups;

    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let minute = now - now.rem_euclid(60) - 120;
    let rollup = |route: &str, minute: i64, requests: u64, mean_ms: f64, p95_ms: f64| MinuteRollup {
        minute,
        route: route.into(),
        requests,
        server_errors: 1,
        client_errors: 0,
        mean_ms,
        p50_ms: mean_ms,
        p95_ms,
        p99_ms: p95_ms,
        max_ms: p95_ms * 2.0,
    };
    rollups::save(&app.store, "a", &[rollup("*", minute, 30, 10.0, 40.0), rollup("/x", minute, 30, 10.0, 40.0)])
        .await
        .unwrap();
    rollups::save(&app.store, "b", &[rollup("*", minute, 10, 50.0, 90.0)]).await.unwrap();
    rollups::save(&app.store, "b", &[rollup("*", minute, 10, 50.0, 90.0)]).await.expect("saving twice is harmless");
    let old = minute - rollups::RETENTION_SECONDS - 60;
    rollups::save(&app.store, "a", &[rollup("*", old, 5, 1.0, 1.0)]).await.unwrap();

    let points = rollups::history(&app.store, "*", minute - 60).await.unwrap();
    assert_eq!(points.len(), 1);
    let point = &points[0];
    assert_eq!((point.minute, point.requests, point.server_errors), (minute, 40, 2));
    assert!((point.mean_ms - 20.0).abs() < 1e-9, "weighted by requests: {}", point.mean_ms);
    assert_eq!((point.p95_ms, point.max_ms), (90.0, 180.0));

    assert_eq!(rollups::prune(&app.store, now - rollups::RETENTION_SECONDS).await.unwrap(), 1);
    assert_eq!(rollups::history(&app.store, "*", 0).await.unwrap().len(), 1);

    let (status, body) = app.get("/api/v1/performance/history?route=/x&hours=1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["minutes"][0]["requests"], 30);
    assert_eq!(app.get("/api/v1/performance/history?hours=500").await.0, StatusCode::BAD_REQUEST);
}

async fn process_minutes(app: &TestApp) {
    use server::monitoring::samples::{self, MinuteSample};

    let now = chrono::Utc::now().timestamp();
    let minute = now - now.rem_euclid(60) - 120;
    let sample = |memory: u64, cpu: f64, hits: u64, misses: u64| MinuteSample {
        minute,
        resident_memory_bytes: Some(memory),
        cpu_percent: Some(cpu),
        cache_hits: hits,
        cache_misses: misses,
        events: Default::default(),
    };
    samples::save(&app.store, "a", &sample(100 << 20, 10.0, 90, 10)).await.unwrap();
    samples::save(&app.store, "b", &sample(300 << 20, 30.0, 10, 90)).await.unwrap();
    samples::save(&app.store, "b", &sample(1, 1.0, 1, 1)).await.expect("a minute is written once");
    let old = MinuteSample { minute: minute - 8 * 24 * 3600, ..sample(1, 1.0, 1, 1) };
    samples::save(&app.store, "a", &old).await.unwrap();
    samples::save(&app.store, "a", &MinuteSample { minute: minute + 60, ..sample(1, 1.0, 0, 0) }).await.unwrap();

    let minutes = samples::history(&app.store, 0).await.unwrap();
    assert_eq!(minutes.len(), 2, "the 8-day-old minute was pruned: {minutes:?}");
    let first = &minutes[0];
    assert_eq!(first.minute, minute);
    assert_eq!(first.resident_memory_bytes, Some((300u64 << 20) as f64), "the largest instance");
    assert_eq!(first.cpu_percent, Some(20.0), "the instances' mean");
    assert_eq!((first.cache_hits, first.cache_misses), (100, 100), "lookups added up");

    // The dashboard charts them.
    let (status, body) = app.get("/api/v1/monitoring?period=1h").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let memory = body["charts"].as_array().unwrap().iter().find(|c| c["key"] == "memory").unwrap().clone();
    assert!(memory["series"][0]["values"].as_array().unwrap().contains(&serde_json::json!((300u64 << 20) as f64)));
}

#[tokio::test]
async fn process_minutes_are_kept_merged_across_instances_and_pruned() {
    process_minutes(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn process_minutes_are_kept_merged_across_instances_and_pruned_on_postgres() {
    TestApp::on_postgres(process_minutes).await;
}

#[tokio::test]
async fn the_dashboard_export_holds_what_the_page_shows() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/organizations").await.0, StatusCode::OK);
    }
    let (status, body) = app.get("/api/v1/monitoring").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["period"], "1h");
    assert_eq!(body["status"], "healthy");
    let keys: Vec<&str> = body["cards"].as_array().unwrap().iter().filter_map(|c| c["key"].as_str()).collect();
    assert_eq!(
        keys,
        ["requests_per_minute", "p95_ms", "error_rate", "cache_hit_ratio", "offline_pending", "active_users"]
    );
    let route = body["routes"].as_array().unwrap().iter().find(|r| r["route"] == "/api/v1/organizations").unwrap();
    assert_eq!(route["requests"], 3);
    let throughput = &body["charts"][0];
    assert_eq!(throughput["times"].as_array().unwrap().len(), 60);
    let last = throughput["series"][0]["values"].as_array().unwrap().last().unwrap().as_f64().unwrap();
    assert!(last > 0.0, "the running minute is charted before it is persisted");

    let response = app.client.get(app.url("/api/v1/monitoring?period=24h&format=csv")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with("section,item,measure,value\n"), "{csv}");
    assert!(csv.contains("route,/api/v1/organizations,requests,3\n"), "{csv}");
    assert_eq!(app.get("/api/v1/monitoring?period=2w").await.0, StatusCode::BAD_REQUEST);

    // One route's page: its last hour, and its running minute charted.
    let (status, detail) = app.get("/api/monitoring/route?route=%2Fapi%2Fv1%2Forganizations").await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["last_hour"]["requests"], 3);
    assert_eq!(detail["charts"].as_array().map(Vec::len), Some(3));
    let last = detail["charts"][0]["series"][0]["values"].as_array().unwrap().last().unwrap().as_f64().unwrap();
    assert!(last > 0.0, "{detail}");
    // Its slowest requests of the hour, slowest first, each with what finds it in the logs.
    let slowest = detail["slowest"].as_array().unwrap();
    assert_eq!(slowest.len(), 3, "{detail}");
    let latencies: Vec<f64> = slowest.iter().map(|r| r["latency_ms"].as_f64().unwrap()).collect();
    assert!(latencies.windows(2).all(|w| w[0] >= w[1]), "{latencies:?}");
    assert_eq!((slowest[0]["method"].as_str(), slowest[0]["status"].as_u64()), (Some("GET"), Some(200)));
    assert_eq!(slowest[0]["user"], "admin@example.test");
    assert!(slowest[0]["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{detail}");
    let (status, body) = app.get("/api/monitoring/route").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(app.get("/api/v1/monitoring?format=xml").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn statements_are_timed_by_name_and_slow_ones_kept_with_their_plan() {
    let app = TestApp::spawn_with(|config| server::config::Config { slow_query_ms: 20, ..config }).await;
    app.create_organization(serde_json::json!({"name": "Queried Diner"})).await;
    assert_eq!(app.get("/api/v1/organizations").await.0, StatusCode::OK);
    let slow = app::store::Sql::new(
        "test.count_to_a_million",
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000) SELECT COUNT(*) FROM n",
    );
    let (count,): (i64,) = app.store.db().fetch_one(slow).await.unwrap();
    assert_eq!(count, 1_000_000);

    // The plan is taken in the background: wait for it to arrive.
    let mut body = Value::Null;
    for _ in 0..50 {
        body = app.get("/api/v1/performance?window=1m").await.1;
        if !body["database"]["slow_queries"].as_array().is_none_or(Vec::is_empty) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let database = &body["database"];
    assert_eq!(database["backend"], "sqlite");
    let slow = &database["slow_queries"][0];
    assert_eq!(slow["name"], "test.count_to_a_million", "{database}");
    assert!(slow["elapsed_ms"].as_f64().unwrap() > 20.0);
    assert!(slow["sql"].as_str().unwrap().starts_with("WITH RECURSIVE"));
    assert!(!slow["plan"].as_array().unwrap().is_empty(), "EXPLAIN QUERY PLAN lines: {slow}");
    let queries = database["queries"].as_array().unwrap();
    let named = |name: &str| queries.iter().find(|q| q["route"] == name).cloned();
    let insert = named("organizations.insert").unwrap_or_else(|| panic!("the insert is timed by name: {queries:?}"));
    assert!(insert["requests"].as_u64().unwrap() >= 1 && insert["p95_ms"].as_f64().is_some());
    let pools: Vec<&str> = database["pools"].as_array().unwrap().iter().map(|p| p["pool"].as_str().unwrap()).collect();
    assert_eq!(pools, ["read", "write"]);
    assert_eq!(database["pools"][0]["waiting"], 0, "nobody waits once the requests are done");
    let acquire = named("pool.acquire").unwrap_or_else(|| panic!("waits for a connection are timed: {queries:?}"));
    assert!(acquire["requests"].as_u64().unwrap() >= 2 && acquire["p95_ms"].as_f64().is_some(), "{acquire}");

    let metrics = scrape(&app, &anonymous()).await;
    assert!(
        metrics
            .samples
            .iter()
            .any(|s| s.metric == "db_query_duration_seconds" && s.labels.get("query") == Some("organizations.insert"))
    );
    assert!(sample_value(&metrics, "db_pool_max_connections", &[("pool", "write")]) == Some(1.0));
    assert!(sample_value(&metrics, "db_pool_waiting", &[("pool", "read")]) == Some(0.0));
    let acquire_buckets =
        metrics.samples.iter().find(|s| s.metric == "db_pool_acquire_seconds" && s.labels.get("pool") == Some("read"));
    assert!(
        matches!(acquire_buckets.map(|s| &s.value), Some(prometheus_parse::Value::Histogram(_))),
        "the connection wait is a histogram Prometheus can add up across instances"
    );
    assert!(sample_value(&metrics, "process_resident_memory_bytes", &[]).is_some_and(|v| v > 0.0));
}
