//! Trace export: with `OTEL_EXPORTER_OTLP_ENDPOINT` set, request, server-function and
//! database spans reach an OTLP/HTTP collector — here a local receiver that decodes what it
//! gets with the OpenTelemetry protobuf definitions. Its own test binary: the tracing
//! subscriber is global to the process.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::TestApp;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

#[derive(Debug, Clone)]
struct ReceivedSpan {
    name: String,
    span_id: Vec<u8>,
    parent_span_id: Vec<u8>,
    trace_id: Vec<u8>,
    attributes: Vec<(String, String)>,
    service: Option<String>,
}

type Received = Arc<Mutex<Vec<ReceivedSpan>>>;

async fn receive(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> StatusCode {
    assert_eq!(headers["content-type"], "application/x-protobuf");
    let Ok(request) = ExportTraceServiceRequest::decode(body) else { return StatusCode::BAD_REQUEST };
    let mut spans = received.lock().unwrap();
    for resource_spans in request.resource_spans {
        let service = resource_spans.resource.as_ref().and_then(|resource| {
            resource.attributes.iter().find(|a| a.key == "service.name").map(|a| format!("{:?}", a.value))
        });
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                spans.push(ReceivedSpan {
                    name: span.name,
                    span_id: span.span_id,
                    parent_span_id: span.parent_span_id,
                    trace_id: span.trace_id,
                    attributes: span.attributes.into_iter().map(|a| (a.key, format!("{:?}", a.value))).collect(),
                    service: service.clone(),
                });
            }
        }
    }
    StatusCode::OK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_server_function_and_database_spans_reach_the_collector() {
    let received = Received::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector = format!("http://{}", listener.local_addr().unwrap());
    let receiver = axum::Router::new().route("/v1/traces", post(receive)).with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let with_export = |config| server::config::Config {
        otlp_endpoint: Some(collector.clone()),
        otel_service_name: "kp-trace-test".into(),
        log_level: "warn".into(),
        ..config
    };
    let app = TestApp::spawn_with(with_export).await;
    let telemetry = server::telemetry::init(&app.config).expect("the exporter is set up");
    app.create_organization(serde_json::json!({"name": "Traced Trattoria", "priority": "A"})).await;
    let (status, _) = app.get("/api/v1/organizations?priority=A").await;
    assert_eq!(status, StatusCode::OK);
    let response = app.client.get(app.url("/api/home/summary")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "a server function over HTTP");
    tokio::task::spawn_blocking(move || telemetry.flush()).await.unwrap();

    let mut spans = Vec::new();
    for _ in 0..50 {
        spans = received.lock().unwrap().clone();
        if spans.iter().any(|s| s.name == "server_fn") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let named = |name: &str| spans.iter().filter(|s| s.name == name).collect::<Vec<_>>();
    let attribute = |span: &ReceivedSpan, key: &str| {
        span.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let list = named("request")
        .into_iter()
        .find(|s| attribute(s, "path").contains("/api/v1/organizations"))
        .unwrap_or_else(|| panic!("the list request's span: {spans:#?}"));
    assert!(attribute(list, "request_id").len() > 8, "{list:?}");
    assert!(list.service.as_deref().is_some_and(|s| s.contains("kp-trace-test")), "{list:?}");
    let statements: Vec<_> = named("db.query").into_iter().filter(|s| s.parent_span_id == list.span_id).collect();
    assert!(!statements.is_empty(), "the list's statements are children of its span: {spans:#?}");
    assert!(statements.iter().all(|s| s.trace_id == list.trace_id));
    assert!(statements.iter().any(|s| attribute(s, "name").contains("organizations.")), "{statements:?}");
    let function = named("server_fn");
    assert!(function.iter().any(|s| attribute(s, "name").contains("/api/home/summary")), "{function:?}");
}
