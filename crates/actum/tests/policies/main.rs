#![allow(unreachable_pub, missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // in tests a failed unwrap is a failed test
//! Policies over real HTTP on 127.0.0.1: concurrency per action and session (concurrent
//! requests), exactly-once keys (retries, double posts, native tokens), rate limits, and the
//! attack-surface report. Every refusal proves, with the app's counters, that the action's body
//! did not run.

mod app;

use std::net::SocketAddr;
use std::time::Duration;

use actum::prelude::*;
use actum::{ActionsLayer, RateLimit, RateLimitKey, SessionKey};
use actum_testkit::{Req, Resp, assert_hardened};
use app::{serve, serve_with};
use serde_json::json;

fn url<M, A: actum::Action<M>>(action: A) -> String {
    action.url().to_string()
}

/// A script call with `body` as JSON, as the browser with `cookies` sends it.
fn call(path: &str, body: serde_json::Value, cookies: &str) -> Req {
    Req::post(path).script().cookies(cookies).json(body)
}

/// Sends `req` (owning it, so a closure can return the future).
async fn sent(req: Req, addr: SocketAddr) -> Resp {
    req.send(addr).await
}

/// Sends both requests at once (the second 50 ms after the first).
async fn both(addr: SocketAddr, first: Req, second: Req) -> (Resp, Resp) {
    let first = tokio::spawn(async move { first.send(addr).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = second.send(addr).await;
    (first.await.expect("first call"), second)
}

const ALICE: &str = "actum_sid=alice-session-0001";
const BOB: &str = "actum_sid=bob-session-00001";

// ------------------------------------------------------------------------------- concurrency

#[tokio::test]
async fn parallel_calls_of_one_session_overlap() {
    let (addr, app) = serve().await;
    let path = url(app::parallel);
    let work = json!({ "ms": 300 });
    let (a, b) = both(
        addr,
        call(&path, work.clone(), ALICE),
        call(&path, work, ALICE),
    )
    .await;
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(app.most_at_once("parallel"), 2);
}

#[tokio::test]
async fn serial_runs_one_call_at_a_time_per_session() {
    let (addr, app) = serve().await;
    let path = url(app::serial);
    let work = json!({ "ms": 300 });
    let (a, b) = both(
        addr,
        call(&path, work.clone(), ALICE),
        call(&path, work.clone(), ALICE),
    )
    .await;
    assert_eq!((a.status, b.status), (200, 200), "{}", b.text());
    assert_eq!(app.most_at_once("serial"), 1, "the second call waited");
    assert_eq!(app.finished("serial"), 2);
    // Two sessions are not serialized with each other.
    let (a, b) = both(
        addr,
        call(&path, work.clone(), ALICE),
        call(&path, work, BOB),
    )
    .await;
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(app.most_at_once("serial"), 2);
}

#[tokio::test]
async fn latest_cancels_the_older_call_which_answers_superseded() {
    let (addr, app) = serve().await;
    let path = url(app::latest);
    let older = call(&path, json!({ "ms": 2000 }), ALICE);
    let newer = call(&path, json!({ "ms": 10 }), ALICE);
    let (older, newer) = both(addr, older, newer).await;
    assert_eq!(newer.status, 200);
    assert_eq!(newer.json()["result"], json!({ "ms": 10 }));
    assert_eq!(older.status, 409);
    assert_eq!(older.header("actum-policy"), Some("superseded"));
    assert_eq!(older.header("actum-answer"), Some("rejected"));
    assert_eq!(
        older.json()["error"]["message"],
        "a newer call of this action replaced this one"
    );
    assert_hardened(&older);
    assert_eq!(app.started("latest"), 2);
    assert_eq!(
        app.finished("latest"),
        1,
        "the older body was stopped where it stood"
    );
    // Native posts get the same refusal as text.
    let older = Req::post(&path).cookies(BOB).form(&[("ms", "2000")]);
    let newer = call(&path, json!({ "ms": 10 }), BOB);
    let (older, _) = both(addr, older, newer).await;
    assert_eq!(older.status, 409);
    assert_eq!(older.header("actum-policy"), Some("superseded"));
    assert!(older.text().contains("a newer call"), "{}", older.text());
}

#[tokio::test]
async fn drop_refuses_a_call_while_the_sessions_previous_one_runs() {
    let (addr, app) = serve().await;
    let path = url(app::dropping);
    let first = call(&path, json!({ "ms": 400 }), ALICE);
    let second = call(&path, json!({ "ms": 400 }), ALICE);
    let (first, second) = both(addr, first, second).await;
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 409);
    assert_eq!(second.header("actum-policy"), Some("dropped"));
    assert_eq!(
        second.json()["error"]["message"],
        "this action is already running for you: wait for it to finish"
    );
    assert_eq!(app.started("dropping"), 1, "the dropped call did not run");
    // Once the first has ended, the next call runs; another session never waited.
    let third = call(&path, json!({ "ms": 1 }), ALICE).send(addr).await;
    assert_eq!(third.status, 200);
    let (a, b) = both(
        addr,
        call(&path, json!({ "ms": 300 }), ALICE),
        call(&path, json!({ "ms": 1 }), BOB),
    )
    .await;
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(app.started("dropping"), 4);
}

#[tokio::test]
async fn a_call_without_a_session_gets_one_and_is_keyed_by_its_address_meanwhile() {
    let (addr, app) = serve().await;
    let path = url(app::dropping);
    let resp = call(&path, json!({ "ms": 1 }), "").send(addr).await;
    assert_eq!(resp.status, 200);
    let cookie = resp.set_cookie("actum_sid").expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let sid = resp.cookie_value("actum_sid").unwrap();
    assert_eq!(sid.len(), 22);
    // With the cookie, no new one.
    let again = call(&path, json!({ "ms": 1 }), &format!("actum_sid={sid}"))
        .send(addr)
        .await;
    assert_eq!(again.set_cookie("actum_sid"), None);
    // Without a cookie, two calls from one address are one session.
    let (a, b) = both(
        addr,
        call(&path, json!({ "ms": 300 }), ""),
        call(&path, json!({ "ms": 300 }), ""),
    )
    .await;
    assert_eq!((a.status, b.status), (200, 409));
    // Parallel actions need no session: no cookie.
    let resp = call(&url(app::parallel), json!({ "ms": 1 }), "")
        .send(addr)
        .await;
    assert_eq!(resp.set_cookie("actum_sid"), None);
    assert_eq!(app.started("dropping"), 3);
}

#[tokio::test]
async fn the_apps_session_key_names_the_session() {
    let layer = ActionsLayer::new().session_key(SessionKey::new(|parts| {
        Some(parts.headers.get("x-user")?.to_str().ok()?.to_owned())
    }));
    let (addr, app) = serve_with(layer).await;
    let path = url(app::dropping);
    // Two browsers (cookies) of one user: one session.
    let (a, b) = both(
        addr,
        call(&path, json!({ "ms": 300 }), ALICE).header("x-user", "ann"),
        call(&path, json!({ "ms": 300 }), BOB).header("x-user", "ann"),
    )
    .await;
    assert_eq!((a.status, b.status), (200, 409));
    assert_eq!(a.set_cookie("actum_sid"), None, "the app names sessions");
    assert_eq!(app.started("dropping"), 1);
}

// ------------------------------------------------------------------------------- exactly once

const KEY: &str = "key-0123456789abcdef";

/// The envelope without the page re-rendered into it, which shows the page as it is now (its
/// forms with new one-time tokens).
fn envelope(resp: &Resp) -> serde_json::Value {
    let mut json = resp.json();
    let html = json.as_object_mut().unwrap().remove("html");
    assert!(html.is_some(), "the page is re-rendered: {json}");
    json
}

#[tokio::test]
async fn a_retry_with_the_same_key_runs_once_and_gets_the_first_answer() {
    let (addr, app) = serve().await;
    let path = url(app::bump);
    let first = call(&path, json!({ "n": 5 }), ALICE)
        .header("actum-idempotency-key", KEY)
        .send(addr)
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["result"], 5);
    let retry = call(&path, json!({ "n": 5 }), ALICE)
        .header("actum-idempotency-key", KEY)
        .send(addr)
        .await;
    assert_eq!(retry.status, first.status);
    assert_eq!(envelope(&retry), envelope(&first));
    assert_eq!(retry.all("set-cookie"), first.all("set-cookie"));
    assert_eq!(retry.cookie_value("last_bump"), Some("5"));
    assert_eq!(retry.header("actum-policy"), Some("replayed"));
    assert_eq!(first.header("actum-policy"), None);
    assert_hardened(&retry);
    assert_eq!(app.started("bump"), 1);
    assert_eq!(app.data().total, 5);
    // Another key is another call.
    let other = call(&path, json!({ "n": 5 }), ALICE)
        .header("actum-idempotency-key", "key-another-one-000")
        .send(addr)
        .await;
    assert_eq!(other.json()["result"], 10);
    assert_eq!(app.started("bump"), 2);
}

