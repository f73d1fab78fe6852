//! Multipart bodies: broken framing, budgets, part headers and file names, and uploads that stop
//! half-way, none of which reaches an action or leaves anything behind.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

use actum_testkit::{Part, Req};
use tokio::io::AsyncWriteExt;

use crate::app::{self, serve};
use crate::{Untouched, url};

/// A script's post of `body` to `action_url` as `multipart/form-data` with `content_type`.
fn raw_multipart(action_url: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Req {
    Req::post(action_url)
        .script()
        .header("content-type", content_type)
        .body(body)
}

async fn assert_status(addr: SocketAddr, req: Req, status: u16) {
    let resp = req.send(addr).await;
    assert_eq!(resp.status, status, "{}", resp.text());
}

/// A body of `parts` (each `headers` then `content`) with boundary `b`, properly closed.
fn body_of(b: &str, parts: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (headers, content) in parts {
        body += &format!("--{b}\r\n{headers}\r\n\r\n{content}\r\n");
    }
    body + &format!("--{b}--\r\n")
}

#[tokio::test]
async fn a_multipart_body_without_a_boundary_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let body = body_of("b", &[("Content-Disposition: form-data; name=\"n\"", "1")]);
    for content_type in [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; charset=utf-8",
    ] {
        assert_status(
            addr,
            raw_multipart(&url(app::add), content_type, body.clone()),
            400,
        )
        .await;
    }
    untouched.check();
}

#[tokio::test]
async fn an_overlong_or_invalid_boundary_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    for boundary in [
        "b".repeat(71),
        "b".repeat(10_000),
        "a\u{7f}b".to_owned(),
        "a;b".to_owned(),
    ] {
        let body = body_of(
            &boundary,
            &[("Content-Disposition: form-data; name=\"n\"", "1")],
        );
        let content_type = format!("multipart/form-data; boundary=\"{boundary}\"");
        let resp = raw_multipart(&url(app::add), &content_type, body)
            .send(addr)
            .await;
        assert_eq!(resp.status, 400, "{} chars", boundary.len());
    }
    untouched.check();
}

#[tokio::test]
async fn an_unterminated_multipart_body_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let content_type = "multipart/form-data; boundary=b";
    for body in [
        // No closing delimiter.
        "--b\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n1\r\n",
        // Cut inside the content.
        "--b\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n1",
        // Cut inside the part's headers.
        "--b\r\nContent-Disposition: form-data; na",
        // Nothing but the opening delimiter.
        "--b\r\n",
    ] {
        assert_status(addr, raw_multipart(&url(app::add), content_type, body), 400).await;
    }
    untouched.check();
}

#[tokio::test]
async fn a_body_that_does_not_use_its_boundary_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let body = body_of(
        "other",
        &[("Content-Disposition: form-data; name=\"n\"", "1")],
    );
    let resp = raw_multipart(&url(app::add), "multipart/form-data; boundary=b", body)
        .send(addr)
        .await;
    assert!(matches!(resp.status, 400 | 422), "{}", resp.text());
    untouched.check();
}

#[tokio::test]
async fn too_many_parts_are_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let names: Vec<String> = (0..257).map(|i| format!("f{i}")).collect();
    let parts: Vec<Part<'_>> = names.iter().map(|n| Part::field(n, b"")).collect();
    let resp = Req::post(url(app::echo_map))
        .script()
        .multipart(&parts)
        .send(addr)
        .await;
    assert_eq!(resp.status, 413, "{}", resp.text());
    untouched.check();
}

#[tokio::test]
async fn too_many_files_are_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let names: Vec<String> = (0..17).map(|i| format!("f{i}")).collect();
    let parts: Vec<Part<'_>> = names.iter().map(|n| Part::file(n, "a.txt", b"x")).collect();
    let resp = Req::post(url(app::echo))
        .script()
        .multipart(&parts)
        .send(addr)
        .await;
    assert_eq!(resp.status, 413, "{}", resp.text());
    untouched.check();
}

#[tokio::test]
async fn a_part_header_flood_is_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let content_type = "multipart/form-data; boundary=b";
    let many_headers = format!(
        "Content-Disposition: form-data; name=\"n\"{}",
        "\r\nX-Flood: 1".repeat(5_000)
    );
    let one_long_header = format!(
        "Content-Disposition: form-data; name=\"n\"\r\nX-Flood: {}",
        "a".repeat(500_000)
    );
    let long_disposition = format!(
        "Content-Disposition: form-data; name=\"n\"{}",
        "; x=y".repeat(50_000)
    );
    for headers in [many_headers, one_long_header, long_disposition] {
        let body = body_of("b", &[(&headers, "1")]);
        let started = std::time::Instant::now();
        let resp = raw_multipart(&url(app::add), content_type, body)
            .send(addr)
            .await;
        assert!(
            matches!(resp.status, 400 | 413),
            "{} {}",
            resp.status,
            resp.text()
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    untouched.check();
}

#[tokio::test]
async fn malformed_part_headers_are_refused() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let content_type = "multipart/form-data; boundary=b";
    let mut cases: Vec<Vec<u8>> = [
        // No Content-Disposition at all.
        "Content-Type: text/plain",
        // A disposition without a name.
        "Content-Disposition: form-data",
        "Content-Disposition: form-data; filename=\"a.txt\"",
        // A header line without a colon.
        "Content-Disposition: form-data; name=\"n\"\r\ngarbage",
        // A header name with a space.
        "Content Disposition: form-data; name=\"n\"",
        // A header line folded onto the next (obsolete line folding).
        "Content-Disposition: form-data;\r\n name=\"n\"",
    ]
    .iter()
    .map(|headers| body_of("b", &[(headers, "1")]).into_bytes())
    .collect();
    // A name that is not UTF-8.
    let mut not_utf8 =
        b"--b\r\nContent-Disposition: form-data; name=\"\xff\xfe\"\r\n\r\n1\r\n".to_vec();
    not_utf8.extend_from_slice(b"--b--\r\n");
    cases.push(not_utf8);
    // A NUL byte inside the headers.
    cases.push(
        body_of(
            "b",
            &[("Content-Disposition: form-data; name=\"n\0\"", "1")],
        )
        .into_bytes(),
    );
    for body in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let resp = raw_multipart(&url(app::add), content_type, body)
            .send(addr)
            .await;
        assert!(
            matches!(resp.status, 400 | 422),
            "{shown:?}: {} {}",
            resp.status,
            resp.text()
        );
    }
    untouched.check();
}

