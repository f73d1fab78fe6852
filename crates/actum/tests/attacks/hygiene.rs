//! Response hygiene: every answer on an action path is private (`no-store`) and typed
//! (`nosniff`), cookies carry safe attributes, and nothing a client sends can add a header.

use actum::{Action, ActionsLayer};
use actum_testkit::{Req, Resp, assert_hardened};
use serde_json::json;

use crate::app::{self, App, serve};
use crate::{Untouched, url};

#[tokio::test]
async fn every_kind_of_action_answer_is_no_store_and_nosniff() {
    let (addr, _) = serve().await;
    let add = url(app::add);
    let answers = [
        Req::post(&add).script().json(json!({ "n": 1 })),
        Req::post(&add).form(&[("n", "1")]),
        Req::post(&add).form(&[("n", "x")]),
        Req::bare_post(&add).form(&[("n", "1")]),
        Req::post("/_actum/no.such.action").form(&[("n", "1")]),
        Req::get(&add),
        Req::post(&add).content_length(2 << 20),
        Req::post(&add)
            .header("content-type", "text/plain")
            .body("n=1"),
        Req::post(&add)
            .header("content-type", "application/json")
            .body("{"),
        Req::post(url(app::boom)).json(json!(null)),
        Req::post(url(app::boom)).script().json(json!(null)),
        Req::post(app::remove.bind(42).to_string()).form(&[]),
        Req::post(url(app::whoami)).json(json!(null)),
    ];
    let mut statuses = Vec::new();
    for req in answers {
        let resp = req.send(addr).await;
        assert_hardened(&resp);
        statuses.push(resp.status);
    }
    assert_eq!(
        statuses,
        [
            200, 303, 303, 403, 404, 405, 413, 415, 400, 500, 500, 404, 401
        ]
    );
}

/// The `Set-Cookie` line of `name` in `resp`.
fn set_cookie<'a>(resp: &'a Resp, name: &str) -> &'a str {
    resp.all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie: {resp:?}"))
}

#[tokio::test]
async fn cookies_set_by_an_action_are_http_only_same_site_and_secure_over_https() {
    let (addr, _) = serve().await;
    let resp = Req::post(url(app::set_theme))
        .script()
        .form(&[("theme", "dark")])
        .send(addr)
        .await;
    let cookie = set_cookie(&resp, "theme");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    // Over https (as the Origin says) cookies are Secure.
    let resp = Req::bare_post(url(app::set_theme))
        .header("sec-fetch-site", "same-origin")
        .header("origin", "https://app.example")
        .script()
        .form(&[("theme", "x")])
        .send(addr)
        .await;
    assert!(set_cookie(&resp, "theme").contains("Secure"));
    // Forced on, whatever the request says.
    let (addr, _) = app::serve_with(ActionsLayer::new().secure_cookies(true)).await;
    let resp = Req::post(url(app::set_theme))
        .script()
        .form(&[("theme", "x")])
        .send(addr)
        .await;
    assert!(set_cookie(&resp, "theme").contains("Secure"));
}

#[tokio::test]
async fn the_form_state_cookie_is_http_only_same_site_and_short_lived() {
    let (addr, _) = serve().await;
    let resp = Req::post(url(app::add))
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 303);
    let cookie = set_cookie(&resp, "actum_fs");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=300"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("actum_fs=");
    assert_eq!(token.len(), 22, "a 128-bit token: {cookie}");
}

#[tokio::test]
async fn a_cookie_value_cannot_inject_a_header_or_an_attribute() {
    let (addr, app) = serve().await;
    let values = [
        "dark\r\nSet-Cookie: session=attacker",
        "dark\nX-Injected: 1",
        "dark; Domain=evil.example; Path=/admin",
        "dark, session=attacker",
        "dark\u{0}",
    ];
    for value in values {
        for script in [false, true] {
            let req = Req::post(url(app::set_theme)).form(&[("theme", value)]);
            let req = if script { req.script() } else { req };
            // `set_theme` is meant to run: the attack is the value it stores in the cookie.
            let resp = req.send(addr).await;
            assert!(
                resp.status == 200 || resp.status == 303,
                "{value:?}: {resp:?}"
            );
            assert_eq!(resp.header("x-injected"), None, "{value:?}");
            let cookies = resp.all("set-cookie");
            assert!(
                cookies.iter().all(|c| !c.starts_with("session=")),
                "{value:?}: {cookies:?}"
            );
            let theme = set_cookie(&resp, "theme");
            let attributes: Vec<&str> = theme.split(';').skip(1).map(str::trim).collect();
            assert_eq!(
                attributes,
                ["HttpOnly", "SameSite=Lax", "Path=/"],
                "{value:?}: {theme}"
            );
        }
    }
    let mut expected = App::new().snapshot();
    expected.runs.insert("set_theme", 2 * values.len() as u64);
    assert_eq!(app.snapshot(), expected);
}

#[tokio::test]
async fn a_cookie_value_cannot_inject_a_header_into_the_rerendered_page() {
    let state = App::new();
    let addr = app::serve_router(app::wrapped_router(state.clone(), ActionsLayer::new())).await;
    let resp = Req::post(url(app::set_theme))
        .script()
        .header("actum-page", "/")
        .form(&[("theme", "dark\r\nX-Injected: 1")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("x-injected"), None);
    let html = resp.json()["html"].as_str().unwrap_or_default().to_owned();
    assert!(!html.contains("X-Injected: 1\r"), "{html}");
    assert_eq!(state.runs("set_theme"), 1);
}

#[tokio::test]
async fn reflected_input_is_never_served_as_html() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let script = "<script>alert(1)</script>";
    let long = "x".repeat(200 * 1024);
    for req in [
        Req::post(url(app::add)).form(&[(script, &long)]),
        Req::post(url(app::add))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("{script}=%")),
        Req::post(url(app::add)).script().form(&[("n", script)]),
    ] {
        let resp = req.send(addr).await;
        let content_type = resp.header("content-type").unwrap_or_default();
        assert!(
            !content_type.starts_with("text/html") || !resp.text().contains(script),
            "{resp:?}"
        );
        assert_hardened(&resp);
    }
    untouched.check();
}
