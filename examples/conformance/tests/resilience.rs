//! Black-box tests of `docs/resilience.md` against the real fixture binary: action IDs across a
//! redeploy, a native post from a page of the previous deploy, and cancellation when the caller
//! goes away. `GET /__log` proves what ran.

// Shared with `blackbox.rs`; this file uses only part of it.
#[allow(dead_code)]
mod common;

use std::io::Write as _;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use actum_testkit::{Page, Req};
use serde_json::json;

use common::page::FixturePage;
use common::server::{Options, SendTo, Server};

/// One key for both deploys, as a real deployment keeps its `ACTUM_SECRET_KEY`.
const SECRET_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// What the stale form shows, with JavaScript off or on.
const STALE_MESSAGE: &str =
    "this page was out of date: it has been reloaded; check and submit again";

fn deploy(n: u8) -> Server {
    Server::start_with(&Options {
        secret_key: Some(SECRET_KEY.to_owned()),
        deploy: Some(n),
        ..Options::default()
    })
}

/// The ids of every form on the fixture's page, in order.
fn form_ids(page: &Page, html: &str) -> Vec<String> {
    html.match_indices("<form id=\"")
        .map(|(at, _)| {
            let rest = &html[at + 10..];
            rest[..rest.find('"').expect("the id attribute ends")].to_owned()
        })
        .filter(|id| page.has(id))
        .collect()
}

/// What the user typed in the note form (and a password, which is never kept).
const TYPED: &[(&str, &str)] = &[
    ("title", "Groceries"),
    ("body", "milk\neggs & bread"),
    ("pinned", "on"),
    ("color", "blue"),
    ("password", "hunter2"),
];

#[test]
fn ids_survive_a_redeploy_unless_the_signature_changes() {
    let (first, second) = (deploy(1), deploy(2));
    let html = Req::get("/").send_to(&first).text();
    let (old, new) = (first.home(), second.home());
    let ids = form_ids(&old, &html);
    assert!(ids.len() > 10, "{ids:?}");
    // The query changes on every render (sealed bound arguments, one-time tokens): the ID is
    // the path.
    let path = |url: String| url.split('?').next().unwrap().to_owned();
    for id in &ids {
        let (before, after) = (path(old.form_action(id)), path(new.form_action(id)));
        if id == "note" {
            assert_ne!(before, after, "save_note's signature changed: a new ID");
        } else {
            assert_eq!(before, after, "#{id} kept its ID");
        }
    }
}

#[test]
fn a_native_post_from_a_page_of_the_previous_deploy_comes_back_with_its_input() {
    let old_url = deploy(1).home().form_action("note");
    let server = deploy(2);
    let before = server.home();

    let response = Req::post(&old_url).form(TYPED).send_to(&server);
    assert_eq!(response.status, 303, "{}", response.text());
    assert_eq!(response.location(), "/");
    assert_eq!(response.header("actum-answer"), Some("unknown-action"));
    assert_eq!(server.runs_of("save_note"), 0, "nothing ran");
    assert!(server.runs().is_empty(), "{:?}", server.runs());

    let html = Req::get("/")
        .cookies(&response.cookie_pairs())
        .send_to(&server)
        .text();
    let page = Page::new(html.clone());
    assert_eq!(page.text("note-error").as_deref(), Some(STALE_MESSAGE));
    assert_eq!(
        page.input_value("note", "title").as_deref(),
        Some("Groceries")
    );
    assert!(html.contains("<textarea name=\"body\">milk\neggs &amp; bread</textarea>"));
    assert!(
        page.input_tag("note", "pinned")
            .unwrap()
            .contains("checked")
    );
    assert!(!html.contains("hunter2"), "a password is never echoed");
    assert_eq!(page.input_value("note", "password"), None);
    // Only the form whose fields fit gets the values: the counter keeps its own.
    assert_eq!(
        page.input_value("counter_add", "n"),
        before.input_value("counter_add", "n")
    );
    assert_eq!(page.total(), before.total(), "no data changed");
}

#[test]
fn the_state_of_a_stale_post_is_shown_once_and_the_color_is_kept() {
    let old_url = deploy(1).home().form_action("note");
    let server = deploy(2);
    let response = Req::post(&old_url).form(TYPED).send_to(&server);
    let cookies = response.cookie_pairs();
    let html = Req::get("/").cookies(&cookies).send_to(&server).text();
    assert!(
        html.contains("<option value=\"blue\" selected>"),
        "the selected color is kept"
    );
    let again = server.home_with_cookies(&cookies);
    assert_eq!(again.text("note-error"), None, "one-time");
}

