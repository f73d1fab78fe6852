//! HTTP tests of the example app: a real server on 127.0.0.1, a real SQLite file, and the
//! testkit's `Browser`, which sees what a browser with JavaScript off sees (it never follows
//! redirects, and keeps cookies like a browser does).

// The helpers below are test code too: a failure should panic with the test, right there.
#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use actum_testkit::{Browser, Resp, form_action};
use tokio::net::TcpListener;
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

/// What the tests do as a user of this app, on top of the plain browser.
trait AppBrowser {
    /// Signs in under `name`; returns the answer to the sign-in post.
    async fn sign_in(&mut self, name: &str) -> Resp;

    /// Creates a post (signed in); returns its id.
    async fn create_post(&mut self, title: &str, body: &str) -> i64;
}

impl AppBrowser for Browser {
    async fn sign_in(&mut self, name: &str) -> Resp {
        let page = self.get("/").await;
        let url = form_action(&page.text(), "sign-in");
        self.post(&url, &[("name", name)]).await
    }

    async fn create_post(&mut self, title: &str, body: &str) -> i64 {
        let page = self.get("/").await;
        let url = form_action(&page.text(), "create-post");
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

#[tokio::test]
async fn signing_in_sets_the_session_cookie() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(server.addr);
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
            .text()
            .contains("Signed in as <strong>alice</strong>")
    );
}

#[tokio::test]
async fn an_empty_name_does_not_sign_in() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut anonymous = Browser::new(server.addr);
    let answer = anonymous.sign_in("  ").await;
    assert_eq!(answer.status, 303);
    assert!(!anonymous.cookies.contains_key("session"));
    assert!(
        anonymous
            .get("/")
            .await
            .text()
            .contains("a name is required")
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(server.addr);
    alice.sign_in("alice").await;
    let old_session = alice.cookies["session"].clone();
    let page = alice.get("/").await;
    let answer = alice
        .post(&form_action(&page.text(), "sign-out"), &[])
        .await;
    assert_eq!((answer.status, answer.location()), (303, "/"));
    assert!(!alice.cookies.contains_key("session"));
    // The old token no longer works, even if a copy of the cookie was kept.
    alice.cookies.insert("session".into(), old_session);
    assert!(!alice.get("/").await.text().contains("Signed in as"));
}

#[tokio::test]
async fn a_created_post_is_shown() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(server.addr);
    alice.sign_in("alice").await;
    let id = alice.create_post("Hello <world>", "First post").await;
    let page = alice.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Hello &lt;world&gt;"));
    assert!(page.text().contains("First post"));
    assert!(
        alice
            .get("/")
            .await
            .text()
            .contains(&format!(r#"href="/posts/{id}""#))
    );
}

#[tokio::test]
async fn an_invalid_post_comes_back_with_errors_and_typed_values() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(server.addr);
    alice.sign_in("alice").await;
    let page = alice.get("/").await;
    let url = form_action(&page.text(), "create-post");
    let long_title = format!("typed-{}", "x".repeat(120));
    let answer = alice
        .post(&url, &[("title", &long_title), ("body", "kept body")])
        .await;
    assert_eq!((answer.status, answer.location()), (303, "/"));
    let page = alice.get("/").await;
    assert!(
        page.text()
            .contains("the title must have at most 120 characters"),
        "{}",
        page.text()
    );
    assert!(page.text().contains(&format!(r#"value="{long_title}""#)));
    assert!(page.text().contains("kept body"));
    assert_eq!(db.count_posts().await, 0);
    // The form state is shown once: a reload shows a fresh form.
    assert!(
        !alice
            .get("/")
            .await
            .text()
            .contains("at most 120 characters")
    );
}

#[tokio::test]
async fn creating_while_signed_out_is_401_and_creates_nothing() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(server.addr);
    alice.sign_in("alice").await;
    let url = form_action(&alice.get("/").await.text(), "create-post");
    let mut anonymous = Browser::new(server.addr);
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
    let mut alice = Browser::new(server.addr);
    alice.sign_in("alice").await;
    let id = alice.create_post("Alice's", "mine").await;
    let delete_url = form_action(&alice.get("/").await.text(), &format!("delete-post-{id}"));

    let mut bob = Browser::new(server.addr);
    bob.sign_in("bob").await;
    assert!(
        !bob.get("/")
            .await
            .text()
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
    let mut alice = Browser::new(server.addr);
    alice.sign_in("alice").await;
    let id = alice.create_post("Short-lived", "").await;
    let delete_url = form_action(
        &alice.get(&format!("/posts/{id}")).await.text(),
        &format!("delete-post-{id}"),
    );
    let answer = alice.post(&delete_url, &[]).await;
    assert_eq!((answer.status, answer.location()), (303, "/"));
    let page = alice.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, 404);
    assert!(page.text().contains("There is no post"));
    assert_eq!(db.count_posts().await, 0);
    // Replaying the same delete finds nothing to delete.
    assert_eq!(alice.post(&delete_url, &[]).await.status, 404);
}

#[tokio::test]
async fn a_cross_site_post_is_403_and_creates_nothing() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(server.addr);
    alice.sign_in("alice").await;
    let url = form_action(&alice.get("/").await.text(), "create-post");
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
    let mut anonymous = Browser::new(server.addr);
    assert_eq!(anonymous.get("/nowhere").await.status, 404);
    assert_eq!(anonymous.get("/posts/999").await.status, 404);
}

#[tokio::test]
async fn data_survives_a_restart() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = Browser::new(server.addr);
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
    assert!(page.text().contains("still here"));
    // The session is in the database too.
    assert!(page.text().contains("Signed in as <strong>alice</strong>"));
}
