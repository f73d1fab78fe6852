//! HTTP tests of the example app: a real server on 127.0.0.1, a real SQLite file, and a tiny
//! HTTP/1.1 client that sees what a browser with JavaScript off sees (it never follows
//! redirects, and keeps cookies like a browser does).

// The helpers below are test code too: a failure should panic with the test, right there.
#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A database file in the temp dir, removed (with its WAL files) when dropped.
struct TempDb {
    path: PathBuf,
}

impl TempDb {
    fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "actum-example-test-{}-{}-{nanos}.db",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
        );
        Self {
            path: std::env::temp_dir().join(name),
        }
    }

    /// How many posts the file holds, read directly (not through the app).
    async fn count_posts(&self) -> i64 {
        let url = format!("sqlite://{}", self.path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM posts")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        count
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The app served on a free port until dropped.
struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(db: &TempDb) -> Self {
        let app = actum_example_app::app(&db.path).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, task }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One answer, as read off the socket.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn location(&self) -> &str {
        self.header("location").unwrap_or_default()
    }
}

/// A browser without JavaScript: a cookie jar and raw HTTP/1.1 requests.
struct Browser {
    addr: SocketAddr,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new(server: &Server) -> Self {
        Self {
            addr: server.addr,
            cookies: BTreeMap::new(),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.send("GET", path, &[], "").await
    }

    /// Posts a form from this site (`Sec-Fetch-Site: same-origin`, as a browser sends it).
    async fn post(&mut self, action_url: &str, fields: &[(&str, &str)]) -> Answer {
        self.post_from("same-origin", action_url, fields).await
    }

    async fn post_from(&mut self, site: &str, action_url: &str, fields: &[(&str, &str)]) -> Answer {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let headers = [
            ("Sec-Fetch-Site", site),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        self.send("POST", action_url, &headers, &body).await
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (name, value) in headers {
            request += &format!("{name}: {value}\r\n");
        }
        if !self.cookies.is_empty() {
            let pairs: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request += &format!("Cookie: {}\r\n", pairs.join("; "));
        }
        request += &format!("Content-Length: {}\r\n\r\n{body}", body.len());
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let answer = parse_answer(&String::from_utf8(raw).unwrap());
        self.keep_cookies(&answer);
        answer
    }

    /// Keeps the cookies an answer sets, and forgets the ones it expires.
    fn keep_cookies(&mut self, answer: &Answer) {
        let set_cookies = answer
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"));
        for (_, set_cookie) in set_cookies {
            let mut attributes = set_cookie.split(';').map(str::trim);
            let (name, value) = attributes.next().unwrap().split_once('=').unwrap();
            let expired = attributes.any(|a| a.eq_ignore_ascii_case("max-age=0"));
            if expired || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// Signs in under `name`; returns the answer to the sign-in post.
    async fn sign_in(&mut self, name: &str) -> Answer {
        let page = self.get("/").await;
        let url = form_action(&page.body, "sign-in");
        self.post(&url, &[("name", name)]).await
    }

    /// Creates a post (signed in); returns its id.
    async fn create_post(&mut self, title: &str, body: &str) -> i64 {
        let page = self.get("/").await;
        let url = form_action(&page.body, "create-post");
        let answer = self.post(&url, &[("title", title), ("body", body)]).await;
        assert_eq!(answer.status, 303, "{answer:?}");
        answer
            .location()
            .strip_prefix("/posts/")
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// Splits a raw HTTP/1.1 answer into status, headers and body.
fn parse_answer(raw: &str) -> Answer {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// Percent-encodes a form value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `action` URL of the form with this id, as the browser would post to it.
fn form_action(html: &str, form_id: &str) -> String {
    let form = html
        .find(&format!(r#"id="{form_id}""#))
        .unwrap_or_else(|| panic!("no form {form_id} in {html}"));
    let start = form + html[form..].find(r#"action=""#).unwrap() + r#"action=""#.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].replace("&amp;", "&")
}

#[tokio::test]
async fn signing_in_sets_the_session_cookie() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(&server);
    let answer = alice.sign_in("alice").await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location(), "/");
    let cookie = answer.header("set-cookie").unwrap();
    assert!(cookie.starts_with("session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(
        alice
            .get("/")
            .await
            .body
            .contains("Signed in as <strong>alice</strong>")
    );
}

#[tokio::test]
async fn an_empty_name_does_not_sign_in() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut anonymous = Browser::new(&server);
    let answer = anonymous.sign_in("  ").await;
    assert_eq!(answer.status, 303);
    assert!(!anonymous.cookies.contains_key("session"));
    assert!(anonymous.get("/").await.body.contains("a name is required"));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(&server);
    alice.sign_in("alice").await;
    let old_session = alice.cookies["session"].clone();
    let page = alice.get("/").await;
    let answer = alice.post(&form_action(&page.body, "sign-out"), &[]).await;
    assert_eq!((answer.status, answer.location()), (303, "/"));
    assert!(!alice.cookies.contains_key("session"));
    // The old token no longer works, even if a copy of the cookie was kept.
    alice.cookies.insert("session".into(), old_session);
    assert!(!alice.get("/").await.body.contains("Signed in as"));
}

#[tokio::test]
async fn a_created_post_is_shown() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(&server);
    alice.sign_in("alice").await;
    let id = alice.create_post("Hello <world>", "First post").await;
    let page = alice.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Hello &lt;world&gt;"));
    assert!(page.body.contains("First post"));
    assert!(
        alice
            .get("/")
            .await
            .body
            .contains(&format!(r#"href="/posts/{id}""#))
    );
}

#[tokio::test]
async fn an_invalid_post_comes_back_with_errors_and_typed_values() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(&server);
    alice.sign_in("alice").await;
    let page = alice.get("/").await;
    let url = form_action(&page.body, "create-post");
    let long_title = format!("typed-{}", "x".repeat(120));
    let answer = alice
        .post(&url, &[("title", &long_title), ("body", "kept body")])
        .await;
    assert_eq!((answer.status, answer.location()), (303, "/"));
    let page = alice.get("/").await;
    assert!(
        page.body
            .contains("the title must have at most 120 characters"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(r#"value="{long_title}""#)));
    assert!(page.body.contains("kept body"));
    assert_eq!(db.count_posts().await, 0);
    // The form state is shown once: a reload shows a fresh form.
    assert!(!alice.get("/").await.body.contains("at most 120 characters"));
}

#[tokio::test]
async fn creating_while_signed_out_is_401_and_creates_nothing() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(&server);
    alice.sign_in("alice").await;
    let url = form_action(&alice.get("/").await.body, "create-post");
    let mut anonymous = Browser::new(&server);
    let answer = anonymous
        .post(&url, &[("title", "Sneaky"), ("body", "")])
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(db.count_posts().await, 0);
}

#[tokio::test]
async fn deleting_someone_elses_post_is_403_and_keeps_it() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(&server);
    alice.sign_in("alice").await;
    let id = alice.create_post("Alice's", "mine").await;
    let delete_url = form_action(&alice.get("/").await.body, &format!("delete-post-{id}"));

    let mut bob = Browser::new(&server);
    bob.sign_in("bob").await;
    assert!(
        !bob.get("/")
            .await
            .body
            .contains(&format!("delete-post-{id}"))
    );
    let answer = bob.post(&delete_url, &[]).await;
    assert_eq!(answer.status, 403);
    assert_eq!(bob.get(&format!("/posts/{id}")).await.status, 200);
    assert_eq!(db.count_posts().await, 1);
}

#[tokio::test]
async fn deleting_your_own_post_removes_it() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(&server);
    alice.sign_in("alice").await;
    let id = alice.create_post("Short-lived", "").await;
    let delete_url = form_action(
        &alice.get(&format!("/posts/{id}")).await.body,
        &format!("delete-post-{id}"),
    );
    let answer = alice.post(&delete_url, &[]).await;
    assert_eq!((answer.status, answer.location()), (303, "/"));
    let page = alice.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("There is no post"));
    assert_eq!(db.count_posts().await, 0);
    // Replaying the same delete finds nothing to delete.
    assert_eq!(alice.post(&delete_url, &[]).await.status, 404);
}

#[tokio::test]
async fn a_cross_site_post_is_403_and_creates_nothing() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(&server);
    alice.sign_in("alice").await;
    let url = form_action(&alice.get("/").await.body, "create-post");
    let answer = alice
        .post_from("cross-site", &url, &[("title", "Forged"), ("body", "")])
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(db.count_posts().await, 0);
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut anonymous = Browser::new(&server);
    assert_eq!(anonymous.get("/nowhere").await.status, 404);
    assert_eq!(anonymous.get("/posts/999").await.status, 404);
}

#[tokio::test]
async fn data_survives_a_restart() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(&server);
    alice.sign_in("alice").await;
    let id = alice.create_post("Durable", "still here").await;
    drop(server);

    let server = Server::start(&db).await;
    let mut alice = Browser {
        addr: server.addr,
        cookies: alice.cookies,
    };
    let page = alice.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("still here"));
    // The session is in the database too.
    assert!(page.body.contains("Signed in as <strong>alice</strong>"));
}