#[tokio::test]
async fn a_second_call_while_the_first_runs_waits_for_its_answer() {
    let (addr, app) = serve().await;
    let path = url(app::bump);
    let first = call(&path, json!({ "n": 2 }), ALICE).header("actum-idempotency-key", KEY);
    let (a, b) = both(addr, first.clone(), first).await;
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(envelope(&a), envelope(&b));
    assert_eq!(b.header("actum-policy"), Some("replayed"));
    assert_eq!(app.started("bump"), 1);
    assert_eq!(app.data().total, 2);
}

#[tokio::test]
async fn errors_are_outcomes_too() {
    let (addr, app) = serve().await;
    let path = url(app::bump);
    let send = || {
        let req = call(&path, json!({ "n": 0 }), ALICE).header("actum-idempotency-key", KEY);
        sent(req, addr)
    };
    let first = send().await;
    assert_eq!(first.status, 409);
    let retry = send().await;
    assert_eq!(retry.status, 409);
    assert_eq!(
        retry.body, first.body,
        "the same error, with the same digest"
    );
    assert_eq!(app.started("bump"), 1);
}

#[tokio::test]
async fn a_call_refused_before_it_ran_releases_its_key() {
    let (addr, app) = serve().await;
    let path = url(app::bump);
    let bad = call(&path, json!({ "n": "five" }), ALICE)
        .header("actum-idempotency-key", KEY)
        .send(addr)
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(app.started("bump"), 0);
    // The key covers the form: the same key with other fields is another call.
    let good = call(&path, json!({ "n": 5 }), ALICE)
        .header("actum-idempotency-key", KEY)
        .send(addr)
        .await;
    assert_eq!(good.status, 200, "{}", good.text());
    assert_eq!(good.header("actum-policy"), None);
    assert_eq!(app.started("bump"), 1);
    // An extractor's refusal releases it as well.
    let path = app::rename.bind(7).to_string();
    let refused = call(&path, json!({ "n": 1 }), ALICE)
        .header("actum-idempotency-key", KEY)
        .send(addr)
        .await;
    assert_eq!(refused.status, 401);
    let signed_in = call(&path, json!({ "n": 1 }), ALICE)
        .header("actum-idempotency-key", KEY)
        .header("x-user", "ann")
        .send(addr)
        .await;
    assert_eq!(signed_in.json()["result"], "ann:7:1");
}

