//! A tiny HTTP/1.1 client over raw TCP that sees what a browser with JavaScript off sees: one
//! request per connection (`Connection: close`), read to the end, redirects never followed.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

/// How long a test waits for the server to send or take bytes before it fails.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The multipart boundary of [`Request::multipart`] (never found in the test files).
const BOUNDARY: &str = "actum-blackbox-boundary-5f0c2e";

/// Paths of actions: every answer on them must be private and typed (see [`assert_hardened`]).
const ACTION_PATH: &str = "/_actum/";

/// One request, built then sent with [`Request::send`].
#[derive(Debug, Clone)]
pub(crate) struct Request {
    addr: SocketAddr,
    method: &'static str,
    target: String,
    headers: Vec<(String, String)>,
    body: Body,
}

/// How the body goes on the wire.
#[derive(Debug, Clone)]
enum Body {
    /// No body and no `Content-Length`.
    Empty,
    /// The bytes, with their `Content-Length`.
    Sized(Vec<u8>),
    /// A `Content-Length` of this many bytes, and no body at all (a lying client).
    DeclaredOnly(u64),
    /// The bytes in one chunk of `Transfer-Encoding: chunked`, so no length is declared.
    Chunked(Vec<u8>),
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub(crate) struct Part<'a> {
    /// The field name.
    pub(crate) name: &'a str,
    /// The file name, for a file part.
    pub(crate) file_name: Option<&'a str>,
    /// The bytes.
    pub(crate) bytes: &'a [u8],
}

impl Request {
    /// A request without a body; `Host` and `Connection: close` are always sent.
    pub(crate) fn new(addr: SocketAddr, method: &'static str, target: &str) -> Request {
        Request {
            addr,
            method,
            target: target.to_owned(),
            headers: Vec::new(),
            body: Body::Empty,
        }
        .header("Host", &addr.to_string())
        .header("Connection", "close")
    }

    /// Adds a header (sent as given, after the ones added before).
    pub(crate) fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `Sec-Fetch-Site: same-origin`, what a browser sends on a form post from the same page.
    pub(crate) fn same_origin(self) -> Request {
        self.header("Sec-Fetch-Site", "same-origin")
    }

    /// `actum-request: 1`: ask for the JSON envelope (script mode).
    pub(crate) fn script(self) -> Request {
        self.header("actum-request", "1")
    }

    /// A `Cookie` header, unless `cookies` is empty.
    pub(crate) fn cookies(self, cookies: &str) -> Request {
        if cookies.is_empty() {
            self
        } else {
            self.header("Cookie", cookies)
        }
    }

    /// An `application/x-www-form-urlencoded` body, as a browser encodes a form.
    pub(crate) fn form(self, fields: &[(&str, &str)]) -> Request {
        let body = fields
            .iter()
            .map(|(name, value)| format!("{}={}", form_encode(name), form_encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        self.body("application/x-www-form-urlencoded", body.into_bytes())
    }

    /// An `application/json` body.
    pub(crate) fn json(self, value: &serde_json::Value) -> Request {
        self.body("application/json", value.to_string().into_bytes())
    }

    /// A `multipart/form-data` body.
    pub(crate) fn multipart(self, parts: &[Part<'_>]) -> Request {
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            let disposition = match part.file_name {
                Some(file) => format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n",
                    part.name
                ),
                None => format!("Content-Disposition: form-data; name=\"{}\"\r\n", part.name),
            };
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(part.bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.body(&format!("multipart/form-data; boundary={BOUNDARY}"), body)
    }

    /// A body of any content type, with its length.
    pub(crate) fn body(mut self, content_type: &str, bytes: Vec<u8>) -> Request {
        self.body = Body::Sized(bytes);
        self.header("Content-Type", content_type)
    }

    /// Declares `Content-Length: length` and then sends no body at all.
    pub(crate) fn declared_length_only(mut self, content_type: &str, length: u64) -> Request {
        self.body = Body::DeclaredOnly(length);
        self.header("Content-Type", content_type)
    }

    /// Sends the bytes chunked, so the server only learns the size by counting.
    pub(crate) fn chunked(mut self, content_type: &str, bytes: Vec<u8>) -> Request {
        self.body = Body::Chunked(bytes);
        self.header("Content-Type", content_type)
    }

    /// Sends the request and reads the whole answer. Answers on action paths are checked with
    /// [`assert_hardened`], since every one of them must pass it.
    pub(crate) fn send(self) -> Response {
        let response = exchange(self.addr, &self.head(), &self.body_bytes());
        if self.target.contains(ACTION_PATH) {
            assert_hardened(&response);
        }
        response
    }

    /// The request line and headers, with the framing header of the body.
    fn head(&self) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        match &self.body {
            Body::Empty => {}
            Body::Sized(bytes) => head.push_str(&format!("Content-Length: {}\r\n", bytes.len())),
            Body::DeclaredOnly(length) => head.push_str(&format!("Content-Length: {length}\r\n")),
            Body::Chunked(_) => head.push_str("Transfer-Encoding: chunked\r\n"),
        }
        head.push_str("\r\n");
        head.into_bytes()
    }

    /// The body as it goes on the wire.
    fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            Body::Empty | Body::DeclaredOnly(_) => Vec::new(),
            Body::Sized(bytes) => bytes.clone(),
            Body::Chunked(bytes) => {
                let mut wire = format!("{:x}\r\n", bytes.len()).into_bytes();
                wire.extend_from_slice(bytes);
                wire.extend_from_slice(b"\r\n0\r\n\r\n");
                wire
            }
        }
    }
}

