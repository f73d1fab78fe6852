//! Black-box tests of the conformance fixture: each test starts the real `actum-conformance`
//! binary on a free port and talks to it over raw HTTP/1.1, as a browser with JavaScript off
//! (native mode) or a script (`actum-request: 1`, script mode) would. Every refusal is also checked
//! against `GET /__log`, which proves whether the action's body ran.
//!
//! The action IDs are taken from the page, never built; in debug builds they are readable and do
//! not depend on the key, which the key rotation test relies on to reuse a URL across restarts.

mod common;

use std::io::Read;
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use actum_testkit::{Page, Part, Req, Resp};
use common::page::FixturePage;
use common::server::{Options, SendTo, Server};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A script-mode answer that succeeded: 200, `actum-answer: envelope`, `ok: true`; its envelope.
fn envelope_ok(response: &Resp) -> Value {
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("actum-answer"), Some("envelope"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    let envelope = response.json();
    assert_eq!(envelope["ok"], json!(true), "{envelope}");
    envelope
}

/// A script-mode refusal before (or instead of) running: the status, `actum-answer: rejected`
/// and an envelope with `ok: false`, the same status and no digest; its envelope.
fn envelope_rejected(response: &Resp, status: u16) -> Value {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(response.header("actum-answer"), Some("rejected"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    let envelope = response.json();
    assert_eq!(envelope["ok"], json!(false), "{envelope}");
    assert_eq!(envelope["error"]["status"], json!(status), "{envelope}");
    assert!(
        envelope["error"].get("digest").is_none(),
        "a refusal has no digest: {envelope}"
    );
    assert_eq!(envelope["redirect"], Value::Null, "{envelope}");
    envelope
}

/// A native-mode refusal: the status, `actum-answer: rejected`, a short text and no `Location`.
fn native_rejected(response: &Resp, status: u16) {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(response.header("actum-answer"), Some("rejected"));
    assert_eq!(response.header("location"), None);
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(
        !response.text().trim().is_empty(),
        "a refusal says what failed"
    );
}

/// Follows a native post's 303 back to `/` as a browser does; returns the page and the cookies
/// that were sent with the GET.
fn follow_back(server: &Server, post: &Resp) -> (Page, String) {
    assert_eq!(post.status, 303, "{}", post.text());
    assert_eq!(post.header("location"), Some("/"));
    assert_eq!(post.header("actum-answer"), Some("redirect"));
    let token = post
        .cookie_value("actum_fs")
        .expect("a native post sets the form-state cookie");
    assert_eq!(token.len(), 22, "the token is 128 bits of base64url");
    let line = post.set_cookie("actum_fs").unwrap_or_default();
    for attribute in ["Path=/", "Max-Age=300", "HttpOnly", "SameSite=Lax"] {
        assert!(
            line.contains(attribute),
            "form-state cookie without {attribute}: {line}"
        );
    }
    let cookies = post.cookies_to_send();
    let page = Req::get("/").cookies(&cookies).send_to(server);
    assert_eq!(page.status, 200, "{}", page.text());
    let expired = page
        .set_cookie("actum_fs")
        .expect("the page expires the form-state cookie");
    assert!(
        expired.starts_with("actum_fs=;") && expired.contains("Max-Age=0"),
        "{expired}"
    );
    (Page::new(page.text()), cookies)
}

/// The `b` (sealed bound arguments) of an action URL.
fn seal_of(url: &str) -> String {
    query_pairs(url)
        .into_iter()
        .find_map(|(key, value)| (key == "b").then_some(value))
        .unwrap_or_else(|| panic!("no seal in {url}"))
}

/// The same action URL with its seal replaced (or removed when `seal` is `None`).
fn with_seal(url: &str, seal: Option<&str>) -> String {
    let path = url.split('?').next().unwrap_or(url);
    let mut pairs: Vec<(String, String)> = query_pairs(url)
        .into_iter()
        .filter(|(key, _)| key != "b")
        .collect();
    if let Some(seal) = seal {
        pairs.insert(0, ("b".to_owned(), seal.to_owned()));
    }
    if pairs.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// The query of a URL as raw key/value pairs.
fn query_pairs(url: &str) -> Vec<(String, String)> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

/// The seal with one character in its middle changed: still base64url, no longer authentic.
fn tampered(seal: &str) -> String {
    let middle = seal.len() / 2;
    let replacement = if &seal[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    format!("{}{replacement}{}", &seal[..middle], &seal[middle + 1..])
}

/// Whether `text` is a digest as actum writes them: 10 lowercase hex digits.
fn is_digest(text: &str) -> bool {
    text.len() == 10
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A fresh master secret: 32 random bytes, standard base64 (as `openssl rand -base64 32` makes).
fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .expect("read 32 bytes from /dev/urandom");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A file's bytes: every byte value, not UTF-8, no line structure.
fn sample_file() -> Vec<u8> {
    (0..20_000u32).map(|i| (i * 31 % 251) as u8).collect()
}

/// The SHA-256 of `bytes` in lowercase hex.
fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An `echo` input in JSON whose whole body is exactly `size` bytes.
fn echo_json_of_size(size: usize) -> Vec<u8> {
    let frame = json!({"text": "", "tags": [], "nested": {"a": 1}}).to_string();
    let text = "a".repeat(size - frame.len());
    json!({"text": text, "tags": [], "nested": {"a": 1}})
        .to_string()
        .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// 1. Every action's happy path, script mode
// ---------------------------------------------------------------------------------------------

#[test]
fn script_counter_add_answers_the_running_total() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    let first = envelope_ok(
        &Req::post(&url)
            .script()
            .json(json!({"n": 2}))
            .send_to(&server),
    );
    assert_eq!(first["result"], json!({"total": 2}));
    assert_eq!(first["redirect"], Value::Null);
    assert_eq!(
        first["revalidated"],
        json!({"paths": [], "layouts": [], "tags": [], "refresh": false})
    );
    assert!(first.get("error").is_none());

    // A form body in script mode gets JSON too: the header alone picks the mode.
    let second = envelope_ok(
        &Req::post(&url)
            .script()
            .form(&[("n", "3")])
            .send_to(&server),
    );
    assert_eq!(second["result"], json!({"total": 5}));
    assert_eq!(server.runs_of("counter_add"), 2);
    assert_eq!(server.home().total(), 5);
}

#[test]
fn script_echo_returns_its_input() {
    let server = Server::start();
    let url = server.action_url("echo");

    let input = json!({"text": "héllo <b>&", "tags": ["a", "b"], "nested": {"a": 7, "b": null}});
    let envelope = envelope_ok(
        &Req::post(&url)
            .script()
            .json(input.clone())
            .send_to(&server),
    );
    assert_eq!(envelope["result"], input);

    let form = [
        ("text", "hi there"),
        ("tags", "x"),
        ("tags", "y"),
        ("nested[a]", "3"),
        ("nested[b]", "true"),
    ];
    let envelope = envelope_ok(&Req::post(&url).script().form(&form).send_to(&server));
    let expected = json!({"text": "hi there", "tags": ["x", "y"], "nested": {"a": 3, "b": true}});
    assert_eq!(envelope["result"], expected);
    assert_eq!(server.runs_of("echo"), 2);
}

#[test]
fn script_rename_item_renames_and_revalidates_the_page() {
    let server = Server::start();
    let url = server.action_url("rename_item-1");

    let envelope = envelope_ok(
        &Req::post(&url)
            .script()
            .form(&[("title", "Renamed")])
            .send_to(&server),
    );
    assert_eq!(envelope["result"], json!({"id": 1, "title": "Renamed"}));
    assert_eq!(envelope["revalidated"]["paths"], json!(["/"]));
    let page = server.home();
    assert_eq!(page.text("item-1").as_deref(), Some("Renamed"));
    assert_eq!(page.text("item-2").as_deref(), Some("Second item"));
}

#[test]
fn script_delete_item_deletes_its_row() {
    let server = Server::start();
    let url = server.action_url("delete_item-3");

    let envelope = envelope_ok(&Req::post(&url).script().form(&[]).send_to(&server));
    assert_eq!(envelope["result"], json!({"deleted": 3}));
    assert_eq!(envelope["revalidated"]["paths"], json!(["/"]));
    let page = server.home();
    assert!(!page.has("item-3") && !page.has("delete_item-3"));
    assert!(page.has("item-1") && page.has("item-2"));
}

#[test]
fn script_go_to_answers_the_target_without_navigating() {
    let server = Server::start();
    let url = server.action_url("go_to");

    let response = Req::post(&url)
        .script()
        .form(&[("to", "/elsewhere?tab=2")])
        .send_to(&server);
    let envelope = envelope_ok(&response);
    assert_eq!(envelope["redirect"], json!("/elsewhere?tab=2"));
    assert!(
        envelope.get("result").is_none(),
        "a redirect has no result: {envelope}"
    );
    assert_eq!(response.header("location"), None);
    assert_eq!(server.runs_of("go_to"), 1);
}

#[test]
fn script_set_cookie_sets_the_cookie_or_names_the_bad_field() {
    let server = Server::start();
    let url = server.action_url("set_cookie");

    let response = Req::post(&url)
        .script()
        .form(&[("name", "theme"), ("value", "light")])
        .send_to(&server);
    assert_eq!(envelope_ok(&response)["result"], Value::Null);
    let line = response
        .set_cookie("theme")
        .expect("the action's cookie is set");
    assert!(line.starts_with("theme=light;"), "{line}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            line.contains(attribute),
            "cookie without {attribute}: {line}"
        );
    }

    // The action's own validation: it ran, and answers 422 with the field and a digest.
    let response = Req::post(&url)
        .script()
        .form(&[("name", "Bad-Name"), ("value", "x")])
        .send_to(&server);
    assert_eq!(response.status, 422, "{}", response.text());
    assert_eq!(response.header("actum-answer"), Some("envelope"));
    assert!(response.set_cookie("Bad-Name").is_none());
    let envelope = response.json();
    assert_eq!(envelope["ok"], json!(false));
    assert_eq!(envelope["error"]["fields"][0]["field"], json!("name"));
    assert!(
        is_digest(envelope["error"]["digest"].as_str().unwrap_or_default()),
        "{envelope}"
    );
    assert_eq!(server.runs_of("set_cookie"), 2);
}

#[test]
fn script_slow_under_the_time_limit_answers() {
    let server = Server::start();
    let url = server.action_url("slow");

    let envelope = envelope_ok(
        &Req::post(&url)
            .script()
            .json(json!({"ms": 50}))
            .send_to(&server),
    );
    assert_eq!(envelope["result"], json!({"slept": 50}));
}

// ---------------------------------------------------------------------------------------------
// 1. Every action's happy path, native mode (303, then the GET shows the effect)
// ---------------------------------------------------------------------------------------------

#[test]
fn native_counter_add_shows_the_total_and_the_result_once() {
    let server = Server::start();
    let url = server.action_url("counter_add");
    assert!(
        url.contains("r=%2F"),
        "the page's forms come back to it: {url}"
    );

    let post = Req::post(&url).form(&[("n", "5")]).send_to(&server);
    let (page, cookies) = follow_back(&server, &post);
    assert_eq!(page.total(), 5);
    assert_eq!(page.result(), Some(json!({"total": 5})));

    // The state is one-time: the next GET with the same cookie shows the page without it.
    let again = server.home_with_cookies(&cookies);
    assert_eq!(again.total(), 5);
    assert!(again.result().is_none(), "the form state showed twice");
}

#[test]
fn native_form_state_waits_for_the_page_it_was_meant_for() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    let post = Req::post(&url).form(&[("n", "2")]).send_to(&server);
    let cookies = post.cookies_to_send();
    let other = Req::get("/?other=1").cookies(&cookies).send_to(&server);
    assert_eq!(other.status, 200);
    assert!(
        other.set_cookie("actum_fs").is_none(),
        "another page touched the state cookie"
    );
    assert!(Page::new(other.text()).result().is_none());

    let (page, _) = follow_back(&server, &post);
    assert_eq!(page.result(), Some(json!({"total": 2})));
}

#[test]
fn native_echo_shows_the_result() {
    let server = Server::start();
    let url = server.action_url("echo");

    let form = [
        ("text", "a b+c"),
        ("tags", "x"),
        ("tags", "y"),
        ("nested[a]", "9"),
        ("nested[b]", ""),
    ];
    let (page, _) = follow_back(&server, &Req::post(&url).form(&form).send_to(&server));
    let expected = json!({"text": "a b+c", "tags": ["x", "y"], "nested": {"a": 9, "b": null}});
    assert_eq!(page.result(), Some(expected));
}

#[test]
fn native_rename_item_shows_the_new_title() {
    let server = Server::start();
    let url = server.action_url("rename_item-2");

    let (page, _) = follow_back(
        &server,
        &Req::post(&url)
            .form(&[("title", "New <title> & co")])
            .send_to(&server),
    );
    assert_eq!(page.text("item-2").as_deref(), Some("New <title> & co"));
    assert_eq!(
        page.input_value("rename_item-2", "title").as_deref(),
        Some("New <title> & co")
    );
    assert_eq!(
        page.result(),
        Some(json!({"id": 2, "title": "New <title> & co"}))
    );
    assert_eq!(page.text("item-1").as_deref(), Some("First item"));
}

#[test]
fn native_delete_item_removes_the_row() {
    let server = Server::start();
    let url = server.action_url("delete_item-2");

    let (page, _) = follow_back(&server, &Req::post(&url).form(&[]).send_to(&server));
    assert!(!page.has("item-2") && !page.has("delete_item-2") && !page.has("rename_item-2"));
    assert!(page.has("item-1") && page.has("item-3"));
    assert_eq!(page.result(), Some(json!({"deleted": 2})));
}

#[test]
fn native_go_to_redirects_to_the_target() {
    let server = Server::start();
    let url = server.action_url("go_to");

    let response = Req::post(&url)
        .form(&[("to", "/elsewhere?tab=2")])
        .send_to(&server);
    assert_eq!(response.status, 303);
    assert_eq!(response.header("location"), Some("/elsewhere?tab=2"));
    assert_eq!(response.header("actum-answer"), Some("redirect"));
    assert!(
        response.set_cookie("actum_fs").is_none(),
        "a redirect carries no form state"
    );
    assert_eq!(server.runs_of("go_to"), 1);
}

#[test]
fn native_set_cookie_sets_the_theme_shown_on_the_page() {
    let server = Server::start();
    assert_eq!(
        server.home().tag_attribute("body", "data-theme").as_deref(),
        Some("")
    );
    let url = server.action_url("set_cookie");

    let post = Req::post(&url)
        .form(&[("name", "theme"), ("value", "dark")])
        .send_to(&server);
    assert_eq!(post.cookie_value("theme"), Some("dark"));
    let (page, cookies) = follow_back(&server, &post);
    assert!(cookies.contains("theme=dark"), "{cookies}");
    assert_eq!(
        page.tag_attribute("body", "data-theme").as_deref(),
        Some("dark")
    );
}

#[test]
fn native_set_cookie_error_is_shown_with_the_typed_values() {
    let server = Server::start();
    let url = server.action_url("set_cookie");

    let post = Req::post(&url)
        .form(&[("name", "NOT valid"), ("value", "v1")])
        .send_to(&server);
    assert!(post.set_cookie("NOT valid").is_none());
    let (page, _) = follow_back(&server, &post);
    let error = page
        .text("set_cookie-error")
        .expect("the error is shown next to the form");
    assert!(error.contains("[a-z_]{1,32}"), "{error}");
    assert_eq!(
        page.input_value("set_cookie", "name").as_deref(),
        Some("NOT valid")
    );
    assert_eq!(
        page.input_value("set_cookie", "value").as_deref(),
        Some("v1")
    );
    assert_eq!(
        page.attribute_of("error", "data-status").as_deref(),
        Some("422")
    );
    assert_eq!(
        page.tag_attribute("body", "data-theme").as_deref(),
        Some("")
    );
}

#[test]
fn native_upload_shows_name_size_and_hash() {
    let server = Server::start();
    let url = server.action_url("upload");
    let file = sample_file();

    let parts = [
        Part {
            name: "file",
            file_name: Some("data.bin"),
            bytes: &file,
        },
        Part {
            name: "note",
            file_name: None,
            bytes: b"a note",
        },
    ];
    let (page, _) = follow_back(&server, &Req::post(&url).multipart(&parts).send_to(&server));
    let expected = json!({"name": "data.bin", "size": file.len(), "sha256": sha256_hex(&file)});
    assert_eq!(page.result(), Some(expected));
}

#[test]
fn native_slow_under_the_time_limit_shows_the_result() {
    let server = Server::start();
    let url = server.action_url("slow");

    let (page, _) = follow_back(
        &server,
        &Req::post(&url).form(&[("ms", "20")]).send_to(&server),
    );
    assert_eq!(page.result(), Some(json!({"slept": 20})));
}

#[test]
fn native_boom_gets_an_error_page_with_the_digest() {
    let server = Server::start();
    let url = server.action_url("boom");

    let response = Req::post(&url).form(&[]).send_to(&server);
    assert_eq!(response.status, 500);
    assert_eq!(response.header("actum-answer"), Some("rejected"));
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(response.header("location"), None);
    let html = response.text();
    let digest = html
        .split("<code>")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .unwrap_or_default();
    assert!(is_digest(digest), "no digest in the error page: {html}");
    assert!(
        !html.contains("on purpose"),
        "the panic message leaked: {html}"
    );
    assert_eq!(server.runs_of("boom"), 1);
    assert_eq!(server.home().total(), 0, "the server still answers");
}

#[test]
fn native_input_that_does_not_fit_goes_back_with_the_typed_value() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    let (page, _) = follow_back(
        &server,
        &Req::post(&url).form(&[("n", "many")]).send_to(&server),
    );
    assert_eq!(
        page.attribute_of("error", "data-status").as_deref(),
        Some("422")
    );
    assert!(page.text("error").unwrap_or_default().contains('n'));
    assert_eq!(
        page.input_value("counter_add", "n").as_deref(),
        Some("many")
    );
    assert_eq!(page.total(), 0);
    assert_eq!(server.runs_of("counter_add"), 0);
}

// ---------------------------------------------------------------------------------------------
// 2. Validation errors go back to their own row, once
// ---------------------------------------------------------------------------------------------

#[test]
fn native_too_long_title_is_shown_next_to_its_row_only_once() {
    let server = Server::start();
    let url = server.action_url("rename_item-2");
    let too_long = "x".repeat(101);

    let post = Req::post(&url)
        .form(&[("title", &too_long)])
        .send_to(&server);
    let (page, cookies) = follow_back(&server, &post);
    let error = page
        .text("rename_item-2-error")
        .expect("the error is next to rename_item-2");
    assert!(error.contains("1 to 100 characters"), "{error}");
    assert_eq!(
        page.input_value("rename_item-2", "title").as_deref(),
        Some(too_long.as_str())
    );
    let input = page.input_tag("rename_item-2", "title").unwrap_or_default();
    assert!(input.contains("aria-invalid=\"true\""), "{input}");
    assert_eq!(
        page.attribute_of("error", "data-status").as_deref(),
        Some("422")
    );
    // The other rows are untouched, and so is the item.
    for other in ["1", "3"] {
        assert!(!page.has(&format!("rename_item-{other}-error")));
        assert!(
            !page
                .input_tag(&format!("rename_item-{other}"), "title")
                .unwrap_or_default()
                .contains("aria-invalid")
        );
    }
    assert_eq!(
        page.input_value("rename_item-1", "title").as_deref(),
        Some("First item")
    );
    assert_eq!(page.text("item-2").as_deref(), Some("Second item"));
    assert_eq!(server.runs_of("rename_item"), 1);

    let again = server.home_with_cookies(&cookies);
    assert!(
        !again.has("rename_item-2-error") && !again.has("error"),
        "the state showed twice"
    );
    assert_eq!(
        again.input_value("rename_item-2", "title").as_deref(),
        Some("Second item")
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Bound arguments
// ---------------------------------------------------------------------------------------------

#[test]
fn a_seal_made_for_another_action_is_refused() {
    let server = Server::start();
    let page = server.home();
    let rename_seal = seal_of(&page.form_action("rename_item-1"));
    let delete_url = with_seal(&page.form_action("delete_item-1"), Some(&rename_seal));

    envelope_rejected(
        &Req::post(&delete_url).script().form(&[]).send_to(&server),
        400,
    );
    native_rejected(&Req::post(&delete_url).form(&[]).send_to(&server), 400);
    assert_eq!(server.runs_of("delete_item"), 0);
    assert!(server.home().has("item-1"));
}

#[test]
fn a_tampered_seal_is_refused() {
    let server = Server::start();
    let url = server.action_url("delete_item-1");
    let forged = with_seal(&url, Some(&tampered(&seal_of(&url))));

    envelope_rejected(&Req::post(&forged).script().form(&[]).send_to(&server), 400);
    let rename = server.action_url("rename_item-1");
    let forged_rename = with_seal(&rename, Some(&tampered(&seal_of(&rename))));
    native_rejected(
        &Req::post(&forged_rename)
            .form(&[("title", "x")])
            .send_to(&server),
        400,
    );
    assert_eq!(
        server.runs_of("delete_item") + server.runs_of("rename_item"),
        0
    );
    assert_eq!(server.home().text("item-1").as_deref(), Some("First item"));
}

#[test]
fn a_missing_seal_is_refused() {
    let server = Server::start();
    let url = with_seal(&server.action_url("delete_item-1"), None);
    assert!(!url.contains("b="), "{url}");

    envelope_rejected(&Req::post(&url).script().form(&[]).send_to(&server), 400);
    native_rejected(&Req::post(&url).form(&[]).send_to(&server), 400);
    assert_eq!(server.runs_of("delete_item"), 0);
    assert!(server.home().has("item-1"));
}

// ---------------------------------------------------------------------------------------------
// 4. Open redirects
// ---------------------------------------------------------------------------------------------

#[test]
fn go_to_refuses_targets_off_the_site() {
    let server = Server::start();
    let url = server.action_url("go_to");
    let targets = ["//evil.example", "https://evil.example", "/\\evil"];

    for target in targets {
        native_rejected(
            &Req::post(&url).form(&[("to", target)]).send_to(&server),
            400,
        );
        let envelope = envelope_rejected(
            &Req::post(&url)
                .script()
                .form(&[("to", target)])
                .send_to(&server),
            400,
        );
        assert_eq!(envelope["redirect"], Value::Null, "{target}");
    }
    // The refusal comes after the body (which is what calls `redirect`): it ran, nothing followed.
    assert_eq!(server.runs_of("go_to"), 2 * targets.len() as u64);
}

// ---------------------------------------------------------------------------------------------
// 5. Origin check
// ---------------------------------------------------------------------------------------------

#[test]
fn cross_site_posts_are_refused() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    let cross_site = Req::bare_post(&url)
        .header("Sec-Fetch-Site", "cross-site")
        .header("Origin", "https://evil.example")
        .form(&[("n", "1")])
        .send_to(&server);
    native_rejected(&cross_site, 403);
    let foreign_origin = Req::bare_post(&url)
        .header("Origin", "https://evil.example")
        .script();
    envelope_rejected(&foreign_origin.form(&[("n", "1")]).send_to(&server), 403);
    let foreign_referer = Req::bare_post(&url).header("Referer", "https://evil.example/page");
    native_rejected(&foreign_referer.form(&[("n", "1")]).send_to(&server), 403);
    let null_origin = Req::bare_post(&url).header("Origin", "null");
    native_rejected(&null_origin.form(&[("n", "1")]).send_to(&server), 403);
    // A header sent twice is refused, even when both say same-origin.
    let twice = Req::post(&url).same_origin();
    native_rejected(&twice.form(&[("n", "1")]).send_to(&server), 403);
    assert_eq!(server.runs_of("counter_add"), 0);
}

#[test]
fn own_origin_without_sec_fetch_site_is_accepted() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    let origin = format!("http://{}", server.addr());
    let response = Req::bare_post(&url)
        .header("Origin", &origin)
        .script()
        .form(&[("n", "1")])
        .send_to(&server);
    assert_eq!(envelope_ok(&response)["result"], json!({"total": 1}));
}

#[test]
fn non_browser_posts_are_refused_by_default() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    envelope_rejected(
        &Req::bare_post(&url)
            .script()
            .json(json!({"n": 1}))
            .send_to(&server),
        403,
    );
    native_rejected(
        &Req::bare_post(&url).form(&[("n", "1")]).send_to(&server),
        403,
    );
    assert_eq!(server.runs_of("counter_add"), 0);
}

#[test]
fn non_browser_posts_are_accepted_with_allow_non_browser() {
    let server = Server::start_with(&Options {
        allow_non_browser: true,
        ..Options::default()
    });
    let url = server.action_url("counter_add");

    let response = Req::bare_post(&url)
        .script()
        .json(json!({"n": 4}))
        .send_to(&server);
    assert_eq!(envelope_ok(&response)["result"], json!({"total": 4}));
    // Browsers still say where they come from, and cross-site stays refused.
    let cross_site = Req::bare_post(&url)
        .header("Sec-Fetch-Site", "cross-site")
        .script();
    envelope_rejected(&cross_site.json(json!({"n": 1})).send_to(&server), 403);
    assert_eq!(server.runs_of("counter_add"), 1);
}

// ---------------------------------------------------------------------------------------------
// 6. Limits
// ---------------------------------------------------------------------------------------------

#[test]
fn a_declared_body_over_the_limit_is_refused_without_waiting_for_it() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    let started = Instant::now();
    let request = Req::post(&url).script();
    let response = request
        .header("content-type", "application/x-www-form-urlencoded")
        .content_length(2 * 1024 * 1024)
        .send_to(&server);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    envelope_rejected(&response, 413);
    assert_eq!(server.runs_of("counter_add"), 0);
}

#[test]
fn a_streamed_body_over_the_limit_is_refused() {
    let server = Server::start();
    let url = server.action_url("echo");

    let body = echo_json_of_size(1024 * 1024 + 1);
    envelope_rejected(
        &Req::post(&url)
            .script()
            .header("content-type", "application/json")
            .body(body.clone())
            .chunked()
            .send_to(&server),
        413,
    );
    native_rejected(
        &Req::post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send_to(&server),
        413,
    );
    assert_eq!(server.runs_of("echo"), 0);
}

#[test]
fn a_body_of_exactly_the_limit_is_accepted() {
    let server = Server::start();
    let url = server.action_url("echo");

    let body = echo_json_of_size(1024 * 1024);
    let sent: Value = serde_json::from_slice(&body).expect("the body is JSON");
    let request = Req::post(&url).script();
    let envelope = envelope_ok(
        &request
            .header("content-type", "application/json")
            .body(body)
            .send_to(&server),
    );
    assert_eq!(envelope["result"]["text"], sent["text"]);
    assert_eq!(server.runs_of("echo"), 1);
}

#[test]
fn a_text_plain_body_is_refused() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    envelope_rejected(
        &Req::post(&url)
            .script()
            .header("content-type", "text/plain")
            .body(b"n=1".to_vec())
            .send_to(&server),
        415,
    );
    native_rejected(
        &Req::post(&url)
            .header("content-type", "text/plain")
            .body(b"n=1".to_vec())
            .send_to(&server),
        415,
    );
    assert_eq!(server.runs_of("counter_add"), 0);
}

