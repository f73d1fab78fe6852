//! Building a request exactly as it goes on the wire, and sending it.

use std::net::SocketAddr;

use crate::io;
use crate::response::Resp;

/// The boundary of [`Req::multipart`] bodies (never found in the test files).
const BOUNDARY: &str = "----actumtestboundary7MA4YWxkTrZu0gW";

/// A request to send: built step by step, then sent over its own connection
/// (`Connection: close`), so every test sees one request and one answer.
#[derive(Debug, Clone)]
pub struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    framing: Framing,
}

/// How the body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// A `Content-Length` of the body, unless the test set one itself.
    Sized,
    /// No framing header: the test writes its own, or none at all.
    Unframed,
    /// The body in one chunk of `Transfer-Encoding: chunked`, so no length is declared.
    Chunked,
}

/// One part of a [`Req::multipart`] body.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    /// The field name.
    pub name: &'a str,
    /// The file name, for a file part.
    pub file_name: Option<&'a str>,
    /// The content.
    pub bytes: &'a [u8],
}

impl<'a> Part<'a> {
    /// A plain field.
    pub fn field(name: &'a str, bytes: &'a [u8]) -> Self {
        Self {
            name,
            file_name: None,
            bytes,
        }
    }

    /// A file upload, sent as `application/octet-stream`.
    pub fn file(name: &'a str, file_name: &'a str, bytes: &'a [u8]) -> Self {
        Self {
            name,
            file_name: Some(file_name),
            bytes,
        }
    }

    /// The part's headers, blank line included.
    fn head(&self) -> String {
        match self.file_name {
            Some(file) => format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{file}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n",
                self.name
            ),
            None => format!(
                "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                self.name
            ),
        }
    }
}

impl Req {
    /// A request with any method and no body; `Host` and `Connection: close` are always sent.
    pub fn new(method: &str, path: impl Into<String>) -> Self {
        Self {
            method: method.to_owned(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            framing: Framing::Sized,
        }
    }

    /// A GET.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new("GET", path)
    }

    /// A POST as a same-origin browser sends it (`Sec-Fetch-Site: same-origin`).
    pub fn post(path: impl Into<String>) -> Self {
        Self::bare_post(path).same_origin()
    }

    /// A POST with no browser headers at all.
    pub fn bare_post(path: impl Into<String>) -> Self {
        Self::new("POST", path)
    }

    /// The path (with its query) the request goes to.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Adds a header, sent as given after the ones added before (so a header can be sent twice).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `Sec-Fetch-Site: same-origin`, what a browser sends on a form post from the same page.
    pub fn same_origin(self) -> Self {
        self.header("sec-fetch-site", "same-origin")
    }

    /// Marks the request as coming from client.js (answer as JSON).
    pub fn script(self) -> Self {
        self.header("actum-request", "1")
    }

    /// A `Cookie` header, unless `cookies` is empty (a browser sends none then).
    pub fn cookies(self, cookies: &str) -> Self {
        if cookies.is_empty() {
            self
        } else {
            self.header("cookie", cookies)
        }
    }

    /// An `application/x-www-form-urlencoded` body, encoded as a browser encodes a form.
    pub fn form(self, pairs: &[(&str, &str)]) -> Self {
        let body = pairs
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    }

    /// An `application/json` body.
    pub fn json(self, value: serde_json::Value) -> Self {
        self.header("content-type", "application/json")
            .body(value.to_string())
    }