#[tokio::test]
async fn keys_are_scoped_to_the_action_and_the_browser() {
    let (addr, app) = serve().await;
    let path = url(app::bump);
    for cookies in [ALICE, BOB] {
        let resp = call(&path, json!({ "n": 1 }), cookies)
            .header("actum-idempotency-key", KEY)
            .send(addr)
            .await;
        assert_eq!(resp.header("actum-policy"), None, "{cookies}");
    }
    assert_eq!(app.started("bump"), 2);
    let resp = call(&url(app::limited), json!({ "n": 1 }), ALICE)
        .header("actum-idempotency-key", KEY)
        .send(addr)
        .await;
    assert_eq!(resp.header("actum-policy"), None);
    assert_eq!(app.started("limited"), 1);
}

#[tokio::test]
async fn a_malformed_key_is_refused() {
    let (addr, app) = serve().await;
    for key in ["short", "has spaces in it ok?", &"x".repeat(129)] {
        let resp = call(&url(app::bump), json!({ "n": 1 }), ALICE)
            .header("actum-idempotency-key", key)
            .send(addr)
            .await;
        assert_eq!(resp.status, 400, "{key}");
        assert!(
            resp.json()["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("invalid idempotency key")
        );
    }
    assert_eq!(app.started("bump"), 0);
}

#[tokio::test]
async fn an_action_can_opt_out() {
    let (addr, app) = serve().await;
    for _ in 0..2 {
        let resp = call(&url(app::bump_always), json!({ "n": 1 }), ALICE)
            .header("actum-idempotency-key", KEY)
            .send(addr)
            .await;
        assert_eq!(resp.header("actum-policy"), None);
    }
    assert_eq!(app.started("bump_always"), 2);
}

#[tokio::test]
async fn outcomes_expire() {
    let layer = ActionsLayer::new().exactly_once_lifetime(Duration::from_millis(200));
    let (addr, app) = serve_with(layer).await;
    let send = || {
        let req = call(&url(app::bump), json!({ "n": 1 }), ALICE);
        sent(req.header("actum-idempotency-key", KEY), addr)
    };
    assert_eq!(send().await.header("actum-policy"), None);
    assert_eq!(send().await.header("actum-policy"), Some("replayed"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(send().await.header("actum-policy"), None);
    assert_eq!(app.started("bump"), 2);
}

#[tokio::test]
async fn a_native_form_carries_a_one_time_token() {
    let (addr, app) = serve().await;
    let page = Req::get("/").send(addr).await;
    let action = actum_testkit::form_action(&page.text(), "bump");
    assert!(action.contains("k="), "{action}");
    let token = action
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("k="))
        .unwrap();
    assert_eq!(token.len(), 22);
    // A second render has another token.
    let again = actum_testkit::form_action(&Req::get("/").send(addr).await.text(), "bump");
    assert_ne!(action, again);
    // A double post (the browser sends the form twice): one run, the same 303 and cookies.
    let post = Req::post(&action).form(&[("n", "3")]);
    let (first, second) = both(addr, post.clone(), post.clone()).await;
    assert_eq!((first.status, second.status), (303, 303));
    assert_eq!(first.location(), second.location());
    assert_eq!(first.all("set-cookie"), second.all("set-cookie"));
    assert_eq!(second.header("actum-policy"), Some("replayed"));
    assert_eq!(app.started("bump"), 1);
    // The page shows the outcome once, for the form state cookie it set.
    let page = Req::get("/")
        .cookies(&first.cookies_to_send())
        .send(addr)
        .await;
    assert!(
        page.text().contains(r#"<output id="total">3</output>"#),
        "{}",
        page.text()
    );
    // A retry later (Reload on the POST) still does not run it again.
    let retry = post.send(addr).await;
    assert_eq!(retry.status, 303);
    assert_eq!(app.started("bump"), 1);
    assert_eq!(app.data().total, 3);
}

#[tokio::test]
async fn a_native_retry_of_a_script_call_gets_its_outcome_as_a_native_answer() {
    // client.js falls back to a native post, with its call's key in `k`, when the call's answer
    // was lost: the action ran, and the browser gets the 303 a native post would have.
    let (addr, app) = serve().await;
    let path = url(app::bump);
    let script = Req::post(&path)
        .script()
        .cookies(ALICE)
        .header("actum-page", "/")
        .header("actum-idempotency-key", KEY)
        .form(&[("n", "4")])
        .send(addr)
        .await;
    assert_eq!(script.status, 200);
    let native = Req::post(format!("{path}?k={KEY}&r=%2F"))
        .cookies(ALICE)
        .form(&[("n", "4")])
        .send(addr)
        .await;
    assert_eq!(native.status, 303);
    assert_eq!(native.location(), "/");
    assert_eq!(native.header("actum-policy"), Some("replayed"));
    assert_eq!(native.cookie_value("last_bump"), Some("4"));
    let page = Req::get("/")
        .cookies(&format!("{ALICE}; {}", native.cookies_to_send()))
        .send(addr)
        .await;
    assert!(
        page.text().contains(r#"<output id="total">4</output>"#),
        "{}",
        page.text()
    );
    assert_eq!(app.started("bump"), 1);
}

// ------------------------------------------------------------------------------- rate limits

#[tokio::test]
async fn past_its_rate_limit_a_call_gets_429_before_its_body_is_read() {
    let (addr, app) = serve().await;
    let path = url(app::limited);
    for n in 1..=2 {
        let resp = call(&path, json!({ "n": n }), ALICE).send(addr).await;
        assert_eq!(resp.status, 200);
    }
    // The head alone: the answer comes before any byte of the body.
    let over = Req::post(&path)
        .script()
        .header("content-type", "application/json")
        .content_length(1000)
        .send_head_only(addr, b"")
        .await;
    assert_eq!(over.status, 429);
    assert_eq!(over.header("actum-policy"), Some("rate-limited"));
    let retry_after: u64 = over.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(
        over.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("too many calls: try again in")
    );
    assert_hardened(&over);
    // Native posts too.
    let native = Req::post(&path).form(&[("n", "1")]).send(addr).await;
    assert_eq!(native.status, 429);
    assert!(native.header("retry-after").is_some());
    assert_eq!(app.started("limited"), 2);
}

#[tokio::test]
async fn callers_are_told_apart_by_the_apps_key() {
    let layer = ActionsLayer::new().rate_limit_key(RateLimitKey::new(|parts| {
        Some(parts.headers.get("x-user")?.to_str().ok()?.to_owned())
    }));
    let (addr, app) = serve_with(layer).await;
    let path = url(app::limited);
    let send = |user: &'static str| {
        let req = call(&path, json!({ "n": 1 }), "").header("x-user", user);
        sent(req, addr)
    };
    assert_eq!(send("ann").await.status, 200);
    assert_eq!(send("ann").await.status, 200);
    assert_eq!(send("ann").await.status, 429);
    assert_eq!(
        send("bob").await.status,
        200,
        "another user has their own count"
    );
    assert_eq!(app.started("limited"), 3);
}

#[tokio::test]
async fn the_layers_rate_limit_applies_to_actions_without_their_own() {
    let layer = ActionsLayer::new()
        .rate_limit(RateLimit::new(1, Duration::from_millis(400)))
        .rate_limit_key(RateLimitKey::session());
    let (addr, app) = serve_with(layer).await;
    let path = url(app::unlimited);
    let send = |cookies: &'static str| sent(call(&path, json!(null), cookies), addr);
    assert_eq!(send(ALICE).await.status, 200);
    assert_eq!(send(ALICE).await.status, 429);
    assert_eq!(send(BOB).await.status, 200, "keyed by session");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(send(ALICE).await.status, 200, "a new window");
    assert_eq!(app.started("unlimited"), 3);
    // The action's own limit wins over the layer's.
    let limited = url(app::limited);
    for _ in 0..2 {
        assert_eq!(
            call(&limited, json!({ "n": 1 }), ALICE)
                .send(addr)
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn a_retry_counts_against_the_rate_limit_but_does_not_run_again() {
    // The limit is checked before the body is read, the key after (it covers the form).
    let (addr, app) = serve().await;
    let path = url(app::limited);
    let keyed = || {
        let req = call(&path, json!({ "n": 1 }), ALICE);
        sent(req.header("actum-idempotency-key", KEY), addr)
    };
    assert_eq!(keyed().await.status, 200);
    let retry = keyed().await;
    assert_eq!(retry.header("actum-policy"), Some("replayed"));
    assert_eq!(keyed().await.status, 429);
    assert_eq!(app.started("limited"), 1);
}

// ------------------------------------------------------------------------------- the listing

#[tokio::test]
async fn the_surface_report_lists_limits_policies_bound_arguments_and_auth() {
    let _ = serve().await; // mounts the actions
    let json = actum::surface_report().to_json();
    let find = |name: &str| {
        json["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name && a["module"].as_str().unwrap().ends_with("app"))
            .unwrap_or_else(|| panic!("{name} is listed"))
            .clone()
    };
    let serial = find("serial");
    assert_eq!(serial["concurrency"], "serial");
    assert_eq!(serial["path"], format!("/_actum/{}", app::serial.id()));
    assert_eq!(serial["exactly_once"], true);
    assert_eq!(find("latest")["concurrency"], "latest");
    assert_eq!(find("dropping")["concurrency"], "drop");
    assert_eq!(find("parallel")["concurrency"], "parallel");
    assert_eq!(find("limited")["rate_limit"], "2/60s");
    assert_eq!(find("unlimited")["rate_limit"], serde_json::Value::Null);
    assert_eq!(find("bump_always")["exactly_once"], false);
    let rename = find("rename");
    assert_eq!(rename["authenticated"], true);
    assert_eq!(rename["bound"], json!([{ "name": "id", "type": "u64" }]));
    assert_eq!(find("bump")["authenticated"], false);
    assert_eq!(find("bump")["body_limit"], serde_json::Value::Null);
    let table = actum::surface_report().to_string();
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with("action") && header.ends_with("auth"),
        "{header}"
    );
    let row = table.lines().find(|l| l.contains("::rename ")).unwrap();
    assert!(
        row.contains("id: u64") && row.trim_end().ends_with("yes"),
        "{row}"
    );
    let row = table.lines().find(|l| l.contains("::limited ")).unwrap();
    assert!(row.contains("2/60s"), "{row}");
}