#[test]
fn a_stale_post_from_a_form_posts_back_to_the_referer_when_it_has_no_return_page() {
    let old_url = deploy(1).home().form_action("note");
    let server = deploy(2);
    let bare = old_url.split('?').next().unwrap().to_owned();
    let referer = format!("http://{}/?tab=notes", server.addr());
    let response = Req::post(&bare)
        .header("referer", &referer)
        .form(TYPED)
        .send_to(&server);
    assert_eq!(response.status, 303, "{}", response.text());
    assert_eq!(response.location(), "/?tab=notes");
    assert_eq!(server.runs_of("save_note"), 0);
}

#[test]
fn a_stale_post_that_cannot_come_back_gets_the_unknown_action_answer() {
    let old_url = deploy(1).home().form_action("note");
    let server = deploy(2);
    let bare = old_url.split('?').next().unwrap().to_owned();
    let cases = [
        // A script gets the 404 and handles it itself (client.js reloads).
        Req::post(&old_url).script().form(TYPED),
        // No page to come back to.
        Req::post(&bare).form(TYPED),
        // From another site: nothing is kept for it.
        Req::bare_post(&old_url)
            .header("origin", "https://evil.example")
            .form(TYPED),
        // Not a form.
        Req::post(&old_url).json(json!({ "title": "x" })),
    ];
    for request in cases {
        let response = request.send_to(&server);
        assert_eq!(response.status, 404, "{}", response.text());
        assert_eq!(response.header("actum-answer"), Some("unknown-action"));
        assert_eq!(response.set_cookie("actum_fs"), None);
    }
    assert!(server.runs().is_empty());
}

/// Sends `wire` over a raw socket, waits `after`, and closes the connection unread.
fn send_and_leave(server: &Server, wire: &[u8], after: Duration) {
    let mut stream = TcpStream::connect(server.addr()).expect("connect to the fixture");
    stream.write_all(wire).expect("send the request");
    thread::sleep(after);
    drop(stream);
}

/// A script-mode JSON POST as it goes on the wire, with a `Connection: close`.
fn json_post(server: &Server, url: &str, body: &serde_json::Value) -> Vec<u8> {
    let body = body.to_string();
    format!(
        "POST {url} HTTP/1.1\r\nhost: {}\r\nsec-fetch-site: same-origin\r\nactum-request: 1\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        server.addr(),
        body.len()
    )
    .into_bytes()
}

/// Waits until `GET /__log` counts `key` at least once; false after `limit`.
fn wait_for_run(server: &Server, key: &str, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if server.runs_of(key) > 0 {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_caller_that_goes_away_fires_the_cancellation_token() {
    let server = deploy(1);
    let url = server.action_url("wait_or_cancel");
    let wire = json_post(&server, &url, &json!({ "ms": 1500 }));
    let started = Instant::now();
    send_and_leave(&server, &wire, Duration::from_millis(200));
    assert!(
        wait_for_run(&server, "wait_or_cancel:cancelled", Duration::from_secs(1)),
        "the token fired: {:?}",
        server.runs()
    );
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "the action stopped early"
    );
    thread::sleep(Duration::from_millis(1600));
    assert_eq!(server.runs_of("wait_or_cancel"), 1);
    assert_eq!(server.runs_of("wait_or_cancel:finished"), 0);
}

#[test]
fn a_caller_that_stays_gets_the_answer_and_the_token_never_fires() {
    let server = deploy(1);
    let url = server.action_url("wait_or_cancel");
    let response = Req::post(&url)
        .script()
        .json(json!({ "ms": 100 }))
        .send_to(&server);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["result"], json!({ "waited": 100 }));
    assert_eq!(server.runs_of("wait_or_cancel:finished"), 1);
    assert_eq!(server.runs_of("wait_or_cancel:cancelled"), 0);
}

#[test]
fn an_action_without_the_token_finishes_after_its_caller_left() {
    let server = deploy(1);
    let total = server.home().total();
    let url = server.action_url("slow_add");
    let wire = json_post(&server, &url, &json!({ "ms": 400, "n": 5 }));
    send_and_leave(&server, &wire, Duration::from_millis(100));
    assert_eq!(server.runs_of("slow_add:finished"), 0, "still running");
    assert!(wait_for_run(
        &server,
        "slow_add:finished",
        Duration::from_secs(2)
    ));
    assert_eq!(server.home().total(), total + 5, "its effect is stored");
}
