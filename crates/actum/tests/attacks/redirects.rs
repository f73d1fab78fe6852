//! Redirects: an action (or a form's return path) must not send the browser to another site,
//! inject headers through `Location`, or make the server fetch anything.
//!
//! Here the action itself is the one redirecting, so it runs (and counts its run); what each test
//! proves is that the redirect went nowhere: a 400 without `Location`, or the page's own path, and
//! no other data changed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actum::ActionsLayer;
use actum_testkit::{Req, assert_hardened};

use crate::app::{self, App, serve, serve_with};
use crate::url;

/// Posts `to` to the `go` action natively and by script; both must refuse it without a
/// `Location` or a `redirect`.
async fn assert_redirect_refused(addr: SocketAddr, to: &str) {
    let resp = Req::post(url(app::go)).form(&[("to", to)]).send(addr).await;
    assert_eq!(resp.status, 400, "native {to:?}: {}", resp.text());
    assert_eq!(resp.header("location"), None, "{to:?}");
    assert_hardened(&resp);
    let resp = Req::post(url(app::go))
        .script()
        .form(&[("to", to)])
        .send(addr)
        .await;
    assert_eq!(resp.status, 400, "script {to:?}: {}", resp.text());
    assert!(resp.json()["redirect"].is_null(), "{to:?}: {}", resp.text());
}

/// The app holds what it held at the start, but for `go`'s own runs.
fn assert_only_go_ran(app: &App, times: u64) {
    let mut expected = App::new().snapshot();
    expected.runs.insert("go", times);
    assert_eq!(app.snapshot(), expected);
}

#[tokio::test]
async fn open_redirect_shapes_are_refused() {
    let (addr, app) = serve().await;
    let shapes = [
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "\\/evil.example",
        "https://evil.example/",
        "http:evil.example",
        "https:///evil.example",
        "//evil.example@127.0.0.1/",
        "https://127.0.0.1@evil.example/",
        "/%2f%2fevil.example",
        "/%5cevil.example",
        "/\t/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example",
        "",
    ];
    for to in shapes {
        assert_redirect_refused(addr, to).await;
    }
    assert_only_go_ran(&app, 2 * shapes.len() as u64);
}

#[tokio::test]
async fn cr_lf_in_a_redirect_target_is_refused() {
    let (addr, app) = serve().await;
    let targets = [
        "/a\r\nSet-Cookie: session=attacker",
        "/a\nSet-Cookie: session=attacker",
        "/a\rX: y",
        "/%0d%0aSet-Cookie:%20session=attacker",
        "/%0D%0AX: y",
        "/a%0aX: y",
        "/a\u{0}b",
    ];
    for to in targets {
        assert_redirect_refused(addr, to).await;
        let resp = Req::post(url(app::go)).form(&[("to", to)]).send(addr).await;
        assert!(
            resp.all("set-cookie")
                .iter()
                .all(|c| !c.contains("attacker")),
            "{to:?}: {resp:?}"
        );
        assert_eq!(resp.header("x"), None, "{to:?}");
    }
    assert_only_go_ran(&app, 3 * targets.len() as u64);
}

#[tokio::test]
async fn allowed_redirect_host_near_misses_are_refused() {
    let layer = ActionsLayer::new().redirect_hosts(["https://accounts.example.com"]);
    let (addr, app) = serve_with(layer).await;
    let control = Req::post(url(app::go))
        .form(&[("to", "https://accounts.example.com/login")])
        .send(addr)
        .await;
    assert_eq!(control.status, 303, "the allowed host is accepted");
    let near_misses = [
        "http://accounts.example.com/login",
        "https://accounts.example.com.evil.io/",
        "https://accounts.example.com@evil.io/",
        "https://evil.io/accounts.example.com",
        "https://xaccounts.example.com/",
        "https://accounts.example.com:8443/",
        "https://accounts.example.com\\@evil.io/",
    ];
    for to in near_misses {
        assert_redirect_refused(addr, to).await;
    }
    assert_only_go_ran(&app, 1 + 2 * near_misses.len() as u64);
}

#[tokio::test]
async fn a_return_path_off_the_site_is_not_followed() {
    let (addr, app) = serve().await;
    let add = url(app::add);
    let pages = [
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example%2F",
        "%2F%5Cevil.example",
        "%2Fa%0D%0ASet-Cookie%3A%20x%3D1",
        "javascript%3Aalert(1)",
    ];
    for page in pages {
        // The action runs (the post is genuine); only the way back is the attacker's.
        let resp = Req::post(format!("{add}?r={page}"))
            .form(&[("n", "1")])
            .send(addr)
            .await;
        assert_eq!(resp.status, 303, "{page}");
        assert_eq!(resp.header("location"), Some("/"), "r={page}");
        assert!(resp.all("set-cookie").iter().all(|c| !c.starts_with("x=")));
    }
    let mut expected = App::new().snapshot();
    expected.runs.insert("add", pages.len() as u64);
    expected.total = pages.len() as i64;
    assert_eq!(app.snapshot(), expected, "only the genuine posts ran");
}

#[tokio::test]
async fn a_page_header_off_the_site_is_not_rendered_or_named() {
    let state = App::new();
    let addr = app::serve_router(app::wrapped_router(state.clone(), ActionsLayer::new())).await;
    for page in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let resp = Req::post(url(app::set_theme))
            .script()
            .header("actum-page", page)
            .form(&[("theme", "dark")])
            .send(addr)
            .await;
        assert_eq!(resp.status, 200, "{}", resp.text());
        let body = resp.json();
        let named = body["url"].as_str().unwrap_or_default();
        assert!(!named.contains("evil"), "{page}: {body}");
    }
    assert_eq!(state.runs("set_theme"), 3);
}

/// A listener that counts the connections it gets: the server must never connect to it.
async fn canary() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        while listener.accept().await.is_ok() {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    (addr, hits)
}

#[tokio::test]
async fn a_redirect_is_never_fetched_by_the_server() {
    let (canary, hits) = canary().await;
    let allowed = format!("http://{canary}");
    let state = App::new();
    let layer = ActionsLayer::new().redirect_hosts([allowed.as_str()]);
    let addr = app::serve_router(app::wrapped_router(state.clone(), layer)).await;
    // An allowed absolute target is named to the script, never rendered by the server.
    let resp = Req::post(url(app::go))
        .script()
        .form(&[("to", &format!("{allowed}/page"))])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json()["redirect"], format!("{allowed}/page"));
    assert!(resp.json().get("html").is_none());
    // A local target is rendered through the router in process, whatever `Host` claims.
    let resp = Req::post(url(app::go))
        .script()
        .header("host", &canary.to_string())
        .form(&[("to", "/page")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(resp.json()["html"].as_str().is_some());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the server connected out");
    assert_eq!(state.runs("go"), 2);
}
