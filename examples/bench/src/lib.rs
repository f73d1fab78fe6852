//! The work both benchmark binaries measure: the same counter update as an actum action and as
//! plain axum handlers, mounted so that the plain routes do not go through actum's layer (the
//! comparison is with axum alone).

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
pub struct Counter(Arc<AtomicI64>);

/// The input: how much to add.
#[derive(Deserialize)]
pub struct Add {
    n: i64,
}

/// The output: the new total.
#[derive(Serialize)]
pub struct Total {
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
pub async fn add(State(counter): State<Counter>, input: Add) -> Total {
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

/// The action under `ActionsLayer`, and `POST /plain/json` and `POST /plain/form` outside it.
pub fn app() -> Router {
    Router::new()
        .action(add)
        .layer(ActionsLayer::new())
        .route("/plain/json", post(plain_json))
        .route("/plain/form", post(plain_form))
        .with_state(Counter::default())
}

/// The action's URL.
pub fn action_url() -> String {
    add.url().to_string()
}
