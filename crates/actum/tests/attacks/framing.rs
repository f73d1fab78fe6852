//! Body and framing: the body limit is exact for every content type and every framing, a body is
//! refused as early as its framing allows (before it is read when its length is declared), and
//! framing tricks (both `Content-Length` and `Transfer-Encoding`, compressed bodies,
//! `Expect: 100-continue`, slow heads and bodies) get nowhere.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actum::ActionsLayer;
use actum_testkit::{Part, Req};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::app::{self, App, serve, serve_with};
use crate::{Untouched, raw_exchange, read_until_quiet, statuses, url};

/// The body limit of the servers in the limit tests: small, so that a multipart body of that
/// size stays within the per-field budget.
const LIMIT: usize = 4096;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Urlencoded,
    Multipart,
    Json,
}

/// A call to `echo` whose body is exactly `len` bytes of `kind`, padded in its `text` field.
fn echo_of_len(kind: Kind, len: usize) -> Req {
    let with_text = |text: &str| {
        let req = Req::post(url(app::echo)).script();
        match kind {
            Kind::Urlencoded => req.form(&[("text", text), ("nested[a]", "1")]),
            Kind::Multipart => req.multipart(&[
                Part::field("text", text.as_bytes()),
                Part::field("nested[a]", b"1"),
            ]),
            Kind::Json => req.json(serde_json::json!({ "text": text, "nested": { "a": 1 } })),
        }
    };
    let overhead = with_text("").body_len();
    with_text(&"x".repeat(len - overhead))
}

/// At the limit the action runs; one byte over, it does not, and nothing changes.
async fn assert_limit_is_exact(kind: Kind, chunked: bool) {
    let (addr, app) = serve_with(ActionsLayer::new().body_limit(LIMIT)).await;
    let frame = |req: Req| if chunked { req.chunked() } else { req };
    let at = frame(echo_of_len(kind, LIMIT)).send(addr).await;
    assert_eq!(at.status, 200, "{kind:?} at the limit: {}", at.text());
    let under = frame(echo_of_len(kind, LIMIT - 1)).send(addr).await;
    assert_eq!(under.status, 200, "{kind:?} one byte under");
    let untouched = Untouched::from(&app);
    let over = frame(echo_of_len(kind, LIMIT + 1)).send(addr).await;
    assert_eq!(over.status, 413, "{kind:?} one byte over: {}", over.text());
    untouched.check();
    assert_eq!(app.runs("echo"), 2);
}

#[tokio::test]
async fn a_urlencoded_body_one_byte_over_the_limit_is_refused() {
    assert_limit_is_exact(Kind::Urlencoded, false).await;
}

#[tokio::test]
async fn a_multipart_body_one_byte_over_the_limit_is_refused() {
    assert_limit_is_exact(Kind::Multipart, false).await;
}

#[tokio::test]
async fn a_json_body_one_byte_over_the_limit_is_refused() {
    assert_limit_is_exact(Kind::Json, false).await;
}

#[tokio::test]
async fn a_chunked_urlencoded_body_one_byte_over_the_limit_is_refused() {
    assert_limit_is_exact(Kind::Urlencoded, true).await;
}

#[tokio::test]
async fn a_chunked_multipart_body_one_byte_over_the_limit_is_refused() {
    assert_limit_is_exact(Kind::Multipart, true).await;
}

#[tokio::test]
async fn a_chunked_json_body_one_byte_over_the_limit_is_refused() {
    assert_limit_is_exact(Kind::Json, true).await;
}

#[tokio::test]
async fn the_default_limit_of_one_mib_is_exact() {
    let (addr, app) = serve().await;
    let limit = 1024 * 1024;
    // JSON padded with spaces is still the same JSON.
    let doc = r#"{"n":1}"#;
    let at_limit = format!("{doc}{}", " ".repeat(limit - doc.len()));
    let send = |body: String| {
        Req::post(url(app::add))
            .script()
            .header("content-type", "application/json")
            .body(body)
    };
    assert_eq!(send(at_limit.clone()).send(addr).await.status, 200);
    let untouched = Untouched::from(&app);
    assert_eq!(send(format!("{at_limit} ")).send(addr).await.status, 413);
    untouched.check();
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_reading() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let req = Req::post(url(app::add))
        .header("content-type", "application/x-www-form-urlencoded")
        .content_length(1024 * 1024 + 1);
    let resp = req.send_head_only(addr, b"n=1&").await;
    assert_eq!(resp.status, 413);
    untouched.check();
}

