//! actum's own cost per request, without the network: the same request sent through the router
//! in process (`tower::ServiceExt::oneshot`) to an action and to a plain axum handler, many times.
//!
//! ```text
//! cargo run --release -p actum-bench --bin inproc [requests] [both|plain|action]
//! ```
//!
//! With `plain` or `action` it sends only that kind, for an instruction count per request under
//! `valgrind --tool=callgrind` (repeatable, unlike a clock on a shared machine).

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use http::Request;
use tower::ServiceExt as _;

fn request(path: &str, script: bool) -> Request<Body> {
    let mut builder = Request::post(path)
        .header("host", "127.0.0.1:3000")
        .header("content-type", "application/json")
        .header("sec-fetch-site", "same-origin");
    if script {
        builder = builder.header("actum-request", "1");
    }
    builder.body(Body::from(r#"{"n":1}"#)).unwrap_or_default()
}

async fn measure(app: &Router, path: &str, script: bool, count: u32) -> Duration {
    let started = Instant::now();
    for _ in 0..count {
        let response = app.clone().oneshot(request(path, script)).await;
        let status = response.map(|r| r.status().as_u16()).unwrap_or(0);
        assert_eq!(status, 200, "{path}");
    }
    started.elapsed() / count
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let count: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let app = actum_bench::app();
    let action = actum_bench::action_url();
    match std::env::args().nth(2).as_deref() {
        Some("plain") => {
            measure(&app, "/plain/json", false, count).await;
            return;
        }
        Some("action") => {
            measure(&app, &action, true, count).await;
            return;
        }
        _ => {}
    }
    measure(&app, "/plain/json", false, count / 10).await;
    measure(&app, &action, true, count / 10).await;
    let plain = measure(&app, "/plain/json", false, count).await;
    let actum = measure(&app, &action, true, count).await;
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
