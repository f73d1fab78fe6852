#![allow(unreachable_pub, missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // in tests a failed unwrap is a failed test
//! HTTP tests against a real server on 127.0.0.1, with a client that does not follow redirects.
//! Each rule has a case that passes and a case that is refused; every refusal also proves, with
//! the app's run counter, that the action's body did not run.

mod app;

use actum::{Action, ActionsLayer, KeyRing, RouterExt, TrustedProxies};
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
async fn other_methods_get_405_with_allow() {
    let (addr, app) = serve().await;
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let resp = Req::new(method, url(app::add)).send(addr).await;
        assert_eq!(resp.status, 405, "{method}");
        assert!(
            resp.header("allow").is_some_and(|a| a.contains("POST")),
            "{method}: {resp:?}"
        );
        assert_hardened(&resp);
    }
    assert_eq!(app.runs("add"), 0);
}

#[tokio::test]
async fn unknown_action_ids_are_told_apart() {
    let (addr, app) = serve().await;
    let resp = Req::post("/_actum/no.such.action.00000000")
        .script()
        .json(json!({ "n": 1 }))
        .send(addr)
        .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), Some("unknown-action"));
    assert_hardened(&resp);
    // An action's own 404 is not "unknown action".
    let resp = Req::post(app::rename.bind(99).to_string())
        .script()
        .json(json!({ "title": "x" }))
        .send(addr)
        .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), Some("envelope"));
    // An ordinary page's 404 is left alone.
    let resp = Req::get("/nope").send(addr).await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), None);
    assert_eq!(app.runs("add"), 0);
}

#[tokio::test]
async fn unmounted_actions_have_no_endpoint() {
    #[actum::action]
    async fn never_mounted(_: ()) -> u8 {
        1
    }
    // Callable as a function...
    assert_eq!(never_mounted(()).await, 1);
    // ...but not over HTTP.
    let (addr, _) = serve().await;
    let resp = Req::post(url(never_mounted))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.header("actum-answer"), Some("unknown-action"));
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
async fn cross_site_and_same_site_are_refused() {
    let (addr, app) = serve().await;
    for site in ["cross-site", "same-site", "bogus"] {
        let resp = Req::bare_post(url(app::add))
            .header("sec-fetch-site", site)
            .header("origin", "https://evil.example")
            .form(&[("n", "1")])
            .send(addr)
            .await;
        assert_eq!(resp.status, 403, "{site}");
        assert_hardened(&resp);
    }
    assert_eq!(app.runs("add"), 0);
}

