//! The alert engine against a real server and database, with its own clock: a slow route
//! goes pending, fires after exactly its `for`, does not repeat before the repeat interval,
//! survives a restart without notifying again, stops reminding once acknowledged, and
//! resolves (notified) when the route has no slow requests any more; the API shows all of
//! it to managers and refuses reps.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use app::model::alerts::Notice;
use server::alerting::{AlertEngine, storage};
use server::monitoring::aggregator::MinuteRollup;
use server::monitoring::samples::{EventCounts, MinuteSample};
use server::monitoring::{rollups, samples};

/// The seed rule "Slow responses": p95 above 1000 ms over 5 minutes, per route, for 5
/// minutes, repeated every hour.
const SLOW_RESPONSES: &str = "a1e70000-0000-0000-0000-000000000001";

fn engine(app: &TestApp) -> &AlertEngine {
    &app.alerts
}

/// The notices of a round about the routes this test makes slow or fast, as (notice, rule,
/// routes). (The test's own sign-ins are requests too, and argon2 on a busy machine can make
/// them slow.)
fn notices(round: &[server::alerting::Notification]) -> Vec<(Notice, String, Vec<String>)> {
    let ours = |route: &str| route == "/organizations" || route == "/today";
    round
        .iter()
        .map(|n| {
            (n.notice, n.rule_name.clone(), n.alerts.iter().map(|a| a.labels.clone()).filter(|l| ours(l)).collect())
        })
        .filter(|(_, _, routes): &(Notice, String, Vec<String>)| !routes.is_empty())
        .collect()
}

fn slow_notice(notice: Notice) -> Vec<(Notice, String, Vec<String>)> {
    vec![(notice, "Slow responses".to_owned(), vec!["/organizations".to_owned()])]
}

fn alert<'a>(list: &'a Value, route: &str) -> Option<&'a Value> {
    list["alerts"].as_array()?.iter().find(|a| a["rule_id"] == SLOW_RESPONSES && a["labels"] == route)
}

