//! Decoding: a body that does not fit the input type exactly, or that costs more to decode than
//! its budgets allow, is refused before the action runs; odd keys are plain data, never meaning.

use std::net::SocketAddr;

use actum_testkit::{Part, Req};
use serde_json::json;

use crate::app::{self, serve};
use crate::{Untouched, url};

/// Sends `req` (a script's call) and checks its status; for 422 also that the answer names
/// `field`.
async fn assert_refused(addr: SocketAddr, req: Req, status: u16, field: Option<&str>) {
    let resp = req.send(addr).await;
    assert_eq!(resp.status, status, "{}", resp.text());
    let body = resp.json();
    assert_eq!(body["ok"], false, "{body}");
    if let Some(field) = field {
        let message = body["error"]["message"].as_str().unwrap_or_default();
        let named = body["error"]["fields"][0]["field"]
            .as_str()
            .unwrap_or_default();
        assert!(named == field || message.contains(field), "{field}: {body}");
    }
}

fn add() -> Req {
    Req::post(url(app::add)).script()
}

fn echo() -> Req {
    Req::post(url(app::echo)).script()
}

fn json_body(text: impl Into<Vec<u8>>) -> Req {
    echo().header("content-type", "application/json").body(text)
}

fn urlencoded_body(text: impl Into<Vec<u8>>) -> Req {
    add()
        .header("content-type", "application/x-www-form-urlencoded")
        .body(text)
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let cases = [
        (add().form(&[("n", "abc")]), "n"),
        (add().form(&[("n", "1.5")]), "n"),
        (add().form(&[("n", "")]), "n"),
        (add().json(json!({ "n": "1" })), "n"),
        (add().json(json!({ "n": 1.5 })), "n"),
        (add().json(json!({ "n": true })), "n"),
        (add().json(json!({ "n": [1] })), "n"),
        (
            echo().json(json!({ "text": "a", "nested": { "a": -1 } })),
            "nested.a",
        ),
        (
            echo().form(&[("text", "a"), ("nested[a]", "x")]),
            "nested[a]",
        ),
    ];
    for (req, field) in cases {
        assert_refused(addr, req, 422, Some(field)).await;
    }
    untouched.check();
}

#[tokio::test]
async fn an_unknown_field_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let cases = [
        (add().form(&[("n", "1"), ("m", "2")]), "m"),
        (add().json(json!({ "n": 1, "extra": 1 })), "extra"),
        (
            echo().json(json!({ "text": "a", "nested": { "a": 1, "c": 1 } })),
            "nested.c",
        ),
        (
            echo().form(&[("text", "a"), ("nested[a]", "1"), ("nested[c]", "1")]),
            "nested[c]",
        ),
    ];
    for (req, field) in cases {
        assert_refused(addr, req, 422, Some(field)).await;
    }
    untouched.check();
}

#[tokio::test]
async fn a_duplicate_field_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    assert_refused(addr, add().form(&[("n", "1"), ("n", "2")]), 422, Some("n")).await;
    assert_refused(
        addr,
        json_body(r#"{"text":"a","text":"b","nested":{"a":1}}"#),
        422,
        Some("text"),
    )
    .await;
    assert_refused(
        addr,
        json_body(r#"{"text":"a","nested":{"a":1,"a":2}}"#),
        422,
        Some("a"),
    )
    .await;
    untouched.check();
}

#[tokio::test]
async fn deep_nesting_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let arrays = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(100), "}".repeat(100));
    let in_a_field = format!(r#"{{"text":"a","tags":{arrays},"nested":{{"a":1}}}}"#);
    for body in [arrays, objects, in_a_field] {
        assert_refused(addr, json_body(body), 400, None).await;
    }
    let deep_name = format!("nested{}", "[a]".repeat(20));
    assert_refused(
        addr,
        echo().form(&[("text", "a"), (&deep_name, "1")]),
        400,
        None,
    )
    .await;
    untouched.check();
}

