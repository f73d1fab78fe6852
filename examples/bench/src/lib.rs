//! The work both benchmark binaries measure: the same counter update as an actum action and as
//! plain axum handlers, mounted so that the plain routes do not go through actum's layer (the
//! comparison is with axum alone); and the same update followed by rendering a page, as an action
//! under `ActionsLayer::wrap` (the page re-rendered into the answer) and as a plain handler.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use actum::prelude::*;
use actum::{ActionsLayer, action};
use axum::extract::State;
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
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

/// The page both round-trip sides render: the total and a table of 50 rows with a form each.
fn render_page(total: i64) -> String {
    let mut html = String::with_capacity(8 * 1024);
    html.push_str("<!doctype html><title>Counter</title><main><h1>Counter</h1>");
    html.push_str(&format!("<output id=\"total\">{total}</output><table>"));
    for row in 0..50 {
        html.push_str(&format!(
            "<tr><td>row {row}</td><td>{}</td><td><form method=\"post\" action=\"{}\">\
             <input name=\"n\" value=\"{row}\"><button>Add</button></form></td></tr>",
            total + row,
            add_and_show.url()
        ));
    }
    html.push_str("</table></main>");
    html
}

/// The page, as a GET route.
async fn page(State(counter): State<Counter>) -> Html<String> {
    Html(render_page(counter.0.load(Ordering::Relaxed)))
}

/// The action of the round trip: adds, and marks the page stale, so that a script's call gets the
/// page re-rendered in its answer.
#[action]
pub async fn add_and_show(State(counter): State<Counter>, input: Add) -> Total {
    actum::revalidate_path("/page");
    counter.add(input.n)
}

/// What the plain handler of the round trip answers: the result and the page.
#[derive(Serialize)]
struct WithPage {
    ok: bool,
    result: Total,
    html: String,
}

/// The plain handler doing the round trip's work: adds, renders the page, answers both.
async fn plain_page(State(counter): State<Counter>, Json(input): Json<Add>) -> Json<WithPage> {
    let result = counter.add(input.n);
    let html = render_page(counter.0.load(Ordering::Relaxed));
    Json(WithPage {
        ok: true,
        result,
        html,
    })
}

/// The action under `ActionsLayer`, and `POST /plain/json`, `POST /plain/form` and
/// `POST /plain/page` outside it; the round trip's action and its page (`GET /page`) in a router
/// of their own wrapped by `ActionsLayer::wrap`, reached as the fallback.
pub fn app() -> Router {
    let counter = Counter::default();
    let with_pages = ActionsLayer::new().wrap(
        Router::new()
            .route("/page", get(page))
            .action(add_and_show)
            .with_state(counter.clone()),
    );
    Router::new()
        .action(add)
        .layer(ActionsLayer::new())
        .route("/plain/json", post(plain_json))
        .route("/plain/form", post(plain_form))
        .route("/plain/page", post(plain_page))
        .with_state(counter)
        .fallback_service(with_pages)
}

/// The action's URL.
pub fn action_url() -> String {
    add.url().to_string()
}

/// The round trip's action URL.
pub fn page_action_url() -> String {
    add_and_show.url().to_string()
}