#[tokio::test]
async fn path_traversal_file_names_are_reduced_to_their_last_component() {
    let (addr, app) = serve().await;
    let names = [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/etc/shadow", "shadow"),
        ("C:\\Users\\me\\a.txt", "a.txt"),
    ];
    let nothing_but_a_path = ["..", "../", "/"];
    for (sent, kept) in names {
        // `upload` is meant to run: the attack is the name, which must reach it without a path.
        let resp = Req::post(url(app::upload))
            .script()
            .multipart(&[Part::file("file", sent, b"data"), Part::field("note", b"n")])
            .send(addr)
            .await;
        assert_eq!(resp.status, 200, "{sent:?}: {}", resp.text());
        assert_eq!(resp.json()["result"][0], kept, "{sent:?}");
    }
    // Names that are nothing but a path give no name at all.
    for sent in nothing_but_a_path {
        let resp = Req::post(url(app::upload))
            .script()
            .multipart(&[Part::file("file", sent, b"data"), Part::field("note", b"n")])
            .send(addr)
            .await;
        assert_eq!(resp.status, 200, "{sent:?}: {}", resp.text());
        assert_eq!(resp.json()["result"][0], "", "{sent:?}");
    }
    let mut expected = app::App::new().snapshot();
    let uploads = names.len() + nothing_but_a_path.len();
    expected.runs.insert("upload", uploads as u64);
    assert_eq!(
        app.snapshot(),
        expected,
        "only the uploads ran, and changed nothing"
    );
}

/// The server's end of its connections on `port`, open in this process: sockets in
/// `/proc/self/fd` whose inode `/proc/net/tcp` lists on local port `port` (the listener aside).
fn server_connections(port: u16) -> usize {
    let mut inodes = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(table) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in table.lines().skip(1) {
            let columns: Vec<&str> = line.split_whitespace().collect();
            let local_port = columns[1]
                .rsplit(':')
                .next()
                .and_then(|hex| u16::from_str_radix(hex, 16).ok());
            let listening = columns[3] == "0A";
            if local_port == Some(port) && !listening {
                inodes.insert(format!("socket:[{}]", columns[9]));
            }
        }
    }
    open_descriptors()
        .iter()
        .filter(|target| inodes.contains(target.as_str()))
        .count()
}

/// What each of this process's open descriptors points at.
fn open_descriptors() -> Vec<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .collect()
}

/// Open descriptors that are files in the temp directory or deleted files: where an upload
/// spooled to disk would show.
fn temp_files() -> usize {
    let temp = std::env::temp_dir().to_string_lossy().into_owned();
    open_descriptors()
        .iter()
        .filter(|target| target.starts_with(&temp) || target.ends_with("(deleted)"))
        .count()
}

#[tokio::test]
async fn an_aborted_upload_leaves_no_temp_file_or_open_descriptor() {
    let (addr, app) = serve().await;
    let untouched = Untouched::from(&app);
    let files_before = temp_files();
    let big = vec![b'x'; 1500];
    let full = Req::post(url(app::upload)).multipart(&[
        Part::file("file", "big.bin", &big),
        Part::field("note", b"n"),
    ]);
    for _ in 0..20 {
        // The head and half the body, then the client goes away.
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST {} HTTP/1.1\r\nhost: {addr}\r\nsec-fetch-site: same-origin\r\n\
             content-type: multipart/form-data; boundary=----actumtestboundary7MA4YWxkTrZu0gW\r\n\
             content-length: {}\r\n\r\n",
            url(app::upload),
            full.body_len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let partial = format!(
            "------actumtestboundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; \
             name=\"file\"; filename=\"big.bin\"\r\n\r\n{}",
            "x".repeat(700)
        );
        stream.write_all(partial.as_bytes()).await.unwrap();
        drop(stream);
    }
    // The server notices each hang-up as it reads: wait for its side of every connection to close.
    let mut open = usize::MAX;
    for _ in 0..50 {
        open = server_connections(addr.port());
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(open, 0, "connections of aborted uploads are still open");
    assert_eq!(temp_files(), files_before, "an upload left a file open");
    untouched.check();
}