#[tokio::test]
async fn origin_must_match_host_without_fetch_metadata() {
    let (addr, app) = serve().await;
    let own = format!("http://{addr}");
    let ok = Req::bare_post(url(app::add))
        .header("origin", &own)
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    for origin in [
        "http://evil.example",
        "null",
        "",
        "not a url",
        "http://127.0.0.1:1",
        "javascript:alert(1)",
    ] {
        let resp = Req::bare_post(url(app::add))
            .header("origin", origin)
            .form(&[("n", "1")])
            .send(addr)
            .await;
        assert_eq!(resp.status, 403, "origin {origin:?}");
    }
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn referer_is_the_last_browser_signal() {
    let (addr, app) = serve().await;
    let ok = Req::bare_post(url(app::add))
        .header("referer", &format!("http://{addr}/page"))
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(ok.status, 303);
    let bad = Req::bare_post(url(app::add))
        .header("referer", "http://evil.example/page")
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(bad.status, 403);
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn requests_without_browser_headers_are_refused_unless_allowed() {
    let (addr, app) = serve().await;
    let resp = Req::bare_post(url(app::add))
        .script()
        .json(json!({"n": 1}))
        .send(addr)
        .await;
    assert_eq!(resp.status, 403);
    assert_eq!(app.runs("add"), 0);

    let (addr, app) = serve_with(ActionsLayer::new().allow_non_browser(true)).await;
    let resp = Req::bare_post(url(app::add))
        .script()
        .json(json!({"n": 1}))
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    // Opting in for non-browsers does not let a cross-site browser through.
    let resp = Req::bare_post(url(app::add))
        .header("origin", "https://evil.example")
        .json(json!({"n": 1}))
        .send(addr)
        .await;
    assert_eq!(resp.status, 403);
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn allow_list_accepts_wildcard_origins() {
    let (addr, app) =
        serve_with(ActionsLayer::new().allowed_origins(["https://*.example.com"])).await;
    let ok = Req::bare_post(url(app::add))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://shop.example.com")
        .script()
        .json(json!({"n": 1}))
        .send(addr)
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    for origin in [
        "https://example.com",
        "https://a.b.example.com",
        "https://example.com.evil.io",
        "http://shop.example.com",
    ] {
        let resp = Req::bare_post(url(app::add))
            .header("sec-fetch-site", "cross-site")
            .header("origin", origin)
            .script()
            .json(json!({"n": 1}))
            .send(addr)
            .await;
        assert_eq!(resp.status, 403, "{origin}");
    }
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn forwarded_host_counts_only_from_trusted_proxies() {
    async fn spoof(addr: SocketAddr) -> Resp {
        Req::bare_post(url(app::add))
            .header("origin", "https://public.example")
            .header("x-forwarded-host", "public.example")
            .header("x-forwarded-proto", "https")
            .script()
            .json(json!({"n": 1}))
            .send(addr)
            .await
    }
    let (addr, app) = serve().await;
    assert_eq!(spoof(addr).await.status, 403);
    assert_eq!(app.runs("add"), 0);

    let proxies = TrustedProxies::list(["127.0.0.1"]).unwrap();
    let (addr, app) = serve_with(ActionsLayer::new().trusted_proxies(proxies)).await;
    assert_eq!(spoof(addr).await.status, 200);
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn origin_is_checked_before_the_body_is_read() {
    let (addr, app) = serve().await;
    let req = Req::bare_post(url(app::add))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "1000");
    let resp = req.send_head_only(addr, b"n=1").await;
    assert_eq!(resp.status, 403);
    assert_eq!(app.runs("add"), 0);
}

// ---------------------------------------------------------------- body limit and content type

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_reading() {
    let (addr, app) = serve().await;
    let req = Req::post(url(app::add))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", &(1024 * 1024 + 1).to_string());
    let resp = req.send_head_only(addr, b"n=1&").await;
    assert_eq!(resp.status, 413);
    assert_eq!(
        resp.text().trim_end(),
        "request body is larger than 1048576 bytes"
    );
    assert_eq!(app.runs("add"), 0);
}

#[tokio::test]
async fn body_limit_is_exact_for_each_content_type() {
    let (addr, app) = serve().await;
    let limit = 1024 * 1024;
    // JSON: padding with spaces is valid JSON.
    let doc = r#"{"n":1}"#;
    let at_limit = format!("{doc}{}", " ".repeat(limit - doc.len()));
    let resp = Req::post(url(app::add))
        .script()
        .header("content-type", "application/json")
        .body(at_limit.clone())
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let over = format!("{at_limit} ");
    let resp = Req::post(url(app::add))
        .script()
        .header("content-type", "application/json")
        .body(over)
        .send(addr)
        .await;
    assert_eq!(resp.status, 413);
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn a_chunked_body_is_cut_off_at_the_limit() {
    let (addr, app) = serve_with(ActionsLayer::new().body_limit(64)).await;
    let chunk = "n=1&n=1&n=1&n=1&n=1&n=1&n=1&n=1&n=1&n=1";
    let body = format!(
        "{:x}\r\n{chunk}\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len(),
        chunk.len()
    );
    let resp = Req::post(url(app::add))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("transfer-encoding", "chunked")
        .no_content_length()
        .body(body)
        .send(addr)
        .await;
    assert_eq!(resp.status, 413);
    assert_eq!(app.runs("add"), 0);
}

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

#[tokio::test]
async fn unsupported_content_types_get_415() {
    let (addr, app) = serve().await;
    for ct in [
        Some("text/plain"),
        Some("application/xml"),
        Some("text/plain; charset=utf-8"),
        None,
    ] {
        let mut req = Req::post(url(app::add)).body(r#"{"n":1}"#);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let resp = req.send(addr).await;
        assert_eq!(resp.status, 415, "{ct:?}");
    }
    // Case variants of the accepted ones are accepted.
    let resp = Req::post(url(app::add))
        .script()
        .header("content-type", "Application/JSON; Charset=UTF-8")
        .body(r#"{"n":1}"#)
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn a_body_that_trickles_past_the_time_limit_gets_408() {
    let (addr, app) = serve().await;
    // `quick` has a 200 ms time limit; the body never finishes arriving.
    let req = Req::post(url(app::quick))
        .header("content-type", "application/json")
        .header("content-length", "20");
    let started = std::time::Instant::now();
    let resp = req.send_head_only(addr, b"{\"ms\":").await;
    assert_eq!(resp.status, 408);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(app.runs("quick"), 0);
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

#[tokio::test]
async fn decoding_errors_name_the_field_and_do_not_run() {
    let (addr, app) = serve().await;
    let cases: Vec<(Req, u16, &str)> = vec![
        (
            Req::post(url(app::add)).script().form(&[("n", "abc")]),
            422,
            "n",
        ),
        (
            Req::post(url(app::add))
                .script()
                .form(&[("n", "1"), ("n", "2")]),
            422,
            "n",
        ),
        (
            Req::post(url(app::add))
                .script()
                .form(&[("n", "1"), ("m", "2")]),
            422,
            "m",
        ),
        (
            Req::post(url(app::add))
                .script()
                .form(&[("n", "99999999999999999999999")]),
            422,
            "n",
        ),
        (
            Req::post(url(app::add)).script().json(json!({ "n": "x" })),
            422,
            "n",
        ),
        (
            Req::post(url(app::add))
                .script()
                .json(json!({ "n": 1, "extra": 1 })),
            422,
            "extra",
        ),
        (
            Req::post(url(app::echo))
                .script()
                .json(json!({ "text": "a", "nested": { "a": -1 } })),
            422,
            "nested.a",
        ),
    ];
    for (req, status, field) in cases {
        let resp = req.send(addr).await;
        assert_eq!(resp.status, status, "{}", resp.text());
        let body = resp.json();
        assert_eq!(body["ok"], false);
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let named = body["error"]["fields"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            named.contains(field) || message.contains(field),
            "{field}: {body}"
        );
    }
    assert_eq!(app.runs("add"), 0);
    assert_eq!(app.runs("echo"), 0);
}

#[tokio::test]
async fn malformed_bodies_get_400() {
    let (addr, app) = serve().await;
    let too_deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let cases = [
        Req::post(url(app::add))
            .script()
            .header("content-type", "application/json")
            .body("{\"n\": 1"),
        Req::post(url(app::add))
            .script()
            .header("content-type", "application/json")
            .body(too_deep),
        Req::post(url(app::add))
            .script()
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"n=%FF%FE".to_vec()),
        Req::post(url(app::add))
            .script()
            .header("content-type", "multipart/form-data")
            .body("--x--"),
    ];
    for req in cases {
        let resp = req.send(addr).await;
        assert_eq!(resp.status, 400, "{}", resp.text());
    }
    assert_eq!(app.runs("add"), 0);
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

#[tokio::test]
async fn forged_bound_arguments_all_get_the_same_400() {
    let (addr, app) = serve().await;
    let good = app::rename.bind(2).to_string();
    let (path, query) = good.split_once('?').unwrap();
    let sealed = query
        .trim_start_matches("b=")
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let flipped = {
        let mut bytes = sealed.clone().into_bytes();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let other_action = app::remove.bind(2).to_string();
    let other_seal = other_action
        .split_once("b=")
        .unwrap()
        .1
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let other_key = {
        // A seal made under another key.
        let (addr2, _) = serve_with(ActionsLayer::new().key_ring(KeyRing::random())).await;
        let page = Req::get("/").send(addr2).await.text();
        let start = page.find("b=").unwrap() + 2;
        page[start..].split(['&', '"']).next().unwrap().to_owned()
    };
    let cases = [
        format!("{path}?b={flipped}"),
        format!("{path}?b={}", &sealed[..sealed.len() - 3]),
        format!("{path}?b={other_seal}"),
        format!("{path}?b={other_key}"),
        format!("{path}?b=garbage"),
        format!("{path}?b={}", "A".repeat(9000)),
        path.to_owned(),
    ];
    let mut bodies = Vec::new();
    for target in cases {
        let resp = Req::post(target.clone())
            .script()
            .form(&[("title", "hacked")])
            .send(addr)
            .await;
        assert_eq!(resp.status, 400, "{target}: {}", resp.text());
        bodies.push(resp.json()["error"]["message"].clone());
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every failure answers the same: {bodies:?}"
    );
    assert_eq!(app.runs("rename"), 0);
    assert_eq!(app.data().items[&2], "item 2");
}

#[tokio::test]
async fn a_plain_field_cannot_set_a_bound_parameter() {
    let (addr, app) = serve().await;
    let resp = Req::post(app::rename.bind(1).to_string())
        .script()
        .form(&[("title", "x"), ("id", "2")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 422, "{}", resp.text());
    assert_eq!(app.runs("rename"), 0);
    let resp = Req::post(format!("{}?id=2", url(app::rename)))
        .script()
        .form(&[("title", "x")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 400);
    assert_eq!(app.runs("rename"), 0);
    assert_eq!(app.data().items[&2], "item 2");
}

#[tokio::test]
async fn expired_bound_arguments_are_refused() {
    let (addr, app) = serve().await;
    let fresh = app::rename
        .bind_for(1, std::time::Duration::from_secs(60))
        .to_string();
    let resp = Req::post(fresh)
        .script()
        .form(&[("title", "ok")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    let expired = app::rename
        .bind_for(1, std::time::Duration::ZERO)
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let resp = Req::post(expired)
        .script()
        .form(&[("title", "late")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 400);
    assert_eq!(app.runs("rename"), 1);
}

#[tokio::test]
async fn key_rotation_opens_old_seals_until_the_old_key_is_dropped() {
    let old_secret = KeyRing::generate_secret();
    let new_secret = KeyRing::generate_secret();
    let ring = |text: &str| KeyRing::parse(text).unwrap();
    let (addr, _) = serve_with(ActionsLayer::new().key_ring(ring(&old_secret))).await;
    let page = Req::get("/").send(addr).await.text();
    let start = page.find("action=\"").unwrap() + 8;
    let sealed_target = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");

    let rotated = ring(&format!("{new_secret},{old_secret}"));
    let (addr, app) = serve_with(ActionsLayer::new().key_ring(rotated)).await;
    let resp = Req::post(sealed_target.clone())
        .script()
        .form(&[("title", "rotated")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(app.runs("rename"), 1);

    let (addr, app) = serve_with(ActionsLayer::new().key_ring(ring(&new_secret))).await;
    let resp = Req::post(sealed_target)
        .script()
        .form(&[("title", "too old")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 400);
    assert_eq!(app.runs("rename"), 0);
}

// ---------------------------------------------------------------- running the action

#[tokio::test]
async fn the_time_limit_answers_503() {
    let (addr, app) =
        serve_with(ActionsLayer::new().time_limit(std::time::Duration::from_millis(300))).await;
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
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(app.runs("sleep"), 1, "the timed-out action was cancelled");
    assert_eq!(app.runs("quick"), 0);
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
    assert_eq!(add_json(addr, 1).await.status, 200);
    assert_eq!(app.runs("boom"), 1);
}

#[tokio::test]
async fn internal_errors_hide_their_cause() {
    let (addr, _) = serve().await;
    let resp = Req::post(url(app::fail))
        .script()
        .json(json!(null))
        .send(addr)
        .await;
    assert_eq!(resp.status, 500);
    assert!(resp.json()["error"]["digest"].is_string());
    // Debug builds add the cause for the developer; release builds must not.
    if !cfg!(debug_assertions) {
        assert!(!resp.text().contains("hunter2"));
    }
}

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
async fn open_redirects_are_refused() {
    let (addr, app) = serve().await;
    for to in [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/a\r\nSet-Cookie: x=1",
        "/%0d%0aX: y",
    ] {
        let resp = Req::post(url(app::go)).form(&[("to", to)]).send(addr).await;
        assert_eq!(resp.status, 400, "{to:?}");
        assert_eq!(resp.header("location"), None, "{to:?}");
    }
    assert_eq!(app.runs("go"), 6);
    // An allowed host is accepted.
    let (addr, _) =
        serve_with(ActionsLayer::new().redirect_hosts(["https://accounts.example.com"])).await;
    let resp = Req::post(url(app::go))
        .form(&[("to", "https://accounts.example.com/login")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 303);
}

#[tokio::test]
async fn cookies_set_by_an_action_have_secure_defaults_and_reach_the_page() {
    let (addr, _) = serve().await;
    let resp = Req::post(url(app::set_theme))
        .script()
        .form(&[("theme", "dark")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    let cookie = resp
        .all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("theme="))
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    assert_eq!(
        resp.json()["revalidated"],
        json!({ "paths": ["/"], "layouts": [], "tags": ["theme"], "refresh": false })
    );
    let page = Req::get("/")
        .header("cookie", "theme=dark")
        .send(addr)
        .await;
    assert!(page.text().contains("data-theme=\"dark\""));
    // Over https (as the Origin says) cookies are Secure.
    let resp = Req::bare_post(url(app::set_theme))
        .header("sec-fetch-site", "same-origin")
        .header("origin", "https://app.example")
        .script()
        .form(&[("theme", "x")])
        .send(addr)
        .await;
    assert!(resp.header("set-cookie").unwrap().contains("Secure"));
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

// ---------------------------------------------------------------- the server's own timeouts

#[tokio::test]
async fn actum_serve_drops_a_client_that_sends_its_headers_too_slowly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app::router(App::new(), ActionsLayer::new());
    tokio::spawn(
        actum::Server::new(listener)
            .header_read_timeout(std::time::Duration::from_millis(300))
            .serve(router),
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut rest),
    )
    .await;
    assert!(
        read.is_ok(),
        "the server kept a connection whose headers never finished"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    // A client that sends its request in time is served, with its address known (ConnectInfo).
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

#[tokio::test]
async fn past_the_concurrency_cap_an_action_gets_503_with_retry_after() {
    let (addr, app) = serve_with(ActionsLayer::new().max_concurrent_actions(1)).await;
    let slow_request = Req::post(url(app::sleep))
        .script()
        .json(json!({ "ms": 600 }));
    let slow = tokio::spawn(async move { slow_request.send(addr).await });
    // Wait until the slow action holds the only permit.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let resp = add_json(addr, 1).await;
    assert_eq!(resp.status, 503);
    assert_eq!(resp.header("retry-after"), Some("1"));
    assert_eq!(app.runs("add"), 0);
    assert_eq!(slow.await.unwrap().status, 200);
    // Once it is done, the permit is back.
    assert_eq!(add_json(addr, 1).await.status, 200);
    assert_eq!(app.runs("add"), 1);
}
