#![allow(unreachable_pub, missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // in tests a failed unwrap is a failed test
//! HTTP tests against a real server on 127.0.0.1, with a client that does not follow redirects:
//! what actions do when they are used as meant. The attacks, each a named test that proves the
//! action did not run, are in `tests/attacks`.

#[path = "../common/app.rs"]
mod app;

use actum::{Action, ActionsLayer, RouterExt, TrustedProxies};
use actum_testkit::{Part, Req, Resp, assert_hardened};
use app::{App, serve, serve_with};
use serde_json::json;
use std::net::SocketAddr;

fn url<M, A: Action<M>>(action: A) -> String {
    action.url().to_string()
}

async fn add_json(addr: SocketAddr, n: i64) -> Resp {
    Req::post(url(app::add))
        .script()
        .json(json!({ "n": n }))
        .send(addr)
        .await
}

// ---------------------------------------------------------------- method and action resolution

#[tokio::test]
async fn post_runs_the_action() {
    let (addr, app) = serve().await;
    let resp = add_json(addr, 2).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json()["ok"], true);
    assert_eq!(resp.json()["result"], json!({ "total": 2 }));
    assert_eq!(app.runs("add"), 1);
    assert_hardened(&resp);
}

#[tokio::test]
async fn an_actions_own_404_is_not_an_unknown_action() {
    let (addr, app) = serve().await;
    let resp = Req::post(app::rename.bind(99).to_string())
        .script()
        .json(json!({ "title": "x" }))
        .send(addr)
        .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), Some("envelope"));
    assert_eq!(app.runs("rename"), 1);
    // An ordinary page's 404 is left alone.
    let resp = Req::get("/nope").send(addr).await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), None);
}

#[tokio::test]
async fn module_level_form_mounts_every_public_function() {
    let (addr, app) = serve().await;
    let resp = Req::post(url(app::counters::incr))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.json()["result"], 1);
    let resp = Req::post(url(app::counters::decr))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.json()["result"], 0);
    assert_eq!(app.runs("counters::incr"), 1);
    assert_eq!(app.runs("counters::decr"), 1);
}

#[tokio::test]
async fn actions_are_plain_functions_in_unit_tests() {
    let app = App::new();
    let total = app::add(axum::extract::State(app.clone()), app::Add { n: 5 }).await;
    assert_eq!(total, app::Total { total: 5 });
    let renamed = app::rename(
        axum::extract::State(app),
        1,
        app::Rename {
            title: "new".into(),
        },
    )
    .await;
    assert_eq!(renamed.unwrap(), "1:new");
}

#[tokio::test]
async fn an_extractor_refusal_reaches_scripts_as_an_envelope() {
    let (addr, app) = serve().await;
    let resp = Req::post(url(app::whoami))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.json()["error"]["message"], "sign in first");
    let resp = Req::post(url(app::whoami))
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.text(), "sign in first");
    assert_eq!(app.runs("whoami"), 0);
    let resp = Req::post(url(app::whoami))
        .script()
        .header("x-user", "ann")
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.json()["result"], "ann");
    assert_eq!(app.runs("whoami"), 1);
}

#[tokio::test]
async fn actions_on_a_nested_router_live_under_its_prefix() {
    let state = App::new();
    let admin = axum::Router::new()
        .action(app::admin_only)
        .route_layer(axum::middleware::from_fn(app::require_auth));
    let router = axum::Router::new()
        .nest("/admin", admin)
        .layer(ActionsLayer::new())
        .with_state(state.clone());
    let addr = app::serve_router(router).await;
    let nested_url = app::admin_only.url().under("/admin").to_string();
    assert!(nested_url.starts_with("/admin/_actum/"), "{nested_url}");
    let resp = Req::post(&nested_url)
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 401, "the nested router's layer runs first");
    let resp = Req::post(&nested_url)
        .script()
        .header("x-user", "admin")
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(state.runs("admin_only"), 1);
    let resp = Req::post(url(app::admin_only))
        .script()
        .header("x-user", "admin")
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(
        resp.header("actum-answer"),
        Some("unknown-action"),
        "not mounted at the root"
    );
    let resp = Req::post("/admin/_actum/no.such.id")
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.header("actum-answer"), Some("unknown-action"));
    assert_eq!(state.runs("admin_only"), 1);
}

