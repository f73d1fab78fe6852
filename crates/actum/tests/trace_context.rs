#![allow(clippy::unwrap_used)] // in tests a failed unwrap is a failed test
//! The `action` span continues the caller's trace: the W3C `traceparent` header sent with the
//! call is recorded on the span as `trace_id` and `parent_span_id`; a malformed one is ignored
//! and the call answers as usual. Real HTTP on 127.0.0.1, with a subscriber that captures span
//! fields.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use actum::{ActionsLayer, RouterExt};
use actum_testkit::Req;
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

#[derive(serde::Deserialize)]
struct Ping {
    n: u32,
}

#[actum::action]
async fn traced_ping(input: Ping) -> u32 {
    input.n
}

/// The fields of every `action` span, by span, as they were recorded.
type Captured = Arc<Mutex<Vec<BTreeMap<String, String>>>>;

/// A layer that keeps the fields of `action` spans (the index of each span's map in its
/// extensions).
struct Capture(Captured);

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

struct Slot(usize);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "action" {
            return;
        }
        let mut fields = Fields(BTreeMap::new());
        attrs.record(&mut fields);
        let mut all = self.0.lock().unwrap();
        all.push(fields.0);
        ctx.span(id)
            .unwrap()
            .extensions_mut()
            .insert(Slot(all.len() - 1));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let Some(Slot(index)) = span.extensions().get::<Slot>().map(|s| Slot(s.0)) else {
            return;
        };
        let mut fields = Fields(BTreeMap::new());
        values.record(&mut fields);
        self.0.lock().unwrap()[index].extend(fields.0);
    }
}

/// The process-wide capture (the server's spans run on tokio's worker threads).
fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::registry().with(Capture(Arc::clone(&captured)));
        tracing::subscriber::set_global_default(subscriber).unwrap();
        captured
    })
}

async fn serve() -> SocketAddr {
    let router = axum::Router::new()
        .action(traced_ping)
        .layer(ActionsLayer::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { actum::serve(listener, router).await.unwrap() });
    addr
}

/// Calls the action with `traceparent` headers and returns the fields of its `action` span,
/// found by the call's distinct input.
async fn call_with(addr: SocketAddr, n: u32, traceparents: &[&str]) -> BTreeMap<String, String> {
    let mut request = Req::post(format!("/_actum/{}", actum::Action::id(&traced_ping)))
        .script()
        .json(json!({ "n": n }));
    for value in traceparents {
        request = request.header("traceparent", value);
    }
    let response = request.send(addr).await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["result"], json!(n));
    let spans = captured().lock().unwrap().clone();
    let mut ours: Vec<_> = spans
        .into_iter()
        .filter(|fields| fields.get("name").map(String::as_str) == Some("traced_ping"))
        .collect();
    assert!(!ours.is_empty(), "no action span was captured");
    ours.remove(ours.len() - 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_action_span_continues_the_trace_of_the_caller() {
    captured();
    let addr = serve().await;
    let fields = call_with(
        addr,
        1,
        &["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"],
    )
    .await;
    assert_eq!(fields["trace_id"], "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(fields["parent_span_id"], "b7ad6b7169203331");
    assert_eq!(fields["outcome"], "ok");

    // Malformed, or sent twice: ignored, and the call answers as usual.
    for headers in [
        &["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331"][..],
        &["00-00000000000000000000000000000000-b7ad6b7169203331-01"],
        &["00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"],
        &["ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"],
        &[
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        ],
        &[],
    ] {
        let fields = call_with(addr, 2, headers).await;
        assert!(!fields.contains_key("trace_id"), "{headers:?}: {fields:?}");
        assert!(!fields.contains_key("parent_span_id"), "{headers:?}");
        assert_eq!(fields["outcome"], "ok");
    }
}
