//! What the example app's HTTP tests share: a real SQLite file, the app served on 127.0.0.1, and
//! a browser with JavaScript off (the testkit's `Browser`: it never follows redirects and keeps
//! cookies like a browser does), taught the app's flows.

// The helpers below are test code too: a failure should panic with the test, right there.
#![allow(clippy::unwrap_used, reason = "test helpers")]
#![allow(dead_code, reason = "each test binary uses some of the helpers")]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use actum_testkit::{Browser, Page, Part, Req, Resp};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A database file in the temp dir, removed (with its WAL files) when dropped.
pub(crate) struct TempDb {
    pub(crate) path: PathBuf,
}

impl TempDb {
    pub(crate) fn new() -> Self {
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

    /// A number the file holds (`SELECT COUNT(*) …`), read directly, not through the app.
    pub(crate) async fn number(&self, sql: &str) -> i64 {
        let url = format!("sqlite://{}", self.path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let value = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        value
    }

    /// A text the file holds, read directly.
    pub(crate) async fn text(&self, sql: &str) -> Option<String> {
        let url = format!("sqlite://{}", self.path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let value = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        value
    }

    /// Changes the file directly, behind the app's back (and its cache's).
    pub(crate) async fn execute(&self, sql: &str) {
        let url = format!("sqlite://{}", self.path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }

    /// How many posts the file holds.
    pub(crate) async fn count_posts(&self) -> i64 {
        self.number("SELECT COUNT(*) FROM posts").await
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
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    pub(crate) async fn start(db: &TempDb) -> Self {
        let app = actum_example_app::app(&db.path).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, task }
    }

    /// A browser with an empty cookie jar.
    pub(crate) fn browser(&self) -> Browser {
        Browser::new(self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the tests do as a user of this app, on top of the plain browser.
pub(crate) trait AppBrowser {
    /// The page at `path`, which must answer 200.
    async fn page(&mut self, path: &str) -> Page;

    /// A browser's navigation to `path` (`Sec-Fetch-Dest: document`), as a click on a link.
    async fn visit(&mut self, path: &str) -> Resp;

    /// Signs in under `name`; returns the answer to the sign-in post.
    async fn sign_in(&mut self, name: &str) -> Resp;

    /// Publishes a post from the home page (signed in); returns its id.
    async fn create_post(&mut self, title: &str, body: &str) -> i64;

    /// Posts `fields` to the action of the form `form_id` on the page at `path`.
    async fn submit(&mut self, path: &str, form_id: &str, fields: &[(&str, &str)]) -> Resp;

    /// Posts a multipart body to the action of the form `form_id` on the page at `path`.
    async fn upload(&mut self, path: &str, form_id: &str, parts: &[Part<'_>]) -> Resp;
}

impl AppBrowser for Browser {
    async fn page(&mut self, path: &str) -> Page {
        let answer = self.get(path).await;
        assert_eq!(answer.status, 200, "GET {path}: {answer:?}");
        Page::new(answer.text())
    }

    async fn visit(&mut self, path: &str) -> Resp {
        self.send(Req::get(path).header("sec-fetch-dest", "document"))
            .await
    }

    async fn sign_in(&mut self, name: &str) -> Resp {
        self.submit("/", "sign-in", &[("name", name)]).await
    }

    async fn create_post(&mut self, title: &str, body: &str) -> i64 {
        let answer = self
            .submit("/", "create-post", &[("title", title), ("body", body)])
            .await;
        assert_eq!(answer.status, 303, "{answer:?}");
        post_id(answer.location())
    }

    async fn submit(&mut self, path: &str, form_id: &str, fields: &[(&str, &str)]) -> Resp {
        let url = self.page(path).await.form_action(form_id);
        self.post(&url, fields).await
    }

    async fn upload(&mut self, path: &str, form_id: &str, parts: &[Part<'_>]) -> Resp {
        let url = self.page(path).await.form_action(form_id);
        let req = Req::bare_post(url)
            .header("sec-fetch-site", "same-origin")
            .multipart(parts);
        self.send(req).await
    }
}

/// The post id in a `/posts/{id}` or `/posts/{id}/edit` location.
pub(crate) fn post_id(location: &str) -> i64 {
    let rest = location.strip_prefix("/posts/").unwrap();
    rest.split('/').next().unwrap().parse().unwrap()
}

/// The app with a fresh database, and a browser signed in as `name`.
pub(crate) async fn signed_in(name: &str) -> (TempDb, Server, Browser) {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut browser = server.browser();
    let answer = browser.sign_in(name).await;
    assert_eq!(answer.status, 303, "{answer:?}");
    (db, server, browser)
}
