//! The read cache seen from outside: `X-Cache` and `Server-Timing` on cached reads, a hit
//! after a miss, precise invalidation by a write, clearing by prefix, two instances sharing
//! it through Redis (when `TEST_REDIS_URL` is set; CI sets it), and the app serving on
//! when Redis is unreachable.

mod common;

use std::time::Duration;

use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Status, `X-Cache` and body of a GET.
async fn get_cached(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, String, Value) {
    let response = client.get(app.url(path)).send().await.expect("request");
    let status = response.status();
    let cache = response.headers().get("x-cache").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, cache, response.json().await.unwrap_or(Value::Null))
}

async fn cache_stats(app: &TestApp, name: &str) -> Value {
    let (status, body) = app.get("/api/v1/cache").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["caches"].as_array().unwrap().iter().find(|c| c["name"] == name).cloned().expect("a cache of that name")
}

#[tokio::test]
async fn reads_hit_after_a_miss_and_a_write_forgets_only_what_it_changed() {
    let app = TestApp::spawn().await;
    let (rep1, rep2) = (app.signed_in("rep1").await, app.signed_in("rep2").await);
    let org = app
        .create_organization(json!({"name": "Cached Cantina", "priority": "A", "assigned_user_id": app.user("rep1")}))
        .await;
    app.create_organization(json!({"name": "Other Osteria", "priority": "A", "assigned_user_id": app.user("rep2")}))
        .await;
    let list = "/api/v1/organizations?priority=A";

    let response = app.client.get(app.url(list)).send().await.unwrap();
    assert_eq!(response.headers()["x-cache"], "MISS");
    let timing = response.headers()["server-timing"].to_str().unwrap().to_owned();
    assert!(timing.starts_with("db;dur=") && timing.contains("queries") && timing.contains("cache;dur="), "{timing}");
    assert!(timing.contains("render;dur=") && timing.contains("total;dur="), "{timing}");
    let (_, hit, first) = get_cached(&app, &app.client, list).await;
    assert_eq!(hit, "HIT");
    assert_eq!(first["total"], 2);
    let detail = format!("/api/v1/organizations/{}", org["id"].as_str().unwrap());
    assert_eq!(get_cached(&app, &app.client, &detail).await.1, "MISS");
    assert_eq!(get_cached(&app, &app.client, &detail).await.1, "HIT");
    let stats = cache_stats(&app, "organization_lists").await;
    assert!(stats["hits"].as_u64().unwrap() >= 1 && stats["misses"].as_u64().unwrap() >= 1, "{stats}");

    // Each rep's view is cached on its own.
    for rep in [&rep1, &rep2] {
        assert_eq!(get_cached(&app, rep, list).await.1, "MISS");
        let (_, cache, mine) = get_cached(&app, rep, list).await;
        assert_eq!((cache.as_str(), mine["total"].as_i64()), ("HIT", Some(1)));
    }

    // Changing rep1's organization: everyone's view, rep1's view and the record are stale;
    // rep2 cannot see it, so rep2's view stays cached.
    let (status, changed) = app.patch(&detail, json!({"version": org["version"], "name": "Cantina Nueva"})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let (_, cache, fresh) = get_cached(&app, &app.client, list).await;
    assert_eq!(cache, "MISS");
    assert!(fresh["items"].as_array().unwrap().iter().any(|o| o["name"] == "Cantina Nueva"), "{fresh}");
    let (_, cache, record) = get_cached(&app, &app.client, &detail).await;
    assert_eq!((cache.as_str(), &record["name"]), ("MISS", &json!("Cantina Nueva")));
    assert_eq!(get_cached(&app, &rep1, list).await.1, "MISS");
    assert_eq!(get_cached(&app, &rep2, list).await.1, "HIT", "a view that cannot see the change stays cached");

    // Clearing by prefix (administrators only) leaves the other kinds.
    let manager = app.signed_in("manager").await;
    let clear = "/api/v1/cache?prefix=organization_lists|";
    assert_eq!(app.call(&manager, Method::DELETE, clear, None).await.0, StatusCode::FORBIDDEN);
    let (status, body) = app.json(Method::DELETE, "/api/v1/cache?prefix=nothing", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("organization_lists|"), "{body}");
    assert_eq!(app.json(Method::DELETE, clear, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(get_cached(&app, &app.client, list).await.1, "MISS");
    assert_eq!(get_cached(&app, &app.client, &detail).await.1, "HIT");
    assert_eq!(app.json(Method::DELETE, "/api/v1/cache", None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(get_cached(&app, &app.client, &detail).await.1, "MISS");
}

/// The dashboard's figures are aggregates over every interaction of the period (seconds at
/// 100k accounts on SQLite): cached per scope, forgotten by a write that changes them.
#[tokio::test]
async fn the_dashboard_figures_are_cached_until_a_visit_or_a_deal_changes_them() {
    use app::model::{CloseReason, InteractionDraft, InteractionKind, OpportunityDraft, Stage};
    use app::store::Actor;
    let app = TestApp::spawn().await;
    let (rep1, rep2) = (app.signed_in("rep1").await, app.signed_in("rep2").await);
    let org = app.create_organization(json!({"name": "Figure Fonda", "assigned_user_id": app.user("rep1")})).await;
    let org_id: uuid::Uuid = org["id"].as_str().and_then(|id| id.parse().ok()).expect("id");
    let team = |body: &Value, field: &str| body["team"][field].as_i64().unwrap_or(-1);

    for client in [&app.client, &rep1, &rep2] {
        assert_eq!(get_cached(&app, client, "/api/dashboard").await.1, "MISS");
    }
    let (status, cache, before) = get_cached(&app, &rep1, "/api/dashboard").await;
    assert_eq!((status, cache.as_str()), (StatusCode::OK, "HIT"), "{before}");
    let (_, cache, everyone) = get_cached(&app, &app.client, "/api/dashboard").await;
    assert_eq!(cache, "HIT");
    assert_eq!(get_cached(&app, &app.client, "/api/reports").await.1, "MISS");
    assert_eq!(get_cached(&app, &app.client, "/api/reports").await.1, "HIT");

    // rep1 logs a visit: rep1's and everyone's figures are read again; rep2's stay.
    let visit = InteractionDraft::new(org_id, InteractionKind::Visit);
    app.store.create_interaction(&Actor::system(), app.user("rep1"), None, visit, None).await.expect("visit");
    let (_, cache, after) = get_cached(&app, &rep1, "/api/dashboard").await;
    assert_eq!(cache, "MISS");
    assert_eq!(team(&after, "interactions_this_week"), team(&before, "interactions_this_week") + 1, "{after}");
    let (_, cache, all) = get_cached(&app, &app.client, "/api/dashboard").await;
    assert_eq!(
        (cache.as_str(), team(&all, "interactions_this_week")),
        ("MISS", team(&everyone, "interactions_this_week") + 1)
    );
    assert_eq!(get_cached(&app, &app.client, "/api/reports").await.1, "MISS", "the reports too");
    assert_eq!(get_cached(&app, &rep2, "/api/dashboard").await.1, "HIT", "rep2 cannot see that account");

    // A new deal, then its move to won.
    let deal = OpportunityDraft { stage: Stage::Proposal, ..OpportunityDraft::new(org_id, "Figures deal") };
    let deal = app.store.create_opportunity(&Actor::system(), app.user("rep1"), None, deal).await.expect("deal");
    let (_, cache, open) = get_cached(&app, &rep1, "/api/dashboard").await;
    assert_eq!((cache.as_str(), team(&open, "open_opportunities")), ("MISS", team(&after, "open_opportunities") + 1));
    let won = app
        .store
        .move_opportunity(&Actor::system(), deal.id, deal.version, Stage::ClosedWon, Some(CloseReason::Relationship))
        .await;
    won.expect("won");
    let (_, cache, closed) = get_cached(&app, &rep1, "/api/dashboard").await;
    assert_eq!((cache.as_str(), team(&closed, "won_deals")), ("MISS", team(&open, "won_deals") + 1), "{closed}");
    let stats = cache_stats(&app, "figures").await;
    assert!(stats["hits"].as_u64() >= Some(4), "{stats}");
}

#[tokio::test]
async fn the_home_numbers_are_warm_at_start_and_writes_never_merge_into_a_cached_copy() {
    let app = TestApp::spawn().await;
    let stats = cache_stats(&app, "contact_counts").await;
    assert_eq!(stats["entries"], 1, "warmed up at start: {stats}");
    assert_eq!(stats["misses"], 1, "{stats}");

    // A change to an organization reads the stored record, not the shown one: two PATCHes in
    // a row each see the other's result.
    let org = app.create_organization(json!({"name": "Base Bistro", "priority": "B"})).await;
    let path = format!("/api/v1/organizations/{}", org["id"].as_str().unwrap());
    app.get(&path).await;
    let (_, first) = app.patch(&path, json!({"version": 1, "city": "Austin"})).await;
    let (status, second) = app.patch(&path, json!({"version": first["version"], "priority": "A"})).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!((second["city"].as_str(), second["priority"].as_str()), (Some("Austin"), Some("A")));
}

#[tokio::test]
async fn a_request_that_repeats_a_statement_is_flagged() {
    let app = TestApp::spawn().await;
    let org = app.create_organization(json!({"name": "Loop Lounge", "priority": "A"})).await;
    let org_id = org["id"].as_str().unwrap().to_owned();
    for i in 0..12 {
        let contact = json!({"organization_id": org_id, "first_name": format!("Contact {i}")});
        assert_eq!(app.post("/api/v1/contacts", contact).await.0, StatusCode::CREATED);
    }
    // Deleting an organization writes one audit row per contact it takes along.
    let response = app.client.delete(app.url(&format!("/api/v1/organizations/{org_id}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let timing = response.headers()["server-timing"].to_str().unwrap().to_owned();
    let queries: u32 = timing.split("desc=\"").nth(1).and_then(|d| d.split(' ').next()).unwrap().parse().unwrap();
    assert!(queries >= 13, "every statement of the request is counted: {timing}");
    let (_, performance) = app.get("/api/v1/performance").await;
    let flags = performance["database"]["repeated_statements"].as_array().unwrap();
    let flag = flags.iter().find(|f| f["route"] == "/api/v1/organizations/:id").expect("flagged");
    assert_eq!(flag["query"], "audit.insert", "{flag}");
    assert!(flag["times"].as_u64().unwrap() >= 13, "{flag}");
    assert!(flag["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{flag}");
}

#[tokio::test]
async fn the_app_serves_without_redis_and_health_says_degraded() {
    // Nothing listens on port 1.
    let app = TestApp::spawn_with(|config| server::config::Config {
        redis_url: Some("redis://127.0.0.1:1".into()),
        ..config
    })
    .await;
    app.create_organization(json!({"name": "Offline Oven", "priority": "A"})).await;
    let (status, _, body) = get_cached(&app, &app.client, "/api/v1/organizations").await;
    assert_eq!((status, body["total"].as_i64()), (StatusCode::OK, Some(1)));
    assert_eq!(get_cached(&app, &app.client, "/api/v1/organizations").await.1, "HIT", "memory still caches");
    let (status, health) = app.get("/health").await;
    assert_eq!(status, StatusCode::OK, "degraded still serves: {health}");
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["checks"]["redis"]["ok"], false, "{health}");
    assert!(health["reasons"][0].as_str().unwrap().contains("Redis"), "{health}");
    let (_, caches) = app.get("/api/v1/cache").await;
    assert_eq!(caches["shared"]["reachable"], false, "{caches}");
}

/// `TEST_REDIS_URL`, or `None` with a note that the test is skipped.
fn redis_url(test: &str) -> Option<String> {
    let url = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped {test}: TEST_REDIS_URL is not set (CI sets it)");
    }
    url
}

#[tokio::test]
async fn instances_share_the_cache_through_redis_and_forget_together() {
    let Some(url) = redis_url("instances_share_the_cache_through_redis_and_forget_together") else { return };
    let prefix = format!("kp-test-{}", uuid::Uuid::new_v4().simple());
    let with_redis =
        |config| server::config::Config { redis_url: Some(url.clone()), redis_key_prefix: prefix.clone(), ..config };
    let a = TestApp::spawn_with(with_redis).await;
    let b = a.spawn_beside(|config| config).await;
    let org = a.create_organization(json!({"name": "Shared Shack", "priority": "A"})).await;
    let list = "/api/v1/organizations?priority=A";

    assert_eq!(get_cached(&a, &a.client, list).await.1, "MISS");
    // The page A read reaches Redis in the background.
    let redis = redis::Client::open(url.as_str()).expect("TEST_REDIS_URL");
    let mut connection = redis.get_multiplexed_async_connection().await.expect("connect to TEST_REDIS_URL");
    let pattern = format!("{prefix}:cache:*organization_lists|all|*");
    for _ in 0..100 {
        let keys: Vec<String> = redis::cmd("KEYS").arg(&pattern).query_async(&mut connection).await.unwrap();
        if !keys.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(get_cached(&b, &b.client, list).await.1, "HIT", "B served A's page from Redis");
    assert!(cache_stats(&b, "organization_lists").await["shared_hits"].as_u64().unwrap() >= 1);
    assert_eq!(get_cached(&b, &b.client, list).await.1, "HIT", "and keeps it in memory");

    // A write on A: B forgets its copy (announced through Redis) and reads the new one.
    let path = format!("/api/v1/organizations/{}", org["id"].as_str().unwrap());
    let (status, _) = a.patch(&path, json!({"version": org["version"], "name": "Shack Renamed"})).await;
    assert_eq!(status, StatusCode::OK);
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = get_cached(&b, &b.client, list).await.2;
        if seen["items"][0]["name"] == "Shack Renamed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen["items"][0]["name"], "Shack Renamed", "B saw the change: {seen}");
    let (status, health) = b.get("/health").await;
    assert_eq!((status, &health["checks"]["redis"]["ok"]), (StatusCode::OK, &json!(true)), "{health}");
}