#[test]
fn an_action_past_its_time_limit_is_stopped_with_503() {
    let server = Server::start();
    let url = server.action_url("slow");

    // Both modes at once, so the test waits for the time limit only once.
    let timed = |request: Req| {
        let started = Instant::now();
        let response = request.send_to(&server);
        (response, started.elapsed())
    };
    let ((script, script_time), (native, native_time)) = thread::scope(|scope| {
        let script = scope.spawn(|| timed(Req::post(&url).script().json(json!({"ms": 3000}))));
        let native = timed(Req::post(&url).form(&[("ms", "3000")]));
        (script.join().expect("the script request"), native)
    });
    envelope_rejected(&script, 503);
    native_rejected(&native, 503);
    for elapsed in [script_time, native_time] {
        assert!(
            elapsed >= Duration::from_millis(1900),
            "stopped before the limit: {elapsed:?}"
        );
        assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
    }
    assert_eq!(
        server.runs_of("slow"),
        2,
        "the bodies started, then were stopped"
    );
    assert_eq!(server.home().total(), 0, "the server still answers");
}

/// The time limit covers reading the body too: a client that declares a small body and never
/// sends it is answered (408) instead of holding the connection and a task forever.
#[test]
fn a_body_that_never_arrives_is_answered_at_the_time_limit() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    let started = Instant::now();
    let request = Req::post(&url).script();
    let response = request
        .header("content-type", "application/x-www-form-urlencoded")
        .content_length(100)
        .send_to(&server);
    let elapsed = started.elapsed();
    envelope_rejected(&response, 408);
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
    assert_eq!(server.runs_of("counter_add"), 0);
}