#[tokio::test]
async fn a_huge_array_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let zeros = vec!["0"; 20_001].join(",");
    let body = format!(r#"{{"text":"a","tags":[{zeros}],"nested":{{"a":1}}}}"#);
    assert_refused(addr, json_body(body), 413, None).await;
    let members: Vec<String> = (0..20_001).map(|i| format!(r#""k{i}":0"#)).collect();
    assert_refused(
        addr,
        json_body(format!("{{{}}}", members.join(","))),
        413,
        None,
    )
    .await;
    let many = vec![("tags", "x"); 300];
    let mut fields = vec![("text", "a"), ("nested[a]", "1")];
    fields.extend(many);
    assert_refused(addr, echo().form(&fields), 413, None).await;
    untouched.check();
}

#[tokio::test]
async fn giant_numbers_are_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for n in [
        "99999999999999999999999",
        "9223372036854775808",
        "-9223372036854775809",
        "1e400",
    ] {
        assert_refused(addr, add().form(&[("n", n)]), 422, Some("n")).await;
        let json = format!(r#"{{"n":{n}}}"#);
        let resp = add()
            .header("content-type", "application/json")
            .body(json)
            .send(addr)
            .await;
        assert!(
            resp.status == 422 || resp.status == 400,
            "{n}: {}",
            resp.text()
        );
    }
    let long = "9".repeat(100_000);
    assert_refused(addr, urlencoded_body(format!("n={long}")), 422, Some("n")).await;
    untouched.check();
}

#[tokio::test]
async fn invalid_utf8_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    assert_refused(addr, urlencoded_body("n=%FF%FE"), 400, None).await;
    assert_refused(addr, urlencoded_body(b"n=\xff".to_vec()), 400, None).await;
    assert_refused(addr, urlencoded_body("%C3%28=1"), 400, None).await;
    let mut json = br#"{"text":""#.to_vec();
    json.extend_from_slice(b"\xc3\x28");
    json.extend_from_slice(br#"","nested":{"a":1}}"#);
    assert_refused(addr, json_body(json), 400, None).await;
    let surrogate = r#"{"text":"\ud800","nested":{"a":1}}"#;
    let resp = json_body(surrogate).send(addr).await;
    assert!(resp.status == 400 || resp.status == 422, "{}", resp.text());
    let multipart = echo().multipart(&[
        Part::field("text", b"\xff\xfe"),
        Part::field("nested[a]", b"1"),
    ]);
    assert_refused(addr, multipart, 400, None).await;
    untouched.check();
}

#[tokio::test]
async fn malformed_bodies_are_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for json in [
        r#"{"n": 1"#,
        "{n:1}",
        r#"{"n":1}x"#,
        "\u{feff}{\"n\":1}",
        "nul",
    ] {
        let req = add().header("content-type", "application/json").body(json);
        assert_refused(addr, req, 400, None).await;
    }
    for form in ["n=%", "n=%G1", "%zz=1", "n=1%"] {
        assert_refused(addr, urlencoded_body(form), 400, None).await;
    }
    untouched.check();
}

#[tokio::test]
async fn proto_style_keys_are_plain_data() {
    let (addr, app) = serve().await;
    // Into a struct, such a key is an unknown field like any other.
    let untouched = Untouched::from(&app);
    assert_refused(
        addr,
        json_body(r#"{"text":"a","nested":{"a":1},"__proto__":{"admin":true}}"#),
        422,
        Some("__proto__"),
    )
    .await;
    assert_refused(
        addr,
        add().form(&[("n", "1"), ("constructor[prototype][admin]", "1")]),
        422,
        None,
    )
    .await;
    untouched.check();
    // Into a map, it is a key like any other, echoed back as plain data.
    let keys = [("__proto__", "x"), ("constructor", "y"), ("prototype", "z")];
    let resp = Req::post(url(app::echo_map))
        .script()
        .form(&keys)
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.json()["result"],
        json!({ "__proto__": "x", "constructor": "y", "prototype": "z" })
    );
    let resp = Req::post(url(app::echo_map))
        .script()
        .header("content-type", "application/json")
        .body(r#"{"__proto__":"x","constructor":"y"}"#)
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.text().matches("__proto__").count(),
        1,
        "{}",
        resp.text()
    );
    let mut expected = app::App::new().snapshot();
    expected.runs.insert("echo_map", 2);
    assert_eq!(
        app.snapshot(),
        expected,
        "only echo_map ran, and changed nothing"
    );
}

#[tokio::test]
async fn an_unsupported_content_type_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for content_type in [
        Some("text/plain"),
        Some("text/plain; charset=utf-8"),
        Some("application/xml"),
        Some("application/jsonx"),
        Some("application/json-patch+json"),
        Some("multipart/mixed; boundary=x"),
        Some("application/x-www-form-urlencodedx"),
        Some(""),
        None,
    ] {
        let mut req = Req::post(url(app::add)).body(r#"{"n":1}"#);
        if let Some(content_type) = content_type {
            req = req.header("content-type", content_type);
        }
        let resp = req.send(addr).await;
        assert_eq!(resp.status, 415, "{content_type:?}");
    }
    untouched.check();
    // Case variants of the accepted ones are accepted.
    let resp = add()
        .header("content-type", "Application/JSON; Charset=UTF-8")
        .body(r#"{"n":1}"#)
        .send(addr)
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(app.runs("add"), 1);
}
