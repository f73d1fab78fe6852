#![allow(clippy::unwrap_used)] // in tests a failed unwrap is a failed test
//! With the `otel` feature, the exported `action` span belongs to the caller's trace: its trace ID
//! is the one of the `traceparent` header and its parent is the caller's span. Real HTTP on
//! 127.0.0.1, exported through the OpenTelemetry SDK to an in-memory exporter.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actum::otel::opentelemetry::trace::{SpanId, TraceId, TracerProvider as _};
use actum::otel::tracing_opentelemetry;
use actum::{ActionsLayer, RouterExt};
use actum_testkit::Req;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt as _;

/// Keeps every exported span in memory.
#[derive(Debug, Clone, Default)]
struct Memory(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Memory {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

#[actum::action]
async fn exported_ping(_: ()) -> &'static str {
    "pong"
}

async fn serve() -> SocketAddr {
    let router = axum::Router::new()
        .action(exported_ping)
        .layer(ActionsLayer::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { actum::serve(listener, router).await.unwrap() });
    addr
}

/// The exported `action` spans so far, waiting a little for the exporter.
async fn exported(memory: &Memory, count: usize) -> Vec<SpanData> {
    for _ in 0..100 {
        let spans: Vec<SpanData> = memory
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.name == "action")
            .cloned()
            .collect();
        if spans.len() >= count {
            return spans;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {count} action spans were exported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exported_span_continues_the_callers_trace() {
    let memory = Memory::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(memory.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("actum-test")));
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let addr = serve().await;
    let url = format!("/_actum/{}", actum::Action::id(&exported_ping));
    let response = Req::post(&url)
        .script()
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(response.status, 200, "{}", response.text());

    let spans = exported(&memory, 1).await;
    let span = &spans[0];
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
    );
    assert_eq!(
        span.parent_span_id,
        SpanId::from_hex("00f067aa0ba902b7").unwrap()
    );
    assert!(span.parent_span_is_remote);
    assert_ne!(
        span.span_context.span_id(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        "the action's span is a span of its own"
    );

    // Without the header (or with a malformed one), the span starts a trace of its own.
    let response = Req::post(&url)
        .script()
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        )
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(response.status, 200);
    let spans = exported(&memory, 2).await;
    let span = &spans[1];
    assert_ne!(
        span.span_context.trace_id(),
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    provider.shutdown().unwrap();
}