#[test]
fn a_panic_answers_500_with_a_digest_and_the_server_goes_on() {
    let server = Server::start();
    let url = server.action_url("boom");

    let response = Req::post(&url).script().json(json!({})).send_to(&server);
    assert_eq!(response.status, 500, "{}", response.text());
    assert_eq!(response.header("actum-answer"), Some("envelope"));
    let envelope = response.json();
    assert_eq!(envelope["ok"], json!(false));
    assert_eq!(envelope["error"]["status"], json!(500));
    let digest = envelope["error"]["digest"].as_str().unwrap_or_default();
    assert!(is_digest(digest), "{envelope}");
    assert!(
        !response.text().contains("on purpose"),
        "the panic message leaked: {envelope}"
    );
    assert_eq!(server.runs_of("boom"), 1);

    let counter = server.action_url("counter_add");
    let after = envelope_ok(
        &Req::post(&counter)
            .script()
            .json(json!({"n": 1}))
            .send_to(&server),
    );
    assert_eq!(after["result"], json!({"total": 1}));
}

// ---------------------------------------------------------------------------------------------
// 7. Unknown actions and methods
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unknown_action_id_answers_404_unknown_action() {
    let server = Server::start();
    let url = "/_actum/actions.all.no_such_action.00000000";

    for response in [
        Req::post(url).script().json(json!({})).send_to(&server),
        Req::get(url).send_to(&server),
    ] {
        assert_eq!(response.status, 404, "{}", response.text());
        assert_eq!(response.header("actum-answer"), Some("unknown-action"));
        assert!(response.text().contains("reload"), "{}", response.text());
    }
    assert!(server.runs().is_empty());
}

