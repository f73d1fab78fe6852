//! actum's own cost per request, without the network: the same request sent through the router
//! in process (`tower::ServiceExt::oneshot`) to an action and to a plain axum handler, many times.
//!
//! ```text
//! cargo run --release -p actum-bench --bin inproc [requests] [both|plain|action|plain-form|action-form|plain-page|action-page] [warm-up requests]
//! ```
//!
//! With `plain` or `action` (a JSON call), `plain-form` or `action-form` (a native form post and
//! its 303), or `plain-page` or `action-page` (a JSON call answered with the page re-rendered) it
//! sends only that kind, for an instruction count per request under
//! `valgrind --tool=callgrind` (repeatable, unlike a clock on a shared machine). The warm-up
//! requests (none by default) are sent first, so that what fills up as requests come (the
//! form-state store, up to its cap of 10 000) is as full as on a server that has been up a while.
//! The app is not dropped at the end: its teardown (the store's entries freed) is not a cost of
//! a request.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use http::Request;
use tower::ServiceExt as _;

/// What is sent: a script's JSON call (answered 200) or a native form post (answered 303).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Json {
        script: bool,
    },
    Form,
    /// A script's call from `/page`, whose answer carries the page.
    Page {
        script: bool,
    },
}

fn request(path: &str, kind: Kind) -> Request<Body> {
    let builder = Request::post(path)
        .header("host", "127.0.0.1:3000")
        .header("sec-fetch-site", "same-origin");
    let (builder, body) = match kind {
        Kind::Json { script } => {
            let builder = builder.header("content-type", "application/json");
            let builder = match script {
                true => builder.header("actum-request", "1"),
                false => builder,
            };
            (builder, r#"{"n":1}"#)
        }
        Kind::Form => (
            builder
                .header("content-type", "application/x-www-form-urlencoded")
                .header("referer", "http://127.0.0.1:3000/"),
            "n=1",
        ),
        Kind::Page { script } => {
            let builder = builder.header("content-type", "application/json");
            let builder = match script {
                true => builder
                    .header("actum-request", "1")
                    .header("actum-page", "/page"),
                false => builder,
            };
            (builder, r#"{"n":1}"#)
        }
    };
    builder.body(Body::from(body)).unwrap_or_default()
}

async fn measure(app: &Router, path: &str, kind: Kind, count: u32) -> Duration {
    let expected = match kind {
        Kind::Json { .. } | Kind::Page { .. } => 200,
        Kind::Form => 303,
    };
    let started = Instant::now();
    for _ in 0..count {
        let response = app.clone().oneshot(request(path, kind)).await;
        let status = response.map(|r| r.status().as_u16()).unwrap_or(0);
        assert_eq!(status, expected, "{path}");
    }
    started.elapsed() / count.max(1)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let count: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let app = actum_bench::app();
    let action = actum_bench::action_url();
    let page_action = actum_bench::page_action_url();
    let plain_json = Kind::Json { script: false };
    let script_json = Kind::Json { script: true };
    let only = match std::env::args().nth(2).as_deref() {
        Some("plain") => Some(("/plain/json", plain_json)),
        Some("action") => Some((action.as_str(), script_json)),
        Some("plain-form") => Some(("/plain/form", Kind::Form)),
        Some("action-form") => Some((action.as_str(), Kind::Form)),
        Some("plain-page") => Some(("/plain/page", Kind::Page { script: false })),
        Some("action-page") => Some((page_action.as_str(), Kind::Page { script: true })),
        _ => None,
    };
    if let Some((path, kind)) = only {
        let warm_up: u32 = std::env::args()
            .nth(3)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        measure(&app, path, kind, warm_up).await;
        measure(&app, path, kind, count).await;
        std::mem::forget(app);
        return;
    }
    measure(&app, "/plain/json", plain_json, count / 10).await;
    measure(&app, &action, script_json, count / 10).await;
    let plain = measure(&app, "/plain/json", plain_json, count).await;
    let actum = measure(&app, &action, script_json, count).await;
    println!(
        "plain axum handler: {:>7.0} ns/request",
        plain.as_nanos() as f64
    );
    println!(
        "actum action:       {:>7.0} ns/request",
        actum.as_nanos() as f64
    );
    println!(
        "actum's own cost:   {:>7.0} ns/request",
        actum.as_nanos() as f64 - plain.as_nanos() as f64
    );
}