    /// A `multipart/form-data` body, one [`Part`] after the other.
    pub fn multipart(self, parts: &[Part<'_>]) -> Self {
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            body.extend_from_slice(part.head().as_bytes());
            body.extend_from_slice(part.bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.header(
            "content-type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
    }

    /// The body bytes, sent as they are (set a `content-type` header to say what they are).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The length of the body as set, before any chunked framing (a test sizes bodies with it).
    pub fn body_len(&self) -> usize {
        self.body.len()
    }

    /// Declares this `Content-Length` whatever the body is: with no body, a client that
    /// announces bytes and never sends them.
    pub fn content_length(self, length: u64) -> Self {
        self.header("content-length", &length.to_string())
    }

    /// Sends no `Content-Length` (for hand-written framing headers).
    pub fn no_content_length(mut self) -> Self {
        self.framing = Framing::Unframed;
        self
    }

    /// Sends the body as one chunk of `Transfer-Encoding: chunked`, so the server only learns
    /// its size by counting.
    pub fn chunked(mut self) -> Self {
        self.framing = Framing::Chunked;
        self
    }

    /// Sends the request and reads the whole answer.
    ///
    /// The socket work runs on tokio's blocking pool, so a server on the test's own runtime
    /// (even a current-thread one) keeps running while the client waits.
    pub async fn send(&self, addr: SocketAddr) -> Resp {
        let request = self.to_bytes(addr);
        io::off_thread(move || Resp::parse(&io::exchange(addr, &request))).await
    }

    /// [`Req::send`] for tests without a runtime (the server runs in another process or
    /// thread): blocks until the whole answer is read.
    pub fn send_blocking(&self, addr: SocketAddr) -> Resp {
        Resp::parse(&io::exchange(addr, &self.to_bytes(addr)))
    }

    /// Sends only the head (and `partial` body bytes), then reads the answer without sending the
    /// rest: proves the server answered before reading the body.
    pub async fn send_head_only(&self, addr: SocketAddr, partial: &[u8]) -> Resp {
        let mut request = self.head(addr);
        request.extend_from_slice(partial);
        io::off_thread(move || Resp::parse(&io::exchange_head_only(addr, &request))).await
    }

    /// Sends the request and closes the connection at once, without reading the answer.
    pub async fn send_and_hang_up(&self, addr: SocketAddr) {
        let request = self.to_bytes(addr);
        io::off_thread(move || io::send_and_hang_up(addr, &request)).await;
    }

    /// The whole request as it goes on the wire.
    fn to_bytes(&self, addr: SocketAddr) -> Vec<u8> {
        let mut wire = self.head(addr);
        wire.extend_from_slice(&self.framed_body());
        wire
    }

    /// The request line and headers, with the framing header of the body.
    fn head(&self, addr: SocketAddr) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.path);
        if !self.has_header("host") {
            head += &format!("host: {addr}\r\n");
        }
        head += "connection: close\r\n";
        for (name, value) in &self.headers {
            head += &format!("{name}: {value}\r\n");
        }
        match self.framing {
            Framing::Sized if !self.has_header("content-length") => {
                head += &format!("content-length: {}\r\n", self.body.len());
            }
            Framing::Chunked => head += "transfer-encoding: chunked\r\n",
            Framing::Sized | Framing::Unframed => {}
        }
        head += "\r\n";
        head.into_bytes()
    }

    /// The body as it goes on the wire.
    fn framed_body(&self) -> Vec<u8> {
        if self.framing != Framing::Chunked {
            return self.body.clone();
        }
        let mut wire = Vec::new();
        if !self.body.is_empty() {
            wire.extend_from_slice(format!("{:x}\r\n", self.body.len()).as_bytes());
            wire.extend_from_slice(&self.body);
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b"0\r\n\r\n");
        wire
    }

    /// Whether the test set this header itself.
    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// Encodes a form name or value as a browser does (`application/x-www-form-urlencoded`): letters,
/// digits and `*-._` stay, a space becomes `+`, every other byte is percent-encoded.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    }

    fn wire(req: &Req) -> String {
        String::from_utf8_lossy(&req.to_bytes(addr())).into_owned()
    }

    #[test]
    fn a_get_sends_host_connection_close_and_a_zero_length() {
        assert_eq!(
            wire(&Req::get("/a?b=1")),
            "GET /a?b=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nconnection: close\r\n\
             content-length: 0\r\n\r\n"
        );
    }

    #[test]
    fn a_host_set_by_the_test_replaces_the_default() {
        let text = wire(&Req::get("/").header("Host", "example.com"));
        assert!(text.contains("Host: example.com\r\n"), "{text}");
        assert!(!text.contains("127.0.0.1"), "{text}");
    }

    #[test]
    fn post_is_same_origin_and_bare_post_sends_no_browser_header() {
        assert!(wire(&Req::post("/")).contains("sec-fetch-site: same-origin\r\n"));
        assert!(!wire(&Req::bare_post("/")).contains("sec-fetch-site"));
    }

    #[test]
    fn headers_keep_their_order_and_repeat() {
        let text = wire(&Req::post("/").same_origin().script());
        assert_eq!(text.matches("sec-fetch-site: same-origin").count(), 2);
        assert!(text.contains("sec-fetch-site: same-origin\r\nactum-request: 1\r\n"));
    }

    #[test]
    fn empty_cookies_send_no_cookie_header() {
        assert!(!wire(&Req::get("/").cookies("")).contains("cookie"));
        assert!(wire(&Req::get("/").cookies("a=1; b=2")).contains("cookie: a=1; b=2\r\n"));
    }

    #[test]
    fn a_form_is_encoded_with_its_length() {
        let text = wire(&Req::post("/").form(&[("a b", "x&y=z"), ("n", "1")]));
        assert!(text.contains("content-type: application/x-www-form-urlencoded\r\n"));
        assert!(
            text.ends_with("content-length: 17\r\n\r\na+b=x%26y%3Dz&n=1"),
            "{text}"
        );
    }

    #[test]
    fn json_is_sent_compact_with_its_type() {
        let text = wire(&Req::post("/").json(serde_json::json!({"n": 1})));
        assert!(text.contains("content-type: application/json\r\n"));
        assert!(
            text.ends_with("content-length: 7\r\n\r\n{\"n\":1}"),
            "{text}"
        );
    }

    #[test]
    fn multipart_writes_fields_and_files() {
        let req = Req::post("/").multipart(&[
            Part::field("note", b"hi"),
            Part::file("file", "a.txt", b"data"),
        ]);
        let text = wire(&req);
        assert!(text.contains(&format!(
            "content-type: multipart/form-data; boundary={BOUNDARY}\r\n"
        )));
        let body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
             Content-Type: application/octet-stream\r\n\r\ndata\r\n--{BOUNDARY}--\r\n"
        );
        assert!(text.ends_with(&body), "{text}");
    }