/// Writes the request while reading the answer: a server may answer (413) and close before it
/// has read a large body, and the answer must still be seen.
fn exchange(addr: SocketAddr, head: &[u8], body: &[u8]) -> Response {
    let stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .expect("set the read timeout");
    stream
        .set_write_timeout(Some(IO_TIMEOUT))
        .expect("set the write timeout");
    let mut writer = stream.try_clone().expect("clone the connection");
    let raw = thread::scope(|scope| {
        scope.spawn(move || {
            // A write error means the server closed early; its answer is what the test checks.
            let _ = writer.write_all(head).and_then(|()| writer.write_all(body));
        });
        read_to_end(stream)
    });
    Response::parse(&raw)
}

/// Reads until the server closes the connection. A reset after some bytes ends the answer too
/// (the server closed with part of a large body unread).
fn read_to_end(mut stream: TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return raw,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) if err.kind() == ErrorKind::ConnectionReset && !raw.is_empty() => return raw,
            Err(err) => panic!(
                "reading the answer failed after {} bytes: {err}\n{}",
                raw.len(),
                String::from_utf8_lossy(&raw)
            ),
        }
    }
}

/// An answer: status, headers (names in lowercase, in order) and the decoded body.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    /// The status code.
    pub(crate) status: u16,
    /// Every header, name lowercased.
    pub(crate) headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// Parses a whole HTTP/1.1 answer.
    fn parse(raw: &[u8]) -> Response {
        let text = String::from_utf8_lossy(raw);
        let end = find(raw, b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no complete head in the answer: {text:?}"));
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("bad status line: {status_line:?}"));
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        response.body = response.decode_body(&raw[end + 4..]);
        response
    }

    /// The body after the head, framed as the headers say.
    fn decode_body(&self, rest: &[u8]) -> Vec<u8> {
        if self
            .header("transfer-encoding")
            .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
        {
            return dechunk(rest);
        }
        match self
            .header("content-length")
            .and_then(|len| len.parse::<usize>().ok())
        {
            Some(len) => {
                assert!(
                    rest.len() >= len,
                    "the body ended after {} of {len} bytes",
                    rest.len()
                );
                rest[..len].to_vec()
            }
            None => rest.to_vec(),
        }
    }

    /// The first value of a header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers_named(name).next()
    }

    /// Every value of a header.
    pub(crate) fn headers_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (fails the test, showing the body, when it is not).
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("the body is not JSON ({err}): {}", self.text()))
    }

    /// The whole `Set-Cookie` line that sets `name`.
    pub(crate) fn set_cookie(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.headers_named("set-cookie")
            .find(|line| line.starts_with(&prefix))
    }

    /// The value `Set-Cookie` gives to `name`.
    pub(crate) fn cookie_value(&self, name: &str) -> Option<&str> {
        let line = self.set_cookie(name)?;
        let pair = line.split(';').next()?;
        pair.split_once('=').map(|(_, value)| value)
    }

    /// The `Cookie` header a browser sends next: every cookie this answer set (not expired).
    pub(crate) fn cookies_to_send(&self) -> String {
        self.headers_named("set-cookie")
            .filter(|line| !line.to_ascii_lowercase().contains("max-age=0"))
            .filter_map(|line| line.split(';').next())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Every answer on an action path is private and typed: `Cache-Control: no-store` and
/// `X-Content-Type-Options: nosniff`.
pub(crate) fn assert_hardened(response: &Response) {
    assert_eq!(
        response.header("cache-control"),
        Some("no-store"),
        "{response:?}"
    );
    assert_eq!(
        response.header("x-content-type-options"),
        Some("nosniff"),
        "{response:?}"
    );
}

/// Decodes a chunked body.
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n").expect("a chunk size line");
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).expect("a hexadecimal chunk size");
        rest = &rest[line_end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Encodes a form name or value as a browser does (`application/x-www-form-urlencoded`).
pub(crate) fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
