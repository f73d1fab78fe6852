//! Reading an answer as a browser sees it: status, headers, the de-framed body and its cookies.

/// An answer: status, headers (names lowercased, in order) and the body (de-chunked).
#[derive(Debug, Clone)]
pub struct Resp {
    /// The status code.
    pub status: u16,
    /// Every header, name lowercased.
    pub headers: Vec<(String, String)>,
    /// The body, without its chunked framing.
    pub body: Vec<u8>,
}

impl Resp {
    /// Parses a whole HTTP/1.1 answer, as read until the server closed the connection.
    pub(crate) fn parse(raw: &[u8]) -> Self {
        let end = find(raw, b"\r\n\r\n").unwrap_or_else(|| {
            panic!(
                "no complete head in the answer: {:?}",
                String::from_utf8_lossy(raw)
            )
        });
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
        let mut resp = Self {
            status,
            headers,
            body: Vec::new(),
        };
        resp.body = resp.decode_body(&raw[end + 4..]);
        resp
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
    pub fn header(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    /// Every value of a header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The `Location` header, or `""` when there is none.
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or_default()
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; fails the test, showing the body, when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("the body is not JSON ({err}): {}", self.text()))
    }

    /// The whole `Set-Cookie` line that sets `name`.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.all("set-cookie")
            .into_iter()
            .find(|line| SetCookie::parse(line).is_some_and(|cookie| cookie.name == name))
    }

    /// The value `Set-Cookie` gives to `name`.
    pub fn cookie_value(&self, name: &str) -> Option<&str> {
        SetCookie::parse(self.set_cookie(name)?).map(|cookie| cookie.value)
    }

    /// The `name=value` of each `Set-Cookie`, expired ones included, for sending back as a
    /// `Cookie` header exactly as set.
    pub fn cookie_pairs(&self) -> String {
        self.all("set-cookie")
            .iter()
            .filter_map(|line| line.split(';').next())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The `Cookie` header a browser sends next: every cookie this answer set and did not
    /// expire (`Max-Age=0`).
    pub fn cookies_to_send(&self) -> String {
        self.all("set-cookie")
            .into_iter()
            .filter_map(SetCookie::parse)
            .filter(|cookie| !cookie.expired)
            .map(|cookie| format!("{}={}", cookie.name, cookie.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The cookies this answer sets, in order.
    pub(crate) fn set_cookies(&self) -> impl Iterator<Item = SetCookie<'_>> {
        self.all("set-cookie")
            .into_iter()
            .filter_map(SetCookie::parse)
    }
}

/// One `Set-Cookie` line, read as far as a browser without JavaScript needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SetCookie<'a> {
    /// The cookie's name.
    pub(crate) name: &'a str,
    /// Its value (empty when the server clears it).
    pub(crate) value: &'a str,
    /// Whether `Max-Age=0` tells the browser to drop it.
    pub(crate) expired: bool,
}

impl<'a> SetCookie<'a> {
    /// Reads `name=value; attributes…`; `None` when the line has no `name=value` pair.
    pub(crate) fn parse(line: &'a str) -> Option<Self> {
        let mut attributes = line.split(';').map(str::trim);
        let (name, value) = attributes.next()?.split_once('=')?;
        let expired = attributes.any(|a| a.eq_ignore_ascii_case("max-age=0"));
        Some(Self {
            name,
            value,
            expired,
        })
    }
}

/// Asserts what every answer on an action path must say: `Cache-Control: no-store` (private) and
/// `X-Content-Type-Options: nosniff` (typed).
pub fn assert_hardened(resp: &Resp) {
    assert_eq!(resp.header("cache-control"), Some("no-store"), "{resp:?}");
    assert_eq!(
        resp.header("x-content-type-options"),
        Some("nosniff"),
        "{resp:?}"
    );
}

/// Decodes a chunked body, failing the test when the framing is broken.
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n").expect("a chunk size line in the chunked body");
        let size_line = String::from_utf8_lossy(&rest[..line_end]);
        let size_hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .unwrap_or_else(|err| panic!("bad chunk size {size_hex:?}: {err}"));
        rest = &rest[line_end + 2..];
        if size == 0 {
            return body;
        }
        assert!(
            rest.len() >= size + 2,
            "a chunk of {size} bytes ended after {} bytes",
            rest.len()
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(head: &str, body: &[u8]) -> Resp {
        let mut raw = head.as_bytes().to_vec();
        raw.extend_from_slice(b"\r\n\r\n");
        raw.extend_from_slice(body);
        Resp::parse(&raw)
    }

    #[test]
    fn status_and_headers_are_read_with_names_lowercased() {
        let resp = answer(
            "HTTP/1.1 303 See Other\r\nLocation: /\r\nX-A: 1\r\nx-a: 2",
            b"",
        );
        assert_eq!(resp.status, 303);
        assert_eq!(resp.location(), "/");
        assert_eq!(resp.header("X-A"), Some("1"));
        assert_eq!(resp.all("x-a"), ["1", "2"]);
        assert_eq!(resp.headers[0].0, "location");
        assert_eq!(resp.header("nope"), None);
    }

    #[test]
    fn a_missing_location_is_empty() {
        assert_eq!(answer("HTTP/1.1 200 OK", b"").location(), "");
    }

    #[test]
    fn the_body_stops_at_its_content_length() {
        let resp = answer("HTTP/1.1 200 OK\r\ncontent-length: 2", b"hi, and more");
        assert_eq!(resp.text(), "hi");
    }

    #[test]
    #[should_panic(expected = "the body ended after 2 of 5 bytes")]
    fn a_body_shorter_than_its_content_length_fails() {
        answer("HTTP/1.1 200 OK\r\ncontent-length: 5", b"hi");
    }

    #[test]
    fn without_a_length_the_body_runs_to_the_end() {
        assert_eq!(answer("HTTP/1.1 200 OK", b"all of it").text(), "all of it");
    }

    #[test]
    fn a_chunked_body_is_decoded() {
        let resp = answer(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked",
            b"5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\n\r\n",
        );
        assert_eq!(resp.text(), "hello!");
    }

    #[test]
    #[should_panic(expected = "bad chunk size")]
    fn a_bad_chunk_size_fails() {
        answer("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked", b"zz\r\n");
    }

    #[test]
    #[should_panic(expected = "a chunk of 5 bytes ended after 2 bytes")]
    fn a_cut_chunk_fails() {
        answer("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked", b"5\r\nhe");
    }

    #[test]
    #[should_panic(expected = "no complete head")]
    fn an_answer_without_a_head_fails() {
        Resp::parse(b"HTTP/1.1 200 OK\r\n");
    }

    #[test]
    #[should_panic(expected = "bad status line")]
    fn a_bad_status_line_fails() {
        answer("HTTP/1.1 OK", b"");
    }

    #[test]
    fn json_reads_the_body() {
        let resp = answer("HTTP/1.1 200 OK", br#"{"ok":true}"#);
        assert_eq!(resp.json(), serde_json::json!({"ok": true}));
    }

    #[test]
    #[should_panic(expected = "the body is not JSON")]
    fn json_fails_on_other_bodies() {
        answer("HTTP/1.1 200 OK", b"<html>").json();
    }

    fn with_cookies() -> Resp {
        answer(
            "HTTP/1.1 200 OK\r\n\
             set-cookie: session=abc; Path=/; HttpOnly\r\n\
             set-cookie: actum_fs=; Path=/; max-age=0\r\n\
             set-cookie: theme=dark",
            b"",
        )
    }

    #[test]
    fn set_cookie_finds_the_line_by_exact_name() {
        let resp = with_cookies();
        assert_eq!(
            resp.set_cookie("session"),
            Some("session=abc; Path=/; HttpOnly")
        );
        assert_eq!(resp.set_cookie("sess"), None);
        assert_eq!(resp.cookie_value("theme"), Some("dark"));
        assert_eq!(resp.cookie_value("actum_fs"), Some(""));
        assert_eq!(resp.cookie_value("missing"), None);
    }

    #[test]
    fn cookie_pairs_keep_every_cookie_and_cookies_to_send_drop_expired_ones() {
        let resp = with_cookies();
        assert_eq!(resp.cookie_pairs(), "session=abc; actum_fs=; theme=dark");
        assert_eq!(resp.cookies_to_send(), "session=abc; theme=dark");
    }

    #[test]
    fn set_cookie_lines_without_a_pair_are_skipped() {
        assert_eq!(SetCookie::parse("garbage"), None);
        let cookie = SetCookie::parse("a=b=c; Max-Age=0").expect("a pair");
        assert_eq!(
            (cookie.name, cookie.value, cookie.expired),
            ("a", "b=c", true)
        );
    }

    #[test]
    fn assert_hardened_accepts_a_private_typed_answer() {
        assert_hardened(&answer(
            "HTTP/1.1 200 OK\r\ncache-control: no-store\r\nx-content-type-options: nosniff",
            b"",
        ));
    }

    #[test]
    #[should_panic(expected = "no-store")]
    fn assert_hardened_refuses_a_cacheable_answer() {
        assert_hardened(&answer(
            "HTTP/1.1 200 OK\r\nx-content-type-options: nosniff",
            b"",
        ));
    }

    #[test]
    #[should_panic(expected = "nosniff")]
    fn assert_hardened_refuses_an_untyped_answer() {
        assert_hardened(&answer("HTTP/1.1 200 OK\r\ncache-control: no-store", b""));
    }
}
