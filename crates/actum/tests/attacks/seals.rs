//! Sealed bound arguments: a seal opens only unchanged, for the action it was made for, under a
//! key still in the ring, before its expiry; nothing the client types can stand in for it. Every
//! failure answers the same 400, so the answer tells an attacker nothing.

use std::net::SocketAddr;
use std::time::Duration;

use actum::{Action, ActionsLayer, KeyRing};
use actum_testkit::{Req, Resp};
use serde_json::json;

use crate::Untouched;
use crate::app::{self, serve, serve_with};

/// The path of an action URL and its sealed `b` value.
fn split_seal(action_url: &str) -> (String, String) {
    let (path, query) = action_url.split_once('?').unwrap();
    let seal = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("b="))
        .unwrap();
    (path.to_owned(), seal.to_owned())
}

/// `rename`'s path and a genuine seal of item 2 for it.
fn rename_2() -> (String, String) {
    split_seal(&app::rename.bind(2).to_string())
}

/// Posts a rename of item 2 to `target` by script; the answer must be the seal refusal.
async fn assert_seal_refused(addr: SocketAddr, target: &str) -> Resp {
    let resp = Req::post(target)
        .script()
        .form(&[("title", "hacked")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 400, "{target}: {}", resp.text());
    assert_eq!(
        resp.json()["error"]["message"],
        "invalid bound arguments (the page may be out of date: reload it)"
    );
    resp
}

#[tokio::test]
async fn a_seal_with_a_changed_character_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let (path, seal) = rename_2();
    for at in [0, 1, seal.len() / 2, seal.len() - 2, seal.len() - 1] {
        let mut bytes = seal.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(bytes).unwrap();
        assert_seal_refused(addr, &format!("{path}?b={changed}")).await;
    }
    untouched.check();
}

#[tokio::test]
async fn a_truncated_seal_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let (path, seal) = rename_2();
    for keep in [seal.len() - 1, seal.len() - 3, seal.len() / 2, 10, 0] {
        assert_seal_refused(addr, &format!("{path}?b={}", &seal[..keep])).await;
    }
    // Extended, too.
    assert_seal_refused(addr, &format!("{path}?b={seal}AAAA")).await;
    untouched.check();
}

#[tokio::test]
async fn a_seal_moved_to_another_action_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    // `remove` binds a `u64` too: the same payload, sealed for another action.
    let (_, other) = split_seal(&app::remove.bind(2).to_string());
    let (path, _) = rename_2();
    assert_seal_refused(addr, &format!("{path}?b={other}")).await;
    // And the other way round: rename's seal cannot delete.
    let (remove_path, _) = split_seal(&app::remove.bind(2).to_string());
    let (_, rename_seal) = rename_2();
    let resp = Req::post(format!("{remove_path}?b={rename_seal}"))
        .form(&[])
        .send(addr)
        .await;
    assert_eq!(resp.status, 400);
    untouched.check();
}

#[tokio::test]
async fn a_seal_made_under_another_key_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let (other_addr, _) = serve_with(ActionsLayer::new().key_ring(KeyRing::random())).await;
    let page = Req::get("/").send(other_addr).await.text();
    let start = page.find("action=\"").unwrap() + 8;
    let foreign = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert_seal_refused(addr, &foreign).await;
    untouched.check();
}

#[tokio::test]
async fn made_up_seals_are_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let (path, _) = rename_2();
    for seal in [
        "garbage".to_owned(),
        String::new(),
        "A".repeat(9000),
        "A".repeat(64),
        "%00%00".to_owned(),
        "..%2F..%2F".to_owned(),
        "eyJpZCI6Mn0".to_owned(), // base64url of {"id":2}: plain JSON is not a seal
    ] {
        assert_seal_refused(addr, &format!("{path}?b={seal}")).await;
    }
    untouched.check();
}

#[tokio::test]
async fn a_missing_seal_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let (path, _) = rename_2();
    assert_seal_refused(addr, &path).await;
    assert_seal_refused(addr, &format!("{path}?x=1")).await;
    untouched.check();
}