#[tokio::test]
async fn a_huge_declared_content_length_is_refused_before_reading() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for length in [
        "9223372036854775808",
        "18446744073709551615",
        "99999999999999999999999999",
        "-1",
        "1e9",
        "0x10",
    ] {
        let req = Req::post(url(app::add))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("content-length", length);
        let resp = req.send_head_only(addr, b"n=1").await;
        // actum answers 413; hyper refuses what is not a length it can hold (400 or 431).
        assert!(
            matches!(resp.status, 400 | 413 | 431),
            "content-length {length}: {}",
            resp.status
        );
    }
    untouched.check();
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_cut_off() {
    let (addr, app) = serve_with(ActionsLayer::new().body_limit(64)).await;
    let untouched = Untouched::from(&app);
    // Many small chunks, each under the limit, adding up past it.
    let chunk = "n=1&n=1&n=1&";
    let mut body = String::new();
    for _ in 0..100 {
        body += &format!("{:x}\r\n{chunk}\r\n", chunk.len());
    }
    body += "0\r\n\r\n";
    let resp = Req::post(url(app::add))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("transfer-encoding", "chunked")
        .no_content_length()
        .body(body)
        .send(addr)
        .await;
    assert_eq!(resp.status, 413);
    untouched.check();
}

#[tokio::test]
async fn a_malformed_chunked_body_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for body in [
        "zz\r\nn=1\r\n0\r\n\r\n",
        "3\r\nn=12345\r\n0\r\n\r\n",
        "-3\r\nn=1\r\n0\r\n\r\n",
    ] {
        let resp = Req::post(url(app::add))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("transfer-encoding", "chunked")
            .no_content_length()
            .body(body)
            .send(addr)
            .await;
        assert_eq!(resp.status, 400, "{body:?}");
    }
    untouched.check();
}

#[tokio::test]
async fn a_body_cut_short_of_its_content_length_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nhost: {addr}\r\nsec-fetch-site: same-origin\r\n\
         content-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\nn=1",
        url(app::add)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The client stops sending: the body ends 97 bytes short.
    stream.shutdown().await.unwrap();
    let raw = read_until_quiet(&mut stream, Duration::from_secs(5)).await;
    let got = statuses(&raw);
    assert!(
        got.is_empty() || got == [400],
        "{}",
        String::from_utf8_lossy(&raw)
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    untouched.check();
}

/// A request with both framings, followed by a second request smuggled where the first one's
/// `Content-Length` says its body is. `transfer_encoding_first` orders the two headers.
fn smuggling(
    addr: SocketAddr,
    with_content_length: bool,
    transfer_encoding_first: bool,
) -> Vec<u8> {
    let add = url(app::add);
    let smuggled = format!(
        "POST {add} HTTP/1.1\r\nhost: {addr}\r\nsec-fetch-site: same-origin\r\n\
         content-type: application/json\r\ncontent-length: 7\r\nconnection: close\r\n\r\n{{\"n\":1}}"
    );
    let body = format!("0\r\n\r\n{smuggled}");
    let te = "transfer-encoding: chunked\r\n";
    let cl = match with_content_length {
        true => format!("content-length: {}\r\n", body.len()),
        false => String::new(),
    };
    let framing = match transfer_encoding_first {
        true => format!("{te}{cl}"),
        false => format!("{cl}{te}"),
    };
    format!(
        "POST {add} HTTP/1.1\r\nhost: {addr}\r\nsec-fetch-site: same-origin\r\n\
         actum-request: 1\r\ncontent-type: application/json\r\n{framing}\r\n{body}"
    )
    .into_bytes()
}

#[tokio::test]
async fn content_length_with_transfer_encoding_cannot_smuggle_a_request() {
    // The control: without `Content-Length`, the second request is an honest pipelined one, and
    // is answered (so this test would see a smuggled request if one got through).
    let (addr, app) = serve().await;
    let raw = raw_exchange(addr, &smuggling(addr, false, false), Duration::from_secs(2)).await;
    assert_eq!(
        statuses(&raw),
        [422, 303],
        "{}",
        String::from_utf8_lossy(&raw)
    );
    assert_eq!(app.runs("add"), 1);
    // With both headers, in either order: the chunked framing wins (the first request's body is
    // empty, so `add` is refused: 422), and the connection is closed after the answer, so the bytes
    // after the body are never read as a request.
    for transfer_encoding_first in [false, true] {
        let (addr, app) = serve().await;
        let untouched = Untouched::from(&app);
        let attack = smuggling(addr, true, transfer_encoding_first);
        let raw = raw_exchange(addr, &attack, Duration::from_secs(2)).await;
        let text = String::from_utf8_lossy(&raw);
        assert_eq!(statuses(&raw), [422], "{text}");
        assert!(
            text.to_ascii_lowercase().contains("connection: close"),
            "{text}"
        );
        untouched.check();
    }
}

#[tokio::test]
async fn two_different_content_lengths_are_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let resp = Req::post(url(app::add))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "3")
        .header("content-length", "7")
        .body("n=1&n=2")
        .send(addr)
        .await;
    assert_eq!(resp.status, 400);
    let resp = Req::post(url(app::add))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "3, 7")
        .body("n=1&n=2")
        .send(addr)
        .await;
    assert_eq!(resp.status, 400);
    untouched.check();
}

