#![allow(clippy::unwrap_used)] // in tests a failed unwrap is a failed test
//! A native post from a page of an earlier deploy (to an action this server does not have) comes
//! back to its form through `FormState`: the row's form of a per-row action finds it with
//! `for_bound`, a form whose fields do not fit does not, and nothing runs. Real HTTP on 127.0.0.1.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actum::prelude::*;
use actum::{ActionsLayer, FormState, action};
use actum_testkit::Req;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

/// How many times an action's body ran.
type Runs = Arc<AtomicUsize>;

#[derive(serde::Deserialize)]
struct Rename {
    title: String,
}

#[derive(serde::Deserialize)]
struct Search {
    #[allow(dead_code)]
    q: String,
}

/// The previous deploy's action: never mounted here, so its ID is unknown to this server.
mod previous {
    use super::Rename;

    #[actum::action]
    pub(crate) async fn rename(#[bound] id: u64, input: Rename) -> String {
        format!("{id}: {}", input.title)
    }
}

#[action]
async fn rename(State(runs): State<Runs>, #[bound] id: u64, input: Rename) -> String {
    runs.fetch_add(1, Ordering::SeqCst);
    format!("{id}: {}", input.title)
}

#[action]
async fn search(State(runs): State<Runs>, _input: Search) {
    runs.fetch_add(1, Ordering::SeqCst);
}

/// One rename form per row, and a search form; each shows the state meant for it.
async fn page(form: FormState) -> Html<String> {
    let mut html = String::new();
    for id in [1u64, 2, 3] {
        let row = form.for_bound(rename, &id);
        let title = row.and_then(|s| s.value("title")).unwrap_or("");
        let note = row
            .and_then(|s| s.error())
            .map_or("", |e| e.message.as_str());
        html += &format!(
            r#"<form id="row-{id}" action="{}">[{title}] [{note}]</form>"#,
            rename.bind(id)
        );
    }
    let search_state = form.for_action(search).map_or("none", |_| "some");
    let stale = form.stale().map_or("", |s| s.action_id());
    html += &format!(r#"<p id="search">{search_state}</p><p id="stale">{stale}</p>"#);
    Html(html)
}

async fn serve(runs: Runs) -> SocketAddr {
    let router = axum::Router::new()
        .route("/rows", get(page))
        .action(rename)
        .action(search)
        .with_state(runs);
    let app = ActionsLayer::new().wrap(router);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { actum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn a_stale_row_form_gets_its_typed_value_back_and_nothing_runs() {
    let runs = Runs::default();
    let addr = serve(Arc::clone(&runs)).await;
    // The old page's form for row 2, as that deploy rendered it.
    let old_url = previous::rename.bind(2).returning_to("/rows").to_string();
    assert_ne!(previous::rename.id(), rename.id());

    let response = Req::post(&old_url)
        .form(&[("title", "Second, renamed")])
        .send(addr)
        .await;
    assert_eq!(response.status, 303, "{}", response.text());
    assert_eq!(response.location(), "/rows");
    assert_eq!(response.header("actum-answer"), Some("unknown-action"));
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    let page = Req::get("/rows")
        .cookies(&response.cookie_pairs())
        .send(addr)
        .await
        .text();
    let message = "this page was out of date: it has been reloaded; check and submit again";
    assert!(
        page.contains(&format!("[Second, renamed] [{message}]")),
        "{page}"
    );
    assert_eq!(page.matches("[] []").count(), 2, "the other rows: {page}");
    assert!(page.contains(r#"<p id="search">none</p>"#), "{page}");
    assert!(page.contains(&format!(r#"<p id="stale">{}</p>"#, previous::rename.id())));
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_known_action_still_runs_and_its_state_is_not_stale() {
    let runs = Runs::default();
    let addr = serve(Arc::clone(&runs)).await;
    let url = rename.bind(1).returning_to("/rows").to_string();
    let response = Req::post(&url).form(&[("title", "First")]).send(addr).await;
    assert_eq!(response.status, 303);
    assert_eq!(response.header("actum-answer"), Some("redirect"));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let page = Req::get("/rows")
        .cookies(&response.cookie_pairs())
        .send(addr)
        .await
        .text();
    assert!(page.contains("[First] []"), "{page}");
    assert!(page.contains(r#"<p id="stale"></p>"#), "{page}");
}