#[tokio::test]
async fn a_slow_route_pends_fires_repeats_acknowledges_and_resolves() {
    lifecycle(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn alerts_keep_their_state_on_postgres() {
    TestApp::on_postgres(lifecycle).await;
}

async fn lifecycle(app: &TestApp) {
    let t0: DateTime<Utc> = Utc::now();
    let at = |minutes: i64| t0 + Duration::minutes(minutes);
    engine(app).seed(t0).await.expect("seed the rules");
    let now = Utc::now().timestamp();
    for _ in 0..20 {
        app.monitoring.record(now, "/organizations", 1_500.0, 200);
        app.monitoring.record(now, "/today", 12.0, 200);
    }

    assert_eq!(notices(&engine(app).evaluate(at(0)).await.expect("round")), []);
    let (status, active) = app.get("/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK, "{active}");
    let pending = alert(&active, "/organizations").unwrap_or_else(|| panic!("pending alert in {active}"));
    assert_eq!(pending["state"], "pending");
    // The windows keep a sketch of the latencies (within 1 %), not every value.
    let value = pending["value"].as_f64().unwrap_or_default();
    assert!((1_485.0..=1_515.0).contains(&value), "{pending}");
    assert_eq!(pending["shown"], format!("{value:.0} ms"));
    assert!(alert(&active, "/today").is_none(), "a fast route has no alert: {active}");

    // `for` is 5 minutes: not a second earlier.
    let early = at(5) - Duration::seconds(1);
    assert_eq!(notices(&engine(app).evaluate(early).await.expect("round")), []);
    assert_eq!(notices(&engine(app).evaluate(at(5)).await.expect("round")), slow_notice(Notice::Firing));

    // Repeats after the hour only, and a restarted engine (a new one on the same database)
    // knows it already told.
    assert_eq!(notices(&engine(app).evaluate(at(30)).await.expect("round")), []);
    assert_eq!(notices(&engine(app).evaluate(at(65)).await.expect("round")), slow_notice(Notice::Repeat));
    assert_eq!(notices(&engine(app).evaluate(at(66)).await.expect("round")), []);

    // The nav's badge counts it on every page for those who may see alerts, not for reps.
    let manager = app.signed_in("manager").await;
    let rep = app.signed_in("rep1").await;
    let (_, active) = app.get("/api/v1/alerts").await;
    let badge = match active["firing"].as_u64() {
        Some(1) => "1 alert firing".to_owned(),
        firing => format!("{} alerts firing", firing.unwrap_or_default()),
    };
    let (_, page) = app.page_as(&manager, "/today").await;
    assert!(page.contains(&format!(r#"title="{badge}""#)), "no “{badge}” in the manager's nav");
    let (_, page) = app.page_as(&rep, "/today").await;
    assert!(!page.contains("nav-badge"), "a rep sees no alert badge");
    // The badge counts again after a client-side navigation; reps may not ask.
    let (status, count) = app.call(&manager, Method::GET, "/api/alerts/firing", None).await;
    assert_eq!((status, count.as_u64()), (StatusCode::OK, active["firing"].as_u64()), "{count}");
    let (status, _) = app.call(&rep, Method::GET, "/api/alerts/firing", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Acknowledged by a manager: no more reminders. A rep may not, nor see alerts.
    let ack = json!({"rule_id": SLOW_RESPONSES, "labels": "/organizations"});
    let (status, _) = app.call(&rep, Method::POST, "/api/v1/alerts/acknowledge", Some(ack.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call(&rep, Method::GET, "/api/v1/alerts", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app.call(&manager, Method::POST, "/api/v1/alerts/acknowledge", Some(ack.clone())).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app.call(&manager, Method::POST, "/api/v1/alerts/acknowledge", Some(ack)).await;
    assert_eq!(status, StatusCode::CONFLICT, "acknowledged twice: {body}");
    let (status, body) =
        app.call(&manager, Method::POST, "/api/v1/alerts/acknowledge", Some(json!({"rule_id": "nope"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(notices(&engine(app).evaluate(at(130)).await.expect("round")), []);
    let (_, active) = app.get("/api/v1/alerts").await;
    let firing = alert(&active, "/organizations").unwrap_or_else(|| panic!("firing alert in {active}"));
    assert_eq!(firing["state"], "firing");
    assert_eq!(firing["acknowledged"]["by"], "manager@example.test");
    assert_eq!(active["firing"], 1);

    // Another instance on the same database takes the rounds over once the first one's lease
    // (three rounds: 90 s) has run out, as when it stops. It has had no slow requests: the
    // alert resolves, and the rule says resolving is notified.
    let other = app.spawn_beside(|config| config).await;
    assert_eq!(notices(&engine(&other).evaluate(at(131)).await.expect("round")), [], "not its turn yet");
    assert_eq!(notices(&engine(&other).evaluate(at(132)).await.expect("round")), slow_notice(Notice::Resolved));
    let (_, active) = app.get("/api/v1/alerts").await;
    assert!(alert(&active, "/organizations").is_none(), "resolved is not active: {active}");
    // This instance counts again after its own next round (or, as here, when told to).
    engine(app).recount().await;
    let (_, active) = app.get("/api/v1/alerts").await;
    let (_, page) = app.page_as(&manager, "/today").await;
    assert_eq!(page.contains("nav-badge"), active["firing"].as_u64() > Some(0), "the badge went with the alert");

    let (status, history) = app.get("/api/v1/alerts/history").await;
    assert_eq!(status, StatusCode::OK);
    let mut kinds: Vec<&str> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["rule_id"] == SLOW_RESPONSES && e["labels"] == "/organizations")
        .filter_map(|e| e["kind"].as_str())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["acknowledged", "firing", "pending", "resolved"], "{history}");

    let (_, deliveries) = app.get("/api/v1/alerts/deliveries?limit=50").await;
    let sent: Vec<(&str, &str)> = deliveries["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .filter(|d| {
            d["rule_id"] == SLOW_RESPONSES && d["labels"].as_str().is_some_and(|l| l.contains("/organizations"))
        })
        .filter_map(|d| Some((d["notice"].as_str()?, d["channel"].as_str()?)))
        .filter(|(_, channel)| ["in_app", "log"].contains(channel))
        .collect();
    let expected = [("resolved", "log"), ("resolved", "in_app"), ("repeat", "log"), ("repeat", "in_app")];
    assert_eq!(sent[..4], expected, "{deliveries}");
    let (status, body) = app.get("/api/v1/alerts/deliveries?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (_, rules) = app.get("/api/v1/alert-rules").await;
    let slow = rules["rules"].as_array().and_then(|r| r.iter().find(|r| r["rule"]["id"] == SLOW_RESPONSES));
    let slow = slow.unwrap_or_else(|| panic!("the seed rule in {rules}"));
    assert_eq!(slow["condition"], "p95 latency above 1000 ms over 5 min");
    let organizations = slow["alerts"].as_array().and_then(|a| a.iter().find(|a| a["labels"] == "/organizations"));
    assert_eq!(organizations.map(|a| a["state"].clone()), Some(json!("resolved")), "{slow}");
}

#[tokio::test]
async fn what_people_do_while_a_round_measures_is_not_written_over() {
    races(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn what_people_do_while_a_round_measures_is_not_written_over_on_postgres() {
    TestApp::on_postgres(races).await;
}

/// A round reads the states, measures, then writes. An acknowledgement between the two must
/// stay (before: the round wrote its older "unacknowledged" back and the reminders went on),
/// and a rule disabled between the two must not come back as a firing alert no round would
/// ever judge again.
async fn races(app: &TestApp) {
    let t0 = Utc::now();
    let at = |minutes: i64| t0 + Duration::minutes(minutes);
    engine(app).seed(t0).await.expect("seed the rules");
    for _ in 0..20 {
        app.monitoring.record(t0.timestamp(), "/organizations", 1_500.0, 200);
    }
    engine(app).evaluate(at(0)).await.expect("round");
    assert_eq!(notices(&engine(app).evaluate(at(5)).await.expect("round")), slow_notice(Notice::Firing));

    let measured = engine(app).measure(at(70)).await.expect("measure");
    let acknowledged =
        engine(app).acknowledge(SLOW_RESPONSES.parse().expect("id"), "/organizations", "ops@example.test", at(70));
    assert!(acknowledged.await.expect("acknowledge"));
    let round = engine(app).settle(measured, at(70)).await.expect("settle");
    assert_eq!(notices(&round), [], "acknowledged: no reminder after the hour");
    let (_, active) = app.get("/api/v1/alerts").await;
    let firing = alert(&active, "/organizations").unwrap_or_else(|| panic!("firing alert in {active}"));
    assert_eq!(firing["acknowledged"]["by"], "ops@example.test", "{firing}");

    let measured = engine(app).measure(at(71)).await.expect("measure");
    let (status, body) = app.patch(&format!("/api/v1/alert-rules/{SLOW_RESPONSES}"), json!({"enabled": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(notices(&engine(app).settle(measured, at(71)).await.expect("settle")), []);
    let (_, active) = app.get("/api/v1/alerts").await;
    assert!(alert(&active, "/organizations").is_none(), "a disabled rule's alert came back: {active}");
    assert_eq!(notices(&engine(app).evaluate(at(72)).await.expect("round")), [], "and stays away");
}

/// The seed rules "High error rate" (above 5 % over 5 minutes, for 2 minutes) and "High
/// memory use" (above 512 MiB).
const HIGH_ERROR_RATE: &str = "a1e70000-0000-0000-0000-000000000002";
const HIGH_MEMORY: &str = "a1e70000-0000-0000-0000-000000000003";
/// "Many failed sign-ins": more than 20 over 5 minutes, at once.
const MANY_FAILED_SIGN_INS: &str = "a1e70000-0000-0000-0000-000000000006";

#[tokio::test]
async fn one_instance_leads_the_rounds_and_judges_every_instances_figures() {
    leadership(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn one_instance_leads_the_rounds_and_judges_every_instances_figures_on_postgres() {
    TestApp::on_postgres(leadership).await;
}

async fn leadership(app: &TestApp) {
    let other = app.spawn_beside(|config| config).await;
    let t0 = Utc::now();
    let at = |seconds: i64| t0 + Duration::seconds(seconds);
    engine(app).seed(t0).await.expect("seed the rules");
    // A third instance saved its last minute: half its requests failed, and it uses 64 GiB.
    let minute = t0.timestamp().div_euclid(60) * 60 - 60;
    let saved = |route: &str| MinuteRollup {
        minute,
        route: route.to_owned(),
        requests: 200,
        server_errors: 100,
        client_errors: 0,
        mean_ms: 20.0,
        p50_ms: 15.0,
        p95_ms: 40.0,
        p99_ms: 60.0,
        max_ms: 90.0,
    };
    rollups::save(&app.store, "elsewhere", &[saved("*"), saved("/api/v1/organizations")]).await.expect("save");
    let sample = MinuteSample {
        minute,
        resident_memory_bytes: Some(64 << 30),
        cpu_percent: Some(12.0),
        cache_hits: 0,
        cache_misses: 0,
        events: EventCounts { failed_logins: 30, ..EventCounts::default() },
    };
    samples::save(&app.store, "elsewhere", &sample).await.expect("save");

    // The first to take the lease leads; the other's rounds judge nothing while it does.
    engine(app).evaluate(at(0)).await.expect("round");
    assert!(!engine(&other).lead(at(1)).await.expect("lease"), "two leaders");
    assert_eq!(engine(&other).evaluate(at(1)).await.expect("round"), []);
    let (_, active) = app.get("/api/v1/alerts").await;
    let of = |list: &Value, rule: &str| {
        list["alerts"].as_array().and_then(|a| a.iter().find(|a| a["rule_id"] == rule && a["labels"] == "")).cloned()
    };
    // The leader's own requests (the test's sign-ins) did not fail: the errors are another
    // instance's, diluted a little by those.
    let errors = of(&active, HIGH_ERROR_RATE).unwrap_or_else(|| panic!("an error-rate alert in {active}"));
    assert_eq!(errors["state"], "pending", "{errors}");
    let rate = errors["value"].as_f64().unwrap_or_default();
    assert!((45.0..=50.0).contains(&rate), "{errors}");
    let memory = of(&active, HIGH_MEMORY).unwrap_or_else(|| panic!("a memory alert in {active}"));
    assert_eq!(memory["value"].as_f64(), Some(65_536.0), "the largest instance's: {memory}");
    let sign_ins = of(&active, MANY_FAILED_SIGN_INS).unwrap_or_else(|| panic!("a sign-ins alert in {active}"));
    // At least the other instance's 30: this process's own tally is shared by the tests beside.
    assert_eq!(sign_ins["state"], "firing", "{sign_ins}");
    assert!(sign_ins["value"].as_f64() >= Some(30.0), "{sign_ins}");

    let fired = engine(app).evaluate(at(120)).await.expect("round");
    assert!(fired.iter().any(|n| n.rule_name == "High error rate" && n.notice == Notice::Firing), "{fired:?}");
    // A follower counts the leader's alerts for its own badge.
    engine(&other).evaluate(at(121)).await.expect("round");
    let (_, active) = app.get("/api/v1/alerts").await;
    assert!(active["firing"].as_u64() > Some(0), "{active}");
    assert_eq!(Some(engine(&other).firing_now() as u64), active["firing"].as_u64(), "the follower's badge");

    // The leader stalls past its lease (90 s) in the middle of a round; the other takes over,
    // and the stalled round, when it settles, writes nothing.
    let stalled = engine(app).measure(at(125)).await.expect("measure");
    assert!(engine(&other).lead(at(211)).await.expect("lease"), "the lease ran out");
    assert_eq!(engine(app).settle(stalled, at(212)).await.expect("settle"), [], "fenced off");
    assert_eq!(engine(app).evaluate(at(213)).await.expect("round"), [], "and leads no more");
    let states = storage::states(&app.store).await.expect("states");
    let last = states.values().map(|s| s.evaluated_at.timestamp()).max();
    assert_eq!(last, Some(at(120).timestamp()), "judged by the last round that led");

    // An instance that stops hands the rounds over at once.
    engine(&other).step_down().await;
    assert!(engine(app).lead(at(214)).await.expect("lease"), "the lease was given up");
}

#[tokio::test]
async fn a_silenced_alert_fires_quietly_and_is_told_when_the_silence_ends() {
    let app = TestApp::spawn().await;
    let t0 = Utc::now();
    let at = |minutes: i64| t0 + Duration::minutes(minutes);
    engine(&app).seed(t0).await.expect("seed the rules");
    let now = t0.timestamp();
    for _ in 0..20 {
        app.monitoring.record(now, "/organizations", 1_500.0, 200);
    }
    let manager = app.signed_in("manager").await;
    let silence = json!({"rule_id": SLOW_RESPONSES, "labels": "/organizations", "minutes": 30, "comment": "deploying"});
    let (status, silence) = app.call(&manager, Method::POST, "/api/v1/alerts/silences", Some(silence)).await;
    assert_eq!(status, StatusCode::CREATED, "{silence}");
    assert_eq!(silence["created_by"], "manager@example.test");
    let (status, refused) =
        app.call(&manager, Method::POST, "/api/v1/alerts/silences", Some(json!({"minutes": 0}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["fields"]["minutes"], "A silence lasts from 1 minute to 7 days.");

    assert_eq!(notices(&engine(&app).evaluate(at(0)).await.expect("round")), []);
    assert_eq!(notices(&engine(&app).evaluate(at(5)).await.expect("round")), [], "silenced");
    let (_, active) = app.get("/api/v1/alerts").await;
    let firing = alert(&active, "/organizations").unwrap_or_else(|| panic!("firing alert in {active}"));
    assert_eq!((firing["state"].as_str(), firing["notified_at"].as_str()), (Some("firing"), None));

    // Ended early: the alert that fired during the silence is told now.
    let id = silence["id"].as_str().expect("id");
    let (status, _) = app.call(&manager, Method::DELETE, &format!("/api/v1/alerts/silences/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.call(&manager, Method::DELETE, &format!("/api/v1/alerts/silences/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "already over");
    let (_, silences) = app.get("/api/v1/alerts/silences").await;
    assert_eq!(silences["silences"], json!([]));
    assert_eq!(notices(&engine(&app).evaluate(at(6)).await.expect("round")), slow_notice(Notice::Firing));

    // Resolved by hand; a second time there is nothing to resolve.
    let body = json!({"rule_id": SLOW_RESPONSES, "labels": "/organizations"});
    let (status, _) = app.call(&manager, Method::POST, "/api/v1/alerts/resolve", Some(body.clone())).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.call(&manager, Method::POST, "/api/v1/alerts/resolve", Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, stats) = app.get("/api/v1/alerts/stats?days=7").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert!(stats["stats"]["fired"].as_u64() >= Some(1), "{stats}");
    assert!(stats["stats"]["by_severity"]["warning"].as_u64() >= Some(1), "{stats}");
    assert_eq!(stats["stats"]["by_rule"][0]["rule_name"], "Slow responses", "{stats}");
    let (status, _) = app.get("/api/v1/alerts/stats?days=400").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn administrators_create_change_disable_and_delete_rules_and_bad_ones_are_refused() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in("manager").await;
    let rule = json!({"name": "Traffic stopped", "metric": "requests_per_minute", "comparison": "below",
                      "threshold": 1, "window_minutes": 5});
    let (status, _) = app.call(&manager, Method::POST, "/api/v1/alert-rules", Some(rule.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "managers read rules, administrators change them");

    let (status, refused) = app.post("/api/v1/alert-rules", json!({"metric": "memory_mib"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["fields"]["name"], "Give the rule a name.");
    assert_eq!(refused["fields"]["threshold"], "Give the rule a threshold.");
    let per_route_memory = json!({"name": "RAM", "metric": "memory_mib", "threshold": 900,
                                  "routes": {"scope": "each_route"}});
    let (status, refused) = app.post("/api/v1/alert-rules", per_route_memory).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["fields"]["routes"], "There is one memory figure for the whole server, not one per route.");
    let (status, refused) =
        app.post("/api/v1/alert-rules", json!({"name": "x", "metric": "disk", "threshold": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    let (status, created) = app.post("/api/v1/alert-rules", rule).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["condition"], "requests per minute below 1.0/min over 5 min");
    assert_eq!(created["rule"]["channels"], json!(["in_app", "log"]));
    let id = created["rule"]["id"].as_str().expect("id").to_owned();

    let (status, changed) = app.patch(&format!("/api/v1/alert-rules/{id}"), json!({"enabled": false})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["rule"]["enabled"].as_bool(), changed["rule"]["name"].as_str()),
        (Some(false), Some("Traffic stopped"))
    );
    let (status, refused) = app.patch(&format!("/api/v1/alert-rules/{id}"), json!({"threshold": -1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (_, rules) = app.get("/api/v1/alert-rules").await;
    let listed = rules["rules"].as_array().and_then(|all| all.iter().find(|r| r["rule"]["id"] == id.as_str()));
    assert_eq!(
        listed.map(|r| r["rule"]["threshold"].clone()),
        Some(json!(1.0)),
        "the refused change left it as it was"
    );

    let (status, _) = app.json(Method::DELETE, &format!("/api/v1/alert-rules/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.json(Method::DELETE, &format!("/api/v1/alert-rules/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn failed_sign_ins_are_counted_for_their_rule() {
    let app = TestApp::spawn().await;
    let rule = json!({"name": "Sign-in trouble", "metric": "failed_logins", "threshold": 2, "window_minutes": 5});
    let (status, created) = app.post("/api/v1/alert-rules", rule).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    for attempt in 0..3 {
        let refused = app.signed_in_with(&format!("nobody{attempt}@example.test"), "not the password").await;
        assert!(refused.is_none(), "a wrong sign-in is refused");
    }
    let round = engine(&app).evaluate(Utc::now()).await.expect("round");
    let fired = round.iter().find(|n| n.rule_name == "Sign-in trouble").unwrap_or_else(|| panic!("{round:?}"));
    assert_eq!(fired.notice, Notice::Firing);
    // Failed sign-ins are counted per process, and other tests here sign in wrongly too.
    assert!(fired.alerts[0].value >= Some(3.0), "{fired:?}");
}

/// The minutes of the same 5-minute window on each of the last 7 days, as instances saved
/// them: `p95_ms` for `route`.
async fn history_of(app: &TestApp, route: &str, p95_ms: f64, now: DateTime<Utc>) {
    use server::monitoring::aggregator::MinuteRollup;
    let mut minutes = Vec::new();
    for day in 1..=7 {
        let end = (now - Duration::days(day)).timestamp();
        for minute in 1..=4 {
            let start = (end - minute * 60).div_euclid(60) * 60;
            minutes.push(MinuteRollup {
                minute: start,
                route: route.to_owned(),
                requests: 50,
                server_errors: 0,
                client_errors: 0,
                mean_ms: p95_ms / 2.0,
                p50_ms: p95_ms / 2.0,
                p95_ms,
                p99_ms: p95_ms,
                max_ms: p95_ms,
            });
        }
    }
    server::monitoring::rollups::save(&app.store, "earlier", &minutes).await.expect("history");
}

#[tokio::test]
async fn a_regression_rule_fires_when_a_route_is_much_slower_than_on_other_days() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    history_of(&app, "/organizations", 200.0, now).await;
    history_of(&app, "/today", 1_400.0, now).await;
    for _ in 0..20 {
        app.monitoring.record(now.timestamp(), "/organizations", 1_500.0, 200);
        app.monitoring.record(now.timestamp(), "/today", 1_500.0, 200);
    }
    for route in ["/organizations", "/today"] {
        let rule = json!({"name": format!("Slower than usual: {route}"), "metric": "latency_p95_ms", "threshold": 100,
                          "window_minutes": 5, "regression_percent": 50, "routes": {"scope": "route", "route": route}});
        let (status, created) = app.post("/api/v1/alert-rules", rule).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
    }
    let round = engine(&app).evaluate(now).await.expect("round");
    let fired: Vec<&str> = round.iter().filter(|n| n.notice == Notice::Firing).map(|n| n.rule_name.as_str()).collect();
    assert!(fired.contains(&"Slower than usual: /organizations"), "7.5 times its usual: {fired:?}");
    assert!(!fired.contains(&"Slower than usual: /today"), "as slow as usual: {fired:?}");
    let (_, rules) = app.get("/api/v1/alert-rules").await;
    let today =
        rules["rules"].as_array().and_then(|all| all.iter().find(|r| r["rule"]["name"] == "Slower than usual: /today"));
    assert_eq!(today.map(|r| r["alerts"].clone()), Some(json!([])), "not breached, no alert: {rules}");
}

#[tokio::test]
async fn the_alerts_page_shows_a_firing_alert_to_managers_and_refuses_reps() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    engine(&app).seed(now).await.expect("seed the rules");
    for _ in 0..20 {
        app.monitoring.record(now.timestamp(), "/organizations", 1_500.0, 200);
    }
    engine(&app).evaluate(now).await.expect("round");
    engine(&app).evaluate(now + Duration::minutes(5)).await.expect("round");

    let manager = app.signed_in("manager").await;
    let (status, html) = app.page_as(&manager, "/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Needs attention"), "{html}");
    assert!(html.contains("Slow responses") && html.contains("Firing since"), "the firing alert is listed");
    assert!(!html.contains("Send test"), "managers do not test rules");
    let sent = html.find("data-table deliveries").map(|at| &html[at..]).expect("the notifications table");
    assert!(
        sent.contains("Slow responses") && sent.contains("/organizations"),
        "each notification names its rule and alert"
    );
    let (_, html) = app.page("/alerts").await;
    assert!(html.contains("Send test"), "administrators do");
    let rep = app.signed_in("rep1").await;
    let (status, html) = app.page_as(&rep, "/alerts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Alerts are for managers and administrators."));
}