#[tokio::test]
async fn nested_router_layers_apply_to_its_actions() {
    let (addr, app) = serve().await;
    let resp = Req::post(url(app::admin_only))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 401);
    assert_eq!(app.runs("admin_only"), 0);
    let resp = Req::post(url(app::admin_only))
        .script()
        .header("x-user", "admin")
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json()["result"], "secret");
    assert_eq!(app.runs("admin_only"), 1);
}

// ---------------------------------------------------------------- origin check

#[tokio::test]
async fn same_origin_fetch_metadata_passes() {
    let (addr, app) = serve().await;
    for site in ["same-origin", "none"] {
        let resp = Req::bare_post(url(app::add))
            .header("sec-fetch-site", site)
            .script()
            .json(json!({"n": 1}))
            .send(addr)
            .await;
        assert_eq!(resp.status, 200, "{site}: {}", resp.text());
    }
    assert_eq!(app.runs("add"), 2);
}

#[tokio::test]
async fn the_own_origin_passes_without_fetch_metadata() {
    let (addr, app) = serve().await;
    let ok = Req::bare_post(url(app::add))
        .header("origin", &format!("http://{addr}"))
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn an_own_referer_is_the_last_browser_signal() {
    let (addr, app) = serve().await;
    let ok = Req::bare_post(url(app::add))
        .header("referer", &format!("http://{addr}/page"))
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn non_browser_callers_pass_when_allowed() {
    let (addr, app) = serve_with(ActionsLayer::new().allow_non_browser(true)).await;
    let resp = Req::bare_post(url(app::add))
        .script()
        .json(json!({"n": 1}))
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn allow_list_accepts_wildcard_origins() {
    let (addr, app) =
        serve_with(ActionsLayer::new().allowed_origins(["https://*.example.com"])).await;
    for origin in ["https://shop.example.com", "https://a.example.com"] {
        let ok = Req::bare_post(url(app::add))
            .header("sec-fetch-site", "cross-site")
            .header("origin", origin)
            .script()
            .json(json!({"n": 1}))
            .send(addr)
            .await;
        assert_eq!(ok.status, 200, "{origin}: {}", ok.text());
    }
    assert_eq!(app.runs("add"), 2);
}

#[tokio::test]
async fn forwarded_host_counts_from_trusted_proxies() {
    let proxies = TrustedProxies::list(["127.0.0.1"]).unwrap();
    let (addr, app) = serve_with(ActionsLayer::new().trusted_proxies(proxies)).await;
    let resp = Req::bare_post(url(app::add))
        .header("origin", "https://public.example")
        .header("x-forwarded-host", "public.example")
        .header("x-forwarded-proto", "https")
        .script()
        .json(json!({"n": 1}))
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(app.runs("add"), 1);
}

// ---------------------------------------------------------------- body limit and content type

#[tokio::test]
async fn per_action_body_limit_overrides_the_default() {
    let (addr, app) = serve().await;
    let small = vec![b'x'; 100];
    let ok = Req::post(url(app::upload))
        .script()
        .multipart(&[
            Part::file("file", "a.txt", &small),
            Part::field("note", b"hi"),
        ])
        .send(addr)
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["result"], json!(["a.txt", 100, "hi"]));
    let big = vec![b'x'; 4096];
    let resp = Req::post(url(app::upload))
        .script()
        .multipart(&[
            Part::file("file", "b.txt", &big),
            Part::field("note", b"hi"),
        ])
        .send(addr)
        .await;
    assert_eq!(resp.status, 413);
    assert_eq!(app.runs("upload"), 1);
}

// ---------------------------------------------------------------- decoding

#[tokio::test]
async fn forms_decode_repeated_and_nested_names() {
    let (addr, app) = serve().await;
    let resp = Req::post(url(app::echo))
        .script()
        .form(&[
            ("text", "hi"),
            ("tags", "a"),
            ("tags", "b"),
            ("nested[a]", "7"),
            ("nested[b]", "on"),
        ])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.json()["result"],
        json!({ "text": "hi", "tags": ["a", "b"], "nested": { "a": 7, "b": true } })
    );
    assert_eq!(app.runs("echo"), 1);
}

// ---------------------------------------------------------------- bound arguments

#[tokio::test]
async fn bound_arguments_reach_the_action() {
    let (addr, app) = serve().await;
    let resp = Req::post(app::rename.bind(2).to_string())
        .script()
        .form(&[("title", "two")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json()["result"], "2:two");
    assert_eq!(app.data().items[&2], "two");
}

// ---------------------------------------------------------------- running the action

#[tokio::test]
async fn a_client_that_hangs_up_does_not_cancel_the_action() {
    let (addr, app) = serve().await;
    Req::post(url(app::sleep))
        .script()
        .json(json!({ "ms": 300 }))
        .send_and_hang_up(addr)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(app.runs("sleep"), 1);
}

// ---------------------------------------------------------------- answers

#[tokio::test]
async fn a_native_post_comes_back_to_its_page_with_its_result() {
    let (addr, app) = serve().await;
    let action = app::add.url().returning_to("/page").to_string();
    let resp = Req::post(action).form(&[("n", "4")]).send(addr).await;
    assert_eq!(resp.status, 303);
    assert_eq!(resp.header("location"), Some("/page"));
    assert_hardened(&resp);
    let cookie = resp.cookie_pairs();
    let page = Req::get("/page").header("cookie", &cookie).send(addr).await;
    assert!(
        page.text().contains("<output id=\"added\">4</output>"),
        "{}",
        page.text()
    );
    // The state is shown once.
    let again = Req::get("/page").header("cookie", &cookie).send(addr).await;
    assert!(!again.text().contains("id=\"added\""));
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn without_a_return_path_the_referer_page_is_used() {
    let (addr, _) = serve().await;
    let resp = Req::post(url(app::add))
        .header("referer", &format!("http://{addr}/page?x=1"))
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 303);
    assert_eq!(resp.header("location"), Some("/page?x=1"));
    let resp = Req::post(url(app::add))
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(resp.header("location"), Some("/"));
}

#[tokio::test]
async fn a_validation_error_comes_back_to_the_right_form_with_the_typed_values() {
    let (addr, app) = serve().await;
    let long = "x".repeat(101);
    let resp = Req::post(app::rename.bind(2).returning_to("/").to_string())
        .form(&[("title", &long)])
        .send(addr)
        .await;
    assert_eq!(resp.status, 303);
    let page = Req::get("/")
        .header("cookie", &resp.cookie_pairs())
        .send(addr)
        .await
        .text();
    let row2 = page
        .split("<form")
        .find(|f| f.contains("id=\"rename-2\""))
        .unwrap();
    assert!(row2.contains(&long), "typed value kept: {row2}");
    assert!(row2.contains("must be 1 to 100 characters"));
    let row1 = page
        .split("<form")
        .find(|f| f.contains("id=\"rename-1\""))
        .unwrap();
    assert!(
        !row1.contains("must be"),
        "other rows have their own state: {row1}"
    );
    assert_eq!(app.data().items[&2], "item 2", "nothing changed");
}

#[tokio::test]
async fn a_type_error_on_a_native_post_also_comes_back_to_the_form() {
    let (addr, app) = serve().await;
    let resp = Req::post(app::add.url().returning_to("/page").to_string())
        .form(&[("n", "abc")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 303);
    assert_eq!(resp.header("location"), Some("/page"));
    assert!(resp.header("set-cookie").unwrap().contains("actum_fs="));
    assert_eq!(app.runs("add"), 0);
}

#[tokio::test]
async fn redirects_answer_303_natively_and_name_the_target_to_scripts() {
    let (addr, _) = serve().await;
    let resp = Req::post(url(app::go))
        .form(&[("to", "/posts/1?x=2")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 303);
    assert_eq!(resp.header("location"), Some("/posts/1?x=2"));
    let resp = Req::post(url(app::go))
        .script()
        .form(&[("to", "/posts/1")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["redirect"], "/posts/1");
}

#[tokio::test]
async fn cookies_set_by_an_action_reach_the_browser_and_the_page() {
    let (addr, _) = serve().await;
    let resp = Req::post(url(app::set_theme))
        .script()
        .form(&[("theme", "dark")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    assert!(resp.header("set-cookie").unwrap().starts_with("theme=dark"));
    assert_eq!(
        resp.json()["revalidated"],
        json!({ "paths": ["/"], "layouts": [], "tags": ["theme"], "refresh": false })
    );
    let page = Req::get("/")
        .header("cookie", "theme=dark")
        .send(addr)
        .await;
    assert!(page.text().contains("data-theme=\"dark\""));
}

#[tokio::test]
async fn action_errors_reach_scripts_as_an_envelope() {
    let (addr, _) = serve().await;
    let resp = Req::post(app::rename.bind(1).to_string())
        .script()
        .form(&[("title", "")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 422);
    let body = resp.json();
    assert_eq!(body["ok"], false);
    assert_eq!(
        body["error"]["fields"][0],
        json!({ "field": "title", "message": "must be 1 to 100 characters" })
    );
}

#[tokio::test]
async fn not_found_on_a_native_post_answers_its_status() {
    let (addr, _) = serve().await;
    let resp = Req::post(app::remove.bind(42).to_string())
        .form(&[])
        .send(addr)
        .await;
    assert_eq!(resp.status, 404);
    assert!(resp.text().contains("not found"));
    assert_hardened(&resp);
}

// ---------------------------------------------------------------- tracing

/// Collects what a `fmt` subscriber writes.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_action_runs_in_a_span_with_its_name_id_outcome_and_duration() {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (addr, _) = serve().await;
    add_json(addr, 1).await;
    Req::post(url(app::boom))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let id = app::add.id();
    let answered = log
        .lines()
        .find(|l| l.contains("action answered") && l.contains(id))
        .expect(&log);
    assert!(answered.contains("name=\"add\""), "{answered}");
    assert!(answered.contains("outcome=\"ok\""), "{answered}");
    assert!(answered.contains("duration_ms="), "{answered}");
    let panicked = log
        .lines()
        .find(|l| l.contains("action panicked"))
        .expect(&log);
    assert!(panicked.contains("digest="), "{panicked}");
    assert!(
        panicked.contains("boom on purpose"),
        "the log has the details: {panicked}"
    );
}

// ---------------------------------------------------------------- the page in the same answer

async fn serve_wrapped() -> (SocketAddr, App) {
    let state = App::new();
    let addr = app::serve_router(app::wrapped_router(state.clone(), ActionsLayer::new())).await;
    (addr, state)
}

#[tokio::test]
async fn a_form_called_by_a_script_gets_its_page_back_with_the_new_state() {
    let (addr, state) = serve_wrapped().await;
    let resp = Req::post(app::rename.bind(2).to_string())
        .script()
        .header("actum-page", "/page?tab=1")
        .form(&[("title", "fresh")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let body = resp.json();
    assert_eq!(body["result"], "2:fresh");
    assert_eq!(body["url"], "/page?tab=1");
    let html = body["html"].as_str().unwrap();
    assert!(
        html.contains("value=\"fresh\""),
        "the page shows the new title: {html}"
    );
    assert_eq!(state.runs("rename"), 1);
}

#[tokio::test]
async fn a_validation_error_comes_back_in_the_page_next_to_its_field() {
    let (addr, state) = serve_wrapped().await;
    let long = "y".repeat(101);
    let resp = Req::post(app::rename.bind(3).to_string())
        .script()
        .header("actum-page", "/")
        .form(&[("title", &long)])
        .send(addr)
        .await;
    assert_eq!(resp.status, 422);
    let body = resp.json();
    let html = body["html"].as_str().unwrap();
    let row = html
        .split("<form")
        .find(|f| f.contains("id=\"rename-3\""))
        .unwrap();
    assert!(
        row.contains("must be 1 to 100 characters") && row.contains(&long),
        "{row}"
    );
    assert_eq!(state.data().items[&3], "item 3");
}

#[tokio::test]
async fn the_page_in_the_answer_sees_the_cookies_the_action_set() {
    let (addr, _) = serve_wrapped().await;
    let resp = Req::post(url(app::set_theme))
        .script()
        .header("actum-page", "/")
        .form(&[("theme", "dark")])
        .send(addr)
        .await;
    let body = resp.json();
    assert!(
        body["html"]
            .as_str()
            .unwrap()
            .contains("data-theme=\"dark\"")
    );
    assert!(resp.header("set-cookie").unwrap().starts_with("theme=dark"));
}

#[tokio::test]
async fn a_redirect_brings_the_target_page() {
    let (addr, _) = serve_wrapped().await;
    let resp = Req::post(url(app::go))
        .script()
        .form(&[("to", "/page?from=go")])
        .send(addr)
        .await;
    let body = resp.json();
    assert_eq!(body["redirect"], "/page?from=go");
    assert_eq!(body["url"], "/page?from=go");
    assert!(body["html"].as_str().unwrap().contains("id=\"rename-1\""));
}

#[tokio::test]
async fn a_call_that_changed_nothing_on_the_page_gets_no_page() {
    let (addr, _) = serve_wrapped().await;
    let resp = Req::post(url(app::add))
        .script()
        .json(json!({ "n": 1 }))
        .send(addr)
        .await;
    let body = resp.json();
    assert_eq!(body["result"], json!({ "total": 1 }));
    assert!(body.get("html").is_none(), "{body}");
}

#[tokio::test]
async fn a_layer_on_each_route_cannot_bring_the_page() {
    let (addr, _) = serve().await;
    let resp = Req::post(url(app::set_theme))
        .script()
        .form(&[("theme", "dark")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    assert!(resp.json().get("html").is_none());
}

#[tokio::test]
async fn wrapped_or_not_the_refusals_and_native_answers_are_the_same() {
    let (addr, state) = serve_wrapped().await;
    let resp = Req::bare_post(url(app::add))
        .header("sec-fetch-site", "cross-site")
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 403);
    let resp = Req::post("/_actum/no.such.id")
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.header("actum-answer"), Some("unknown-action"));
    let resp = Req::post(app::add.url().returning_to("/page").to_string())
        .form(&[("n", "2")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 303);
    assert_eq!(state.runs("add"), 1);
}

#[tokio::test]
async fn the_client_script_is_served_immutable_and_gzipped() {
    let (addr, _) = serve().await;
    let path = actum::client_script_url();
    let resp = Req::get(path)
        .header("accept-encoding", "gzip")
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-encoding"), Some("gzip"));
    assert!(resp.header("cache-control").unwrap().contains("immutable"));
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    let resp = Req::get(path).send(addr).await;
    assert!(resp.text().len() > 10);
    let resp = Req::get("/_actum/client/000000000000.js").send(addr).await;
    assert_eq!(resp.status, 404, "only the current script's URL is served");
}

// ---------------------------------------------------------------- validation with garde

#[cfg(feature = "garde")]
#[tokio::test]
async fn garde_rules_give_field_errors_before_the_action_runs() {
    let (addr, app) = serve().await;
    let resp = Req::post(url(app::sign_up))
        .script()
        .form(&[("name", "al"), ("age", "12")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 422, "{}", resp.text());
    let fields = resp.json()["error"]["fields"].clone();
    let named: Vec<&str> = fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        named.contains(&"name") && named.contains(&"age"),
        "{fields}"
    );
    assert_eq!(app.runs("sign_up"), 0);
    // Natively, the errors and the typed values come back to the form.
    let resp = Req::post(app::sign_up.url().returning_to("/").to_string())
        .form(&[("name", "al"), ("age", "12")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 303);
    assert!(resp.header("set-cookie").unwrap().contains("actum_fs="));
    let resp = Req::post(url(app::sign_up))
        .script()
        .form(&[("name", "alice"), ("age", "30")])
        .send(addr)
        .await;
    assert_eq!(resp.json()["result"], "alice");
    assert_eq!(app.runs("sign_up"), 1);
}

// ---------------------------------------------------------------- actum::serve

#[tokio::test]
async fn actum_serve_gives_every_request_its_peer_address() {
    // The trusted proxy's forwarded host counts only if the peer address (ConnectInfo) is known.
    let proxies = TrustedProxies::list(["127.0.0.1"]).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = App::new();
    let router = app::router(state.clone(), ActionsLayer::new().trusted_proxies(proxies));
    tokio::spawn(actum::serve(listener, router));
    let resp = Req::bare_post(url(app::add))
        .header("origin", "https://public.example")
        .header("x-forwarded-host", "public.example")
        .script()
        .json(json!({"n": 1}))
        .send(addr)
        .await;
    assert_eq!(
        resp.status,
        200,
        "the trusted proxy's forwarded host counted: {}",
        resp.text()
    );
    assert_eq!(state.runs("add"), 1);
}