    #[test]
    fn a_declared_length_replaces_the_real_one() {
        let text = wire(&Req::post("/").content_length(100));
        assert!(text.ends_with("content-length: 100\r\n\r\n"), "{text}");
        assert_eq!(text.matches("content-length").count(), 1);
    }

    #[test]
    fn no_content_length_sends_the_body_unframed() {
        let req = Req::post("/")
            .header("transfer-encoding", "chunked")
            .no_content_length()
            .body("0\r\n\r\n");
        let text = wire(&req);
        assert!(!text.contains("content-length"), "{text}");
        assert!(
            text.ends_with("transfer-encoding: chunked\r\n\r\n0\r\n\r\n"),
            "{text}"
        );
    }

    #[test]
    fn chunked_sends_one_chunk_and_the_last_chunk() {
        let text = wire(&Req::post("/").body("hello").chunked());
        assert!(!text.contains("content-length"), "{text}");
        assert!(
            text.ends_with("transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
            "{text}"
        );
        let empty = wire(&Req::post("/").chunked());
        assert!(empty.ends_with("\r\n\r\n0\r\n\r\n"), "{empty}");
    }

    #[test]
    fn the_head_only_stops_before_the_body() {
        let req = Req::post("/").body("n=1");
        let head = String::from_utf8_lossy(&req.head(addr())).into_owned();
        assert!(head.ends_with("content-length: 3\r\n\r\n"), "{head}");
    }

    #[test]
    fn encode_keeps_what_a_browser_keeps() {
        assert_eq!(encode("aZ09*-._"), "aZ09*-._");
        assert_eq!(encode("a b"), "a+b");
        assert_eq!(encode("~/&=+é"), "%7E%2F%26%3D%2B%C3%A9");
    }
}
