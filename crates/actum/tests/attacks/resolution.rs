//! Action resolution: only a mounted action's exact ID reaches an action, only by POST, and the ID
//! is resolved from the path before anything reads the body.

use actum::{Action, RouterExt};
use actum_testkit::{Req, assert_hardened};
use serde_json::json;

use crate::app::{self, serve};
use crate::{Untouched, url};

#[tokio::test]
async fn an_unknown_action_id_gets_404_unknown_action() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let resp = Req::post("/_actum/no.such.action.00000000")
        .script()
        .json(json!({ "n": 1 }))
        .send(addr)
        .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), Some("unknown-action"));
    assert_hardened(&resp);
    untouched.check();
}

#[tokio::test]
async fn malformed_action_ids_get_404_unknown_action() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let id = app::add.id();
    let long = "A".repeat(4096);
    for path in [
        "/_actum/".to_owned(),
        format!("/_actum/{id}%00"),
        format!("/_actum/{id}%20"),
        format!("/_actum/{}", id.to_uppercase()),
        format!("/_actum/{}", &id[..id.len() - 1]),
        format!("/_actum/{id}x"),
        format!("/_actum/%2e%2e%2f{id}"),
        format!("/_actum/{long}"),
        "/_actum/..".to_owned(),
        "/_actum/%ff%fe".to_owned(),
    ] {
        let resp = Req::post(&path).form(&[("n", "1")]).send(addr).await;
        assert_eq!(resp.status, 404, "{path}: {}", resp.text());
        assert_eq!(
            resp.header("actum-answer"),
            Some("unknown-action"),
            "{path}"
        );
        assert_hardened(&resp);
    }
    untouched.check();
}

#[tokio::test]
async fn a_path_below_an_action_id_is_not_the_action() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for suffix in ["/", "/x", "/../"] {
        let path = format!("{}{suffix}", url(app::add));
        let resp = Req::post(&path).form(&[("n", "1")]).send(addr).await;
        assert_eq!(resp.status, 404, "{path}");
    }
    untouched.check();
}

#[tokio::test]
async fn an_unmounted_action_has_no_endpoint() {
    #[actum::action]
    async fn never_mounted(_: ()) -> u8 {
        1
    }
    // Callable as a function...
    assert_eq!(never_mounted(()).await, 1);
    // ...but not over HTTP.
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let resp = Req::post(url(never_mounted))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), Some("unknown-action"));
    untouched.check();
}

#[tokio::test]
async fn an_action_mounted_under_a_prefix_is_unknown_at_the_root() {
    let state = app::App::new();
    let router = axum::Router::new()
        .nest("/admin", axum::Router::new().action(app::add))
        .layer(actum::ActionsLayer::new())
        .with_state(state.clone());
    let addr = app::serve_router(router).await;
    let untouched = Untouched::from(&state);
    let resp = Req::post(url(app::add))
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), Some("unknown-action"));
    untouched.check();
}

#[tokio::test]
async fn methods_other_than_post_get_405_with_allow() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for method in ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let resp = Req::new(method, url(app::add))
            .same_origin()
            .header("content-type", "application/x-www-form-urlencoded")
            .body("n=1")
            .send(addr)
            .await;
        assert_eq!(resp.status, 405, "{method}");
        assert!(
            resp.header("allow").is_some_and(|a| a.contains("POST")),
            "{method}: {resp:?}"
        );
        assert_hardened(&resp);
    }
    untouched.check();
}

#[tokio::test]
async fn the_action_id_is_resolved_before_the_body_is_read() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let req = Req::post("/_actum/no.such.action.00000000")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "100000");
    // Only the head is sent: the 404 must come without the body.
    let resp = req.send_head_only(addr, b"n=1").await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), Some("unknown-action"));
    untouched.check();
}
