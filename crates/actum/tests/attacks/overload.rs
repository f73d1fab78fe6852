//! Errors and overload: a panic or an internal error tells the caller nothing about the server,
//! a flood past the concurrency cap is refused before its bodies are read, and a stuck action is
//! stopped at its time limit.

use std::time::Duration;

use actum::{Action, ActionsLayer};
use actum_testkit::{Part, Req, Resp};
use serde_json::json;

use crate::app::{self, App, serve, serve_with};
use crate::{Untouched, url};

async fn add_json(addr: std::net::SocketAddr) -> Resp {
    Req::post(url(app::add))
        .script()
        .json(json!({ "n": 1 }))
        .send(addr)
        .await
}

#[tokio::test]
async fn a_panic_answers_500_with_a_digest_and_the_server_goes_on() {
    let (addr, app) = serve().await;
    let resp = Req::post(url(app::boom))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 500);
    let body = resp.json();
    assert_eq!(body["error"]["message"], "something went wrong");
    assert_eq!(body["error"]["digest"].as_str().unwrap().len(), 10);
    assert!(!resp.text().contains("boom on purpose"));
    // Natively: an error page with the digest, and nothing of the panic.
    let page = Req::post(url(app::boom)).json(json!(null)).send(addr).await;
    assert_eq!(page.status, 500);
    assert!(!page.text().contains("boom on purpose"), "{}", page.text());
    assert_eq!(add_json(addr).await.status, 200, "the server goes on");
    let mut expected = App::new().snapshot();
    expected.runs.insert("boom", 2);
    expected.runs.insert("add", 1);
    expected.total = 1;
    assert_eq!(app.snapshot(), expected);
}

#[tokio::test]
async fn an_internal_error_hides_its_cause() {
    let (addr, app) = serve().await;
    let resp = Req::post(url(app::fail))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 500);
    assert!(resp.json()["error"]["digest"].is_string());
    // Debug builds add the cause for the developer; release builds must not.
    if !cfg!(debug_assertions) {
        assert!(!resp.text().contains("hunter2"), "{}", resp.text());
    }
    assert_eq!(app.runs("fail"), 1);
}

/// Markers of a server's insides: source paths, type and crate names, panics, debug output.
const INTERNALS: &[&str] = &[
    ".rs:",
    "src/",
    "panicked",
    "boom on purpose",
    "thread '",
    "backtrace",
    "actum::",
    "axum::",
    "hyper::",
    "serde_json::",
    "tokio::",
    "Error {",
    "Some(",
    "kind:",
    "canary-7f3a",
];

#[tokio::test]
async fn no_error_answer_shows_internals() {
    let (addr, _) = serve_with(ActionsLayer::new().max_concurrent_actions(8)).await;
    let canary = "canary-7f3a";
    let add = url(app::add);
    let requests = vec![
        // 403, echoing no header.
        Req::bare_post(&add)
            .header("origin", &format!("https://{canary}.example"))
            .form(&[("n", "1")]),
        // 404 unknown action, 405.
        Req::post(format!("/_actum/{canary}")).form(&[("n", "1")]),
        Req::get(&add).header("x-canary", canary),
        // 413, 415, 400 (malformed and seal), 422.
        Req::post(&add).content_length(2 << 20),
        Req::post(&add).header("content-type", canary).body("n=1"),
        Req::post(&add)
            .header("content-type", "application/json")
            .body("{\"n\":"),
        Req::post(&add)
            .header("content-type", "multipart/form-data; boundary=b")
            .body("--b\r\ngarbage\r\n\r\n1\r\n--b--\r\n"),
        Req::post(format!("{}?b={canary}", app::rename.url())).form(&[("title", "x")]),
        Req::post(&add).form(&[("m", "1")]),
        Req::post(url(app::echo)).multipart(&[Part::file("nested", "a", b"x")]),
        // 500 from a panic, 503 from the time limit, 401 from an extractor.
        Req::post(url(app::boom)).json(json!(null)),
        Req::post(url(app::quick)).json(json!({ "ms": 1000 })),
        Req::post(url(app::whoami)).json(json!(null)),
    ];
    let mut seen = Vec::new();
    for req in requests {
        for req in [req.clone(), req.script()] {
            let resp = req.send(addr).await;
            // A native post whose input does not fit goes back to its form (303).
            assert!(resp.status >= 400 || resp.status == 303, "{resp:?}");
            seen.push(resp.status);
            let text = resp.text();
            for marker in INTERNALS {
                assert!(
                    !text.contains(marker),
                    "{marker:?} in a {}: {text}",
                    resp.status
                );
            }
        }
    }
    for status in [400, 401, 403, 404, 405, 413, 415, 422, 500, 503] {
        assert!(seen.contains(&status), "no {status} was tried: {seen:?}");
    }
}

#[tokio::test]
async fn past_the_concurrency_cap_an_action_gets_503_with_retry_after() {
    let (addr, app) = serve_with(ActionsLayer::new().max_concurrent_actions(1)).await;
    let slow_request = Req::post(url(app::sleep))
        .script()
        .json(json!({ "ms": 600 }));
    let slow = tokio::spawn(async move { slow_request.send(addr).await });
    // Wait until the slow action holds the only permit.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let untouched = Untouched::from(&app);
    let resp = add_json(addr).await;
    assert_eq!(resp.status, 503);
    assert_eq!(resp.header("retry-after"), Some("1"));
    // A flood's bodies are not even read: the 503 comes before the body is sent.
    let resp = Req::post(url(app::add))
        .header("content-type", "application/x-www-form-urlencoded")
        .content_length(100_000)
        .send_head_only(addr, b"n=1")
        .await;
    assert_eq!(resp.status, 503);
    untouched.check();
    assert_eq!(slow.await.unwrap().status, 200);
    // Once it is done, the permit is back.
    assert_eq!(add_json(addr).await.status, 200);
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn an_action_past_its_time_limit_gets_503_and_is_cancelled() {
    let (addr, app) = serve_with(ActionsLayer::new().time_limit(Duration::from_millis(300))).await;
    let ok = Req::post(url(app::sleep))
        .script()
        .json(json!({ "ms": 10 }))
        .send(addr)
        .await;
    assert_eq!(ok.status, 200);
    let resp = Req::post(url(app::sleep))
        .script()
        .json(json!({ "ms": 2000 }))
        .send(addr)
        .await;
    assert_eq!(resp.status, 503);
    // A per-action limit overrides the layer's.
    let resp = Req::post(url(app::quick))
        .script()
        .json(json!({ "ms": 1000 }))
        .send(addr)
        .await;
    assert_eq!(resp.status, 503);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // `sleep` and `quick` count their run after their sleep: the stopped ones never got there.
    assert_eq!(app.runs("sleep"), 1, "the timed-out action was cancelled");
    assert_eq!(app.runs("quick"), 0);
}