#[tokio::test]
async fn every_seal_failure_gets_the_same_answer() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let (path, seal) = rename_2();
    let (_, other) = split_seal(&app::remove.bind(2).to_string());
    let expired = split_seal(&app::rename.bind_for(2, Duration::ZERO).to_string()).1;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut answers = Vec::new();
    for target in [
        format!("{path}?b={}", &seal[..seal.len() - 1]),
        format!("{path}?b={other}"),
        format!("{path}?b={expired}"),
        format!("{path}?b=garbage"),
        path.clone(),
    ] {
        let resp = assert_seal_refused(addr, &target).await;
        answers.push((resp.status, resp.body));
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "the answers differ: {answers:?}"
    );
    untouched.check();
}

#[tokio::test]
async fn an_expired_seal_is_refused() {
    let (addr, app) = serve().await;
    let fresh = app::rename.bind_for(1, Duration::from_secs(60)).to_string();
    let control = Req::post(fresh)
        .script()
        .form(&[("title", "ok")])
        .send(addr)
        .await;
    assert_eq!(control.status, 200, "an unexpired seal opens");
    let untouched = Untouched::from(&app);
    let expired = app::rename.bind_for(2, Duration::ZERO).to_string();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_seal_refused(addr, &expired).await;
    untouched.check();
}

#[tokio::test]
async fn a_seal_of_a_key_rotated_out_is_refused() {
    let old_secret = KeyRing::generate_secret();
    let new_secret = KeyRing::generate_secret();
    let ring = |text: &str| KeyRing::parse(text).unwrap();
    let (addr, _) = serve_with(ActionsLayer::new().key_ring(ring(&old_secret))).await;
    let page = Req::get("/").send(addr).await.text();
    let start = page.find("action=\"").unwrap() + 8;
    let sealed = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");

    // Rotated: the new key seals, the old one still opens.
    let rotated = ring(&format!("{new_secret},{old_secret}"));
    let (addr, app) = serve_with(ActionsLayer::new().key_ring(rotated)).await;
    let resp = Req::post(&sealed)
        .script()
        .form(&[("title", "rotated")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(app.runs("rename"), 1);

    // The old key dropped: its seals no longer open.
    let (addr, app) = serve_with(ActionsLayer::new().key_ring(ring(&new_secret))).await;
    let untouched = Untouched::from(&app);
    assert_seal_refused(addr, &sealed).await;
    untouched.check();
}

#[tokio::test]
async fn a_plain_field_cannot_set_a_bound_value() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    // With a genuine seal for item 1, a field or a query parameter naming item 2.
    let genuine = app::rename.bind(1).to_string();
    let resp = Req::post(&genuine)
        .script()
        .form(&[("title", "x"), ("id", "2")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 422, "{}", resp.text());
    let resp = Req::post(&genuine)
        .script()
        .json(json!({ "title": "x", "id": 2 }))
        .send(addr)
        .await;
    assert_eq!(resp.status, 422, "{}", resp.text());
    // Without a seal, no query parameter can supply one, and a field is an unknown field (the
    // input is decoded before the seal is opened).
    let path = app::rename.url().to_string();
    for target in [format!("{path}?id=2"), format!("{path}?bound=2")] {
        assert_seal_refused(addr, &target).await;
    }
    let resp = Req::post(&path)
        .script()
        .form(&[("title", "x"), ("id", "2")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 422, "{}", resp.text());
    untouched.check();
}

#[tokio::test]
async fn a_genuine_seal_in_the_body_is_not_a_seal() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let (path, seal) = rename_2();
    let resp = Req::post(&path)
        .script()
        .form(&[("title", "x"), ("b", &seal)])
        .send(addr)
        .await;
    // An unknown field of the input: refused before the (missing) seal is even looked at.
    assert_eq!(resp.status, 422, "{}", resp.text());
    untouched.check();
}
