//! A raw HTTP/1.1 client over a TCP socket: it never follows redirects, sends exactly the bytes a
//! test asks for (lying `Content-Length`s, chunked bodies, no body at all), and shows the answer
//! as a browser would see it.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request to send.
#[derive(Debug, Clone)]
pub struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    content_length: bool,
}

impl Req {
    pub fn new(method: &str, path: impl Into<String>) -> Self {
        Self {
            method: method.to_owned(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            content_length: true,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new("GET", path)
    }

    /// A POST as a same-origin browser sends it (`Sec-Fetch-Site: same-origin`).
    pub fn post(path: impl Into<String>) -> Self {
        Self::new("POST", path).header("sec-fetch-site", "same-origin")
    }

    /// A POST with no browser headers at all.
    pub fn bare_post(path: impl Into<String>) -> Self {
        Self::new("POST", path)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Marks the request as coming from client.js (answer as JSON).
    pub fn script(self) -> Self {
        self.header("actum-request", "1")
    }

    pub fn form(self, pairs: &[(&str, &str)]) -> Self {
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(body.join("&"))
    }

    pub fn json(self, value: serde_json::Value) -> Self {
        self.header("content-type", "application/json")
            .body(value.to_string())
    }

    /// A multipart body: `(name, filename, content)` per part.
    pub fn multipart(self, parts: &[(&str, Option<&str>, &[u8])]) -> Self {
        let boundary = "----actumtestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, filename, content) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match filename {
                Some(f) => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.header(
            "content-type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends no `Content-Length` (for hand-written framing headers).
    pub fn no_content_length(mut self) -> Self {
        self.content_length = false;
        self
    }

    fn head(&self, addr: SocketAddr) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.path);
        if !self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            head += &format!("host: {addr}\r\n");
        }
        head += "connection: close\r\n";
        for (name, value) in &self.headers {
            head += &format!("{name}: {value}\r\n");
        }
        if self.content_length
            && !self
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        {
            head += &format!("content-length: {}\r\n", self.body.len());
        }
        head += "\r\n";
        head.into_bytes()
    }

    /// Sends the request and reads the whole answer.
    pub async fn send(&self, addr: SocketAddr) -> Resp {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(&self.head(addr))
            .await
            .expect("write head");
        stream.write_all(&self.body).await.expect("write body");
        read_response(&mut stream).await
    }

    /// Sends only the head (and `partial` body bytes), then reads the answer without sending the
    /// rest: proves the server answered before reading the body.
    pub async fn send_head_only(&self, addr: SocketAddr, partial: &[u8]) -> Resp {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(&self.head(addr))
            .await
            .expect("write head");
        stream.write_all(partial).await.expect("write partial body");
        tokio::time::timeout(Duration::from_secs(5), read_response(&mut stream))
            .await
            .expect("the server answered before the body was sent")
    }

    /// Sends the request and closes the connection at once.
    pub async fn send_and_hang_up(&self, addr: SocketAddr) {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(&self.head(addr))
            .await
            .expect("write head");
        stream.write_all(&self.body).await.expect("write body");
        stream.flush().await.expect("flush");
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(stream);
    }
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The `name=value` of each `Set-Cookie`, for sending back as a `Cookie` header.
    pub fn cookie_pairs(&self) -> String {
        self.all("set-cookie")
            .iter()
            .filter_map(|c| c.split(';').next())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

async fn read_response(stream: &mut TcpStream) -> Resp {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read answer");
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("answer has a head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        data = &data[end + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}

pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