#[test]
fn a_get_on_an_action_url_answers_405_allowing_post() {
    let server = Server::start();
    let url = server.action_url("counter_add");

    let response = Req::get(&url).same_origin().send_to(&server);
    assert_eq!(response.status, 405);
    let allow = response.header("allow").unwrap_or_default();
    assert!(
        allow.split(',').any(|method| method.trim() == "POST"),
        "Allow: {allow}"
    );
    assert_eq!(response.header("actum-answer"), None);
    assert_eq!(server.runs_of("counter_add"), 0);
}

// ---------------------------------------------------------------------------------------------
// 8. Every action answer is private and typed
// ---------------------------------------------------------------------------------------------

/// `SendTo::send_to` asserts the two headers on every answer on an action path; this test only
/// makes sure that every kind of answer is among them.
#[test]
fn every_kind_of_action_answer_has_no_store_and_nosniff() {
    let server = Server::start();
    let page = server.home();
    let counter = page.form_action("counter_add");
    let delete = page.form_action("delete_item-1");

    let answers = [
        (
            200,
            Req::post(&counter)
                .script()
                .json(json!({"n": 1}))
                .send_to(&server),
        ),
        (
            303,
            Req::post(&counter).form(&[("n", "1")]).send_to(&server),
        ),
        (
            400,
            Req::post(with_seal(&delete, None))
                .form(&[])
                .send_to(&server),
        ),
        (
            403,
            Req::bare_post(&counter)
                .form(&[("n", "1")])
                .send_to(&server),
        ),
        (
            404,
            Req::post("/_actum/unknown.action.00000000")
                .form(&[])
                .send_to(&server),
        ),
        (405, Req::get(&counter).send_to(&server)),
        (
            413,
            Req::post(&counter)
                .header("content-type", "application/json")
                .content_length(1 << 30)
                .send_to(&server),
        ),
        (
            415,
            Req::post(&counter)
                .header("content-type", "text/plain")
                .body(b"n=1".to_vec())
                .send_to(&server),
        ),
        (
            422,
            Req::post(&counter)
                .script()
                .json(json!({"n": "one"}))
                .send_to(&server),
        ),
        (
            500,
            Req::post(page.form_action("boom"))
                .form(&[])
                .send_to(&server),
        ),
    ];
    for (status, response) in &answers {
        assert_eq!(response.status, *status, "{}", response.text());
        actum_testkit::assert_hardened(response);
    }
}