#[tokio::test]
async fn a_transfer_coding_other_than_chunked_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for coding in [
        "gzip, chunked",
        "deflate, chunked",
        "identity, chunked",
        "gzip",
        "chunked, gzip",
    ] {
        let resp = Req::post(url(app::add))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("transfer-encoding", coding)
            .no_content_length()
            .body("3\r\nn=1\r\n0\r\n\r\n")
            .send(addr)
            .await;
        assert!(
            resp.status == 400 || resp.status == 501,
            "{coding}: {} {}",
            resp.status,
            resp.text()
        );
    }
    untouched.check();
}

/// `n=1` compressed with gzip: what a client that compresses its request bodies sends.
fn gzipped_n_1() -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(b"n=1").unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn a_compressed_body_is_refused_with_415() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for coding in [
        "gzip",
        "GZIP",
        "x-gzip",
        "deflate",
        "br",
        "zstd",
        "gzip, identity",
        "compress",
    ] {
        let resp = Req::post(url(app::add))
            .script()
            .header("content-type", "application/x-www-form-urlencoded")
            .header("content-encoding", coding)
            .body(gzipped_n_1())
            .send(addr)
            .await;
        assert_eq!(resp.status, 415, "{coding}: {}", resp.text());
    }
    untouched.check();
    // `identity` is no coding at all.
    let resp = Req::post(url(app::add))
        .script()
        .header("content-encoding", "identity")
        .form(&[("n", "1")])
        .send(addr)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
}

/// A request head asking `Expect: 100-continue`, its body not sent.
fn expecting(addr: SocketAddr, path: &str, headers: &str, length: usize) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n{headers}\
         content-type: application/x-www-form-urlencoded\r\ncontent-length: {length}\r\n\
         expect: 100-continue\r\n\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_refused_request_expecting_100_continue_is_answered_without_it() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let add = url(app::add);
    let cases = [
        (
            expecting(addr, &add, "sec-fetch-site: cross-site\r\n", 3),
            403,
        ),
        (
            expecting(addr, &add, "sec-fetch-site: same-origin\r\n", 2 << 20),
            413,
        ),
        (
            expecting(
                addr,
                "/_actum/no.such.action",
                "sec-fetch-site: same-origin\r\n",
                3,
            ),
            404,
        ),
    ];
    for (head, status) in cases {
        let raw = raw_exchange(addr, &head, Duration::from_secs(2)).await;
        assert_eq!(
            statuses(&raw),
            [status],
            "{}",
            String::from_utf8_lossy(&raw)
        );
    }
    untouched.check();
    // The control: an accepted request gets `100 Continue`, then its answer once the body is sent.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = expecting(addr, &add, "sec-fetch-site: same-origin\r\n", 3);
    stream.write_all(&head).await.unwrap();
    let interim = read_until_quiet(&mut stream, Duration::from_millis(500)).await;
    assert_eq!(
        statuses(&interim),
        [100],
        "{}",
        String::from_utf8_lossy(&interim)
    );
    stream.write_all(b"n=1").await.unwrap();
    let answer = read_until_quiet(&mut stream, Duration::from_secs(2)).await;
    assert_eq!(statuses(&answer), [303]);
    assert_eq!(app.runs("add"), 1);
}

#[tokio::test]
async fn a_body_that_trickles_past_the_time_limit_gets_408() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    // `quick` has a 200 ms time limit; the body never finishes arriving.
    let req = Req::post(url(app::quick))
        .header("content-type", "application/json")
        .content_length(20);
    let started = Instant::now();
    let resp = req.send_head_only(addr, b"{\"ms\":").await;
    assert_eq!(resp.status, 408);
    assert!(started.elapsed() < Duration::from_secs(2));
    untouched.check();
}

#[tokio::test]
async fn slow_headers_are_cut_off_by_the_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = App::new();
    let untouched = Untouched::from(&app);
    let router = app::router(app.clone(), ActionsLayer::new());
    tokio::spawn(
        actum::Server::new(listener)
            .header_read_timeout(Duration::from_millis(300))
            .serve(router),
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // A request head that never ends: one header line at a time, slower than the timeout allows.
    let head = format!("POST {} HTTP/1.1\r\nhost: {addr}\r\n", url(app::add));
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut dropped = false;
    let mut buf = [0u8; 1024];
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if stream.write_all(b"x-slow: 1\r\n").await.is_err() {
            dropped = true;
            break;
        }
        // Closed (0 bytes or an error), or answered: either way the server let go.
        if let Ok(_read) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buf)).await
        {
            dropped = true;
            break;
        }
    }
    assert!(
        dropped,
        "the server kept a connection whose head never finished"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    untouched.check();
}
