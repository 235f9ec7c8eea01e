//! Alert notifications reaching real local receivers started here: an HTTP server that
//! records webhook and Slack posts, and an SMTP server on loopback that records messages. A
//! firing alert is delivered to each (the webhook signed, Slack coloured, the email with text
//! and HTML parts), a receiver that fails is retried, and "send test notification" reports
//! each channel.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use chrono::{Duration, Utc};
use common::TestApp;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use app::model::alerts::Notice;
use server::config::Config;

/// The seed rule "High error rate": above 5 % over 5 minutes for 2 minutes, critical, to
/// every channel.
const HIGH_ERROR_RATE: &str = "a1e70000-0000-0000-0000-000000000002";
const SECRET: &str = "webhook secret";

/// One post the HTTP receiver got.
#[derive(Debug, Clone)]
struct Post {
    path: String,
    signature: Option<String>,
    body: Vec<u8>,
}

#[derive(Clone, Default)]
struct HttpReceiver {
    posts: Arc<Mutex<Vec<Post>>>,
    /// Answers this many webhook posts with 500 before taking them.
    fail_first: Arc<AtomicUsize>,
}

impl HttpReceiver {
    async fn start(fail_first: usize) -> (String, HttpReceiver) {
        let receiver = HttpReceiver::default();
        receiver.fail_first.store(fail_first, Ordering::SeqCst);
        let app = axum::Router::new().route("/{*path}", axum::routing::post(record)).with_state(receiver.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the HTTP receiver");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (base, receiver)
    }

    fn posts(&self, path: &str) -> Vec<Post> {
        self.posts.lock().expect("posts").iter().filter(|p| p.path == path).cloned().collect()
    }
}

async fn record(
    State(receiver): State<HttpReceiver>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AxumStatus {
    let signature = headers.get("x-kitchen-pantry-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
    receiver.posts.lock().expect("posts").push(Post { path: path.clone(), signature, body: body.to_vec() });
    let failing = path == "hook"
        && receiver.fail_first.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if failing { AxumStatus::INTERNAL_SERVER_ERROR } else { AxumStatus::OK }
}

/// A mail server that takes every message and keeps it (envelope recipients and data).
async fn smtp_receiver() -> (u16, Arc<Mutex<Vec<(Vec<String>, String)>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP receiver");
    let port = listener.local_addr().expect("address").port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let kept = messages.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 localhost test SMTP\r\n").await;
                let mut recipients = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.trim_end_matches('\r').to_ascii_uppercase();
                    let answer: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                        b"250 localhost\r\n"
                    } else if command.starts_with("RCPT TO:") {
                        recipients.push(line["RCPT TO:".len()..].trim().to_owned());
                        b"250 OK\r\n"
                    } else if command == "DATA" {
                        let _ = write.write_all(b"354 End with a dot\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            let line = line.trim_end_matches('\r');
                            if line == "." {
                                break;
                            }
                            data.push_str(line);
                            data.push('\n');
                        }
                        kept.lock().expect("messages").push((std::mem::take(&mut recipients), data));
                        b"250 Queued\r\n"
                    } else if command == "QUIT" {
                        let _ = write.write_all(b"221 Bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(answer).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, messages)
}

/// Waits up to `seconds` for `done`.
async fn eventually(seconds: u64, what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..seconds * 10 {
        if done() {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("{what} did not happen within {seconds} s");
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).expect("a JSON body")
}

async fn app_with_receivers(base: &str, smtp_port: u16) -> TestApp {
    let (hook, slack) = (format!("{base}/hook"), format!("{base}/slack"));
    TestApp::spawn_with(|config| Config {
        alert_evaluate_secs: 0,
        alert_webhook_url: Some(hook),
        alert_webhook_secret: Some(SECRET.into()),
        alert_slack_webhook_url: Some(slack),
        smtp_url: Some(format!("smtp://127.0.0.1:{smtp_port}")),
        alert_email_from: "Kitchen Pantry CRM <alerts@example.test>".into(),
        alert_email_to: Some("ops@example.test, oncall@example.test".into()),
        ..config
    })
    .await
}

#[tokio::test]
async fn a_firing_alert_reaches_the_webhook_slack_and_email_and_a_failing_receiver_is_retried() {
    let (base, http) = HttpReceiver::start(1).await;
    let (smtp_port, mail) = smtp_receiver().await;
    let app = app_with_receivers(&base, smtp_port).await;
    let t0 = Utc::now() - Duration::hours(1);
    app.alerts.seed(t0).await.expect("seed the rules");
    let now = Utc::now().timestamp();
    for status in [500, 200, 500, 200, 200, 503, 200, 200, 200, 200] {
        app.monitoring.record(now, "/api/v1/organizations", 20.0, status);
    }

    app.alerts.evaluate(t0).await.expect("round");
    let fired = app.alerts.evaluate(t0 + Duration::minutes(2)).await.expect("round");
    let fired: Vec<(Notice, &str)> = fired.iter().map(|n| (n.notice, n.rule_name.as_str())).collect();
    assert!(fired.contains(&(Notice::Firing, "High error rate")), "{fired:?}");

    // The webhook answered 500 first; it is tried again 5 s later.
    eventually(20, "the webhook's second attempt", || http.posts("hook").len() >= 2).await;
    let hook = http.posts("hook").pop().expect("a webhook post");
    let body = json(&hook.body);
    let notification = &body["notification"];
    assert_eq!(
        (notification["rule_name"].as_str(), notification["severity"].as_str()),
        (Some("High error rate"), Some("critical"))
    );
    assert_eq!(notification["notice"], "firing");
    assert_eq!(notification["alerts"][0]["labels"], "");
    // 3 of our 10 requests failed; the test's own sign-in is a request too.
    let rate = notification["alerts"][0]["value"].as_f64().unwrap_or_default();
    assert!((25.0..=30.0).contains(&rate), "{notification}");
    assert_eq!(notification["alerts"][0]["shown"], format!("{rate:.1}%"));
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(&hook.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(hook.signature.as_deref(), Some(expected.as_str()), "signed with the secret");

    let slack = http.posts("slack");
    assert_eq!(slack.len(), 1, "one Slack message for the rule");
    let slack = json(&slack[0].body);
    assert_eq!(slack["text"], "[CRITICAL] High error rate firing");
    assert_eq!(slack["attachments"][0]["color"], "#d00000");
    assert_eq!(slack["attachments"][0]["text"], format!("• all requests: {rate:.1}%"));

    eventually(10, "the email", || !mail.lock().expect("mail").is_empty()).await;
    let (recipients, message) = mail.lock().expect("mail")[0].clone();
    assert_eq!(recipients, ["<ops@example.test>", "<oncall@example.test>"]);
    assert!(message.contains("Subject: [CRITICAL] High error rate firing"), "{message}");
    assert!(message.contains("multipart/alternative"), "{message}");
    assert!(message.contains("text/plain") && message.contains("text/html"), "{message}");

    // The receivers have the messages; the deliverer records each outcome just after.
    let mut deliveries = Value::Null;
    for _ in 0..50 {
        deliveries = app.get("/api/v1/alerts/deliveries").await.1;
        let pending =
            deliveries["deliveries"].as_array().is_some_and(|all| all.iter().any(|d| d["status"] == "pending"));
        if !pending {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    let of_rule: Vec<&Value> = deliveries["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .filter(|d| d["rule_id"] == HIGH_ERROR_RATE)
        .collect();
    let status = |channel: &str| {
        of_rule.iter().find(|d| d["channel"] == channel).map(|d| (d["status"].clone(), d["attempts"].clone()))
    };
    assert_eq!(status("webhook"), Some((Value::from("sent"), Value::from(2))), "{deliveries}");
    assert_eq!(status("slack"), Some((Value::from("sent"), Value::from(1))));
    assert_eq!(status("email"), Some((Value::from("sent"), Value::from(1))));
    assert_eq!(status("in_app"), Some((Value::from("sent"), Value::from(1))));
}

#[tokio::test]
async fn a_test_notification_goes_through_each_channel_and_says_how_it_went() {
    let (base, http) = HttpReceiver::start(0).await;
    let (smtp_port, mail) = smtp_receiver().await;
    let app = app_with_receivers(&base, smtp_port).await;
    app.alerts.seed(Utc::now()).await.expect("seed the rules");
    let path = format!("/api/v1/alert-rules/{HIGH_ERROR_RATE}/test");

    let manager = app.signed_in("manager").await;
    let (status, _) = app.call(&manager, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "administrators test rules");

    let (status, answer) = app.json(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results: Vec<(&str, bool)> = answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| Some((r["channel"].as_str()?, r["ok"].as_bool()?)))
        .collect();
    assert_eq!(
        results,
        [("in_app", true), ("log", true), ("webhook", true), ("slack", true), ("email", true)],
        "{answer}"
    );
    let hook = http.posts("hook");
    assert_eq!(hook.len(), 1);
    assert_eq!(json(&hook[0].body)["notification"]["test"], true);
    assert_eq!(json(&http.posts("slack")[0].body)["text"], "Test: [CRITICAL] High error rate firing");
    assert!(mail.lock().expect("mail")[0].1.contains("Subject: Test: [CRITICAL] High error rate firing"));

    let (status, _) = app.json(Method::POST, "/api/v1/alert-rules/not-a-rule/test", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn signed(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn channel<'a>(channels: &'a Value, code: &str) -> &'a Value {
    let all = channels["channels"].as_array().expect("channels");
    all.iter().find(|c| c["channel"] == code).unwrap_or_else(|| panic!("{code} in {channels}"))
}

#[tokio::test]
async fn channels_set_up_on_the_alerts_page_deliver_and_never_show_their_secrets() {
    let (base, http) = HttpReceiver::start(0).await;
    let (smtp_port, mail) = smtp_receiver().await;
    let app = TestApp::spawn_with(|config| Config { alert_evaluate_secs: 0, ..config }).await;
    app.alerts.seed(Utc::now()).await.expect("seed the rules");
    let (status, channels) = app.get("/api/v1/alert-channels").await;
    assert_eq!(status, StatusCode::OK, "{channels}");
    assert_eq!(channel(&channels, "webhook")["source"]["kind"], "off");

    let webhook = serde_json::json!({"address": format!("{base}/hook?token=abc"), "secret": SECRET});
    let manager = app.signed_in("manager").await;
    let (status, _) = app.call(&manager, Method::PUT, "/api/v1/alert-channels/webhook", Some(webhook.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "administrators set channels up");
    let (status, refused) =
        app.json(Method::PUT, "/api/v1/alert-channels/webhook", Some(serde_json::json!({"address": "hook"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["fields"]["address"], "Give an http:// or https:// address.");
    let (status, refused) = app.json(Method::PUT, "/api/v1/alert-channels/log", Some(webhook.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    let (status, channels) = app.json(Method::PUT, "/api/v1/alert-channels/webhook", Some(webhook)).await;
    assert_eq!(status, StatusCode::OK, "{channels}");
    let host = base.trim_start_matches("http://");
    assert_eq!(channel(&channels, "webhook")["target"], format!("posts to {host}, signed"));
    assert_eq!(channel(&channels, "webhook")["source"]["by"], "admin@example.test");
    let slack = serde_json::json!({"address": format!("{base}/slack")});
    let (status, _) = app.json(Method::PUT, "/api/v1/alert-channels/slack", Some(slack)).await;
    assert_eq!(status, StatusCode::OK);
    let email = serde_json::json!({"address": format!("smtp://127.0.0.1:{smtp_port}"), "to": "ops@example.test"});
    let (status, channels) = app.json(Method::PUT, "/api/v1/alert-channels/email", Some(email)).await;
    assert_eq!(status, StatusCode::OK, "{channels}");
    let (_, page) = app.page("/alerts").await;
    for shown in [channels.to_string(), page.clone()] {
        assert!(!shown.contains(SECRET) && !shown.contains("token=abc"), "a secret was shown back: {shown}");
    }
    assert!(page.contains(&format!("posts to {host}, signed")), "the page shows the webhook's host");

    let path = format!("/api/v1/alert-rules/{HIGH_ERROR_RATE}/test");
    let (status, answer) = app.json(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let ok: Vec<bool> = answer["results"].as_array().expect("results").iter().map(|r| r["ok"] == true).collect();
    assert_eq!(ok, [true; 5], "{answer}");
    let hook = http.posts("hook");
    assert_eq!(hook[0].signature.as_deref(), Some(signed(&hook[0].body).as_str()), "signed with the page's secret");
    assert_eq!(http.posts("slack").len(), 1);
    assert_eq!(mail.lock().expect("mail")[0].0, ["<ops@example.test>"]);

    // Another instance on the same database uses them from its start.
    let other = app.spawn_beside(|config| config).await;
    let (_, channels) = other.get("/api/v1/alert-channels").await;
    assert_eq!(channel(&channels, "slack")["target"], format!("posts to {host}"));

    let (status, _) = app.json(Method::DELETE, "/api/v1/alert-channels/webhook", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, answer) = app.json(Method::POST, &path, None).await;
    let webhook = answer["results"].as_array().and_then(|r| r.iter().find(|r| r["channel"] == "webhook")).cloned();
    assert_eq!(webhook.map(|w| w["ok"].clone()), Some(Value::Bool(false)), "{answer}");
    assert_eq!(http.posts("hook").len(), 1, "nothing posted once turned off");
}

#[tokio::test]
async fn a_channel_the_environment_sets_is_not_changed_from_the_page() {
    let (base, _http) = HttpReceiver::start(0).await;
    let (smtp_port, _mail) = smtp_receiver().await;
    let app = app_with_receivers(&base, smtp_port).await;
    let (_, channels) = app.get("/api/v1/alert-channels").await;
    assert_eq!(channel(&channels, "slack")["source"]["kind"], "environment", "{channels}");
    let slack = serde_json::json!({"address": "https://hooks.slack.com/services/other"});
    let (status, refused) = app.json(Method::PUT, "/api/v1/alert-channels/slack", Some(slack)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"], "The server's environment sets Slack (ALERT_SLACK_WEBHOOK_URL) up; change it there.");
}

#[tokio::test]
async fn a_channel_that_is_not_set_up_is_skipped_and_says_why() {
    let app = TestApp::spawn_with(|config| Config { alert_evaluate_secs: 0, ..config }).await;
    let t0 = Utc::now() - Duration::hours(1);
    app.alerts.seed(t0).await.expect("seed the rules");
    let now = Utc::now().timestamp();
    for _ in 0..4 {
        app.monitoring.record(now, "/api/v1/organizations", 20.0, 500);
    }
    app.alerts.evaluate(t0).await.expect("round");
    app.alerts.evaluate(t0 + Duration::minutes(2)).await.expect("round");
    let (_, deliveries) = app.get("/api/v1/alerts/deliveries").await;
    let webhook = deliveries["deliveries"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["rule_id"] == HIGH_ERROR_RATE && d["channel"] == "webhook"))
        .unwrap_or_else(|| panic!("a webhook delivery in {deliveries}"));
    assert_eq!(
        (webhook["status"].as_str(), webhook["detail"].as_str()),
        (
            Some("skipped"),
            Some("not set up: set ALERT_WEBHOOK_URL, or the webhook under Notification channels on the alerts page")
        )
    );
}

/// Real load with real failures: the organizations table goes away under a running server
/// (its lists answer 500), the error-rate rule fires and the webhook hears of it; the table
/// comes back, good requests follow, and the alert resolves. Prints how long each took.
#[tokio::test]
async fn real_errors_fire_the_error_rate_rule_and_good_traffic_resolves_it() {
    let (base, http) = HttpReceiver::start(0).await;
    let app = TestApp::spawn_with(|config| Config {
        alert_evaluate_secs: 1,
        cache_ttl_secs: 0,
        alert_webhook_url: Some(format!("{base}/hook")),
        ..config
    })
    .await;
    let rule = serde_json::json!({"name": "Errors right now", "metric": "error_rate_percent", "threshold": 5,
                                  "window_minutes": 1, "severity": "critical", "channels": ["in_app", "webhook"]});
    let (status, created) = app.post("/api/v1/alert-rules", rule).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let ours = |notice: &str| {
        http.posts("hook").iter().any(|p| {
            let n = &json(&p.body)["notification"];
            n["rule_name"] == "Errors right now" && n["notice"] == notice
        })
    };
    let burst = |expected: StatusCode, count: usize| {
        let app = &app;
        async move {
            for _ in 0..count {
                let (status, body) = app.get("/api/v1/organizations").await;
                assert_eq!(status, expected, "{body}");
            }
        }
    };
    burst(StatusCode::OK, 20).await;

    app.store
        .db()
        .execute(app::store::Sql::new("test.break", "ALTER TABLE organizations RENAME TO organizations_away"))
        .await
        .expect("break");
    burst(StatusCode::INTERNAL_SERVER_ERROR, 10).await;
    let crossed = std::time::Instant::now();
    eventually(15, "the firing webhook", || ours("firing")).await;
    let to_fire = crossed.elapsed();
    // The seed rule on database errors saw the missing table too.
    let database_errors =
        || http.posts("hook").iter().any(|p| json(&p.body)["notification"]["rule_name"] == "Database errors");
    eventually(5, "the database errors webhook", database_errors).await;

    app.store
        .db()
        .execute(app::store::Sql::new("test.mend", "ALTER TABLE organizations_away RENAME TO organizations"))
        .await
        .expect("mend");
    burst(StatusCode::OK, 300).await;
    let mended = std::time::Instant::now();
    eventually(15, "the resolved webhook", || ours("resolved")).await;
    eprintln!(
        "error-rate alert: threshold crossed → webhook received in {} ms; good traffic → resolved received in {} ms",
        to_fire.as_millis(),
        mended.elapsed().as_millis()
    );
}

#[tokio::test]
async fn the_daily_digest_goes_out_once_a_day_with_yesterdays_figures() {
    use app::model::vitals::{DeviceClass, Metric, VitalSample, VitalsBeacon};
    use server::monitoring::aggregator::MinuteRollup;

    let (base, http) = HttpReceiver::start(0).await;
    let app = TestApp::spawn_with(|config| Config {
        alert_evaluate_secs: 0,
        alert_digest_hour: Some(7),
        alert_webhook_url: Some(format!("{base}/hook")),
        ..config
    })
    .await;
    let today = Utc::now().date_naive();
    let noon_yesterday = (today - Duration::days(1)).and_hms_opt(12, 0, 0).expect("noon").and_utc();
    let minute = |route: &str, requests: u64, server_errors: u64, p95_ms: f64| MinuteRollup {
        minute: noon_yesterday.timestamp(),
        route: route.to_owned(),
        requests,
        server_errors,
        client_errors: 0,
        mean_ms: p95_ms / 2.0,
        p50_ms: p95_ms / 2.0,
        p95_ms,
        p99_ms: p95_ms,
        max_ms: p95_ms,
    };
    let minutes = [minute("*", 1_200, 6, 90.0), minute("/reports", 200, 0, 410.0), minute("/today", 1_000, 6, 30.0)];
    server::monitoring::rollups::save(&app.store, "earlier", &minutes).await.expect("minutes");
    let samples = (0..4)
        .map(|i| VitalSample {
            metric: Metric::Lcp,
            value: 1_000.0 + f64::from(i) * 500.0,
            route: "/today".into(),
            device: DeviceClass::Mobile,
            connection: None,
            navigation: None,
        })
        .collect();
    let beacon = VitalsBeacon { app_version: "test".into(), samples, errors: Vec::new(), pending_ops: None };
    server::monitoring::vitals::save(&app.store, &beacon, noon_yesterday).await.expect("vitals");

    let early = today.and_hms_opt(6, 59, 0).expect("time").and_utc();
    assert!(app.alerts.digest_if_due(early).await.expect("digest").is_none(), "not before its hour");
    let on_time = today.and_hms_opt(7, 0, 30).expect("time").and_utc();
    let digest = app.alerts.digest_if_due(on_time).await.expect("digest").expect("sent at its hour");
    for line in [
        "- requests: 1,200",
        "- server errors: 6 (0.50%)",
        "- p95 response time: 90 ms",
        "- slow route /reports: p95 410 ms",
        "- LCP p75: 2000 ms, good (4 samples)",
    ] {
        assert!(digest.text.contains(line), "{line} in {}", digest.text);
    }
    assert!(app.alerts.digest_if_due(on_time + Duration::hours(3)).await.expect("digest").is_none(), "once a day");
    eventually(10, "the digest's webhook post", || !http.posts("hook").is_empty()).await;
    let posted = json(&http.posts("hook")[0].body);
    assert_eq!(posted["notification"]["notice"], "digest");
    assert!(posted["notification"]["rule_name"].as_str().is_some_and(|n| n.starts_with("Daily digest for ")));
}