// ---------------------------------------------------------------------------------------------
// 9. Key rotation
// ---------------------------------------------------------------------------------------------

#[test]
fn seals_open_while_their_key_stays_in_the_ring() {
    let (old, new) = (random_secret(), random_secret());
    let url = {
        let server = Server::start_with(&Options {
            secret_key: Some(old.clone()),
            ..Options::default()
        });
        server.action_url("delete_item-1")
    };

    let rotated = Server::start_with(&Options {
        secret_key: Some(format!("{new},{old}")),
        ..Options::default()
    });
    let envelope = envelope_ok(&Req::post(&url).script().form(&[]).send_to(&rotated));
    assert_eq!(envelope["result"], json!({"deleted": 1}));

    let dropped = Server::start_with(&Options {
        secret_key: Some(new),
        ..Options::default()
    });
    envelope_rejected(&Req::post(&url).script().form(&[]).send_to(&dropped), 400);
    assert_eq!(dropped.runs_of("delete_item"), 0);
    assert!(dropped.home().has("item-1"));
}

// ---------------------------------------------------------------------------------------------
// 10. Uploads
// ---------------------------------------------------------------------------------------------

#[test]
fn script_upload_answers_name_size_and_hash() {
    let server = Server::start();
    let url = server.action_url("upload");
    let file = sample_file();

    let parts = [
        Part {
            name: "note",
            file_name: None,
            bytes: "a note, with ünïcode".as_bytes(),
        },
        // Browsers may send a path; only its last component is the name.
        Part {
            name: "file",
            file_name: Some("C:\\Users\\ann\\report.bin"),
            bytes: &file,
        },
    ];
    let envelope = envelope_ok(&Req::post(&url).script().multipart(&parts).send_to(&server));
    let expected = json!({"name": "report.bin", "size": file.len(), "sha256": sha256_hex(&file)});
    assert_eq!(envelope["result"], expected);
    assert_eq!(server.runs_of("upload"), 1);
}

#[test]
fn an_empty_upload_is_hashed_too() {
    let server = Server::start();
    let url = server.action_url("upload");

    let parts = [
        Part {
            name: "file",
            file_name: Some("empty.txt"),
            bytes: b"",
        },
        Part {
            name: "note",
            file_name: None,
            bytes: b"",
        },
    ];
    let envelope = envelope_ok(&Req::post(&url).script().multipart(&parts).send_to(&server));
    let expected = json!({"name": "empty.txt", "size": 0, "sha256": sha256_hex(b"")});
    assert_eq!(envelope["result"], expected);
}
