//! A server for benchmarks (see `scripts/bench` and BENCHMARKS.md):
//!
//! ```text
//! cargo run --release -p actum-bench -- 4100
//! ```
//!
//! It serves the same work twice on 127.0.0.1: as actum actions (`/_actum/<id>`, their URLs
//! printed at start) and as plain axum handlers (`POST /plain/json`, `POST /plain/form`), so a
//! load generator can compare them in one run.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use actum::prelude::*;
use actum::{ActionsLayer, action};
use axum::extract::State;
use axum::response::Redirect;
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};

/// The shared counter both sides add to.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicI64>);

#[derive(Deserialize)]
struct Add {
    n: i64,
}

#[derive(Serialize)]
struct Total {
    total: i64,
}

impl Counter {
    fn add(&self, n: i64) -> Total {
        Total {
            total: self.0.fetch_add(n, Ordering::Relaxed) + n,
        }
    }
}

/// The action.
#[action]
async fn add(State(counter): State<Counter>, input: Add) -> Total {
    counter.add(input.n)
}

/// The plain handler doing the same work, answering JSON.
async fn plain_json(State(counter): State<Counter>, Json(input): Json<Add>) -> Json<Total> {
    Json(counter.add(input.n))
}

/// The plain handler doing the same work for a form, answering 303 as actum does natively.
async fn plain_form(State(counter): State<Counter>, Form(input): Form<Add>) -> Redirect {
    counter.add(input.n);
    Redirect::to("/")
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(4100);
    // The plain routes are added after the layer, so they do not go through it: the comparison
    // is with axum alone.
    let app = Router::new()
        .action(add)
        .layer(ActionsLayer::new())
        .route("/plain/json", post(plain_json))
        .route("/plain/form", post(plain_form))
        .with_state(Counter::default());
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("actum-bench: cannot listen on 127.0.0.1:{port}: {err}");
            std::process::exit(1);
        }
    };
    println!("action {}", add.url());
    println!("listening on http://127.0.0.1:{port}");
    if let Err(err) = axum::serve(listener, app).await {
        eprintln!("actum-bench: {err}");
        std::process::exit(1);
    }
}
