//! OpenTelemetry export of action spans (feature `otel`).
//!
//! actum's `action` span already records the caller's `trace_id` and `parent_span_id` (from the
//! W3C `traceparent` header, which `client.js` sends on every call). With this feature the span's
//! OpenTelemetry parent is also set to the caller's span, so the `tracing-opentelemetry` layer
//! exports it inside the trace that started with the click.
//!
//! Wire it as any `tracing` subscriber, with the OpenTelemetry SDK and exporter of your choice
//! (OTLP, stdout…). The two crates are re-exported here, so the layer you install is the very
//! version actum talks to:
//!
//! ```
//! use actum::otel::{opentelemetry::trace::TracerProvider as _, tracing_opentelemetry};
//! use tracing_subscriber::layer::SubscriberExt as _;
//!
//! // In an app: `SdkTracerProvider::builder().with_batch_exporter(otlp_exporter).build()`.
//! let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
//! let subscriber = tracing_subscriber::registry()
//!     .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("my-app")));
//! tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
//! ```
//!
//! An action span whose request had no valid `traceparent` starts a trace of its own.

pub use opentelemetry;
pub use tracing_opentelemetry;

use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::trace_context::TraceParent;

/// Makes the caller's span the OpenTelemetry parent of `span` (before it is first entered).
pub(crate) fn set_parent(span: &tracing::Span, parent: &TraceParent) {
    let remote = SpanContext::new(
        TraceId::from_bytes(parent.trace_id),
        SpanId::from_bytes(parent.parent_id),
        TraceFlags::new(parent.flags),
        true,
        TraceState::default(),
    );
    let cx = opentelemetry::Context::new().with_remote_span_context(remote);
    if let Err(err) = span.set_parent(cx) {
        // No OpenTelemetry layer installed, or the span is filtered out: nothing to export.
        tracing::trace!(reason = %err, "the action span keeps its own trace");
    }
}
