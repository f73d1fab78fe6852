//! Two instances of the example app (two processes of its binary), one SQLite file, one real
//! `redis-server`, as behind a load balancer: a post created on A is on B's home page at once,
//! although B had that page's data cached; a refused native post on A comes back with its errors
//! and typed values on B (the form state goes through Redis); with Redis killed mid-test,
//! creating a post still succeeds and both instances show it, and nothing is lost from SQLite.

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};

use actum_testkit::{Page, RedisServer, Req, Resp};
use common::TempDb;

/// One instance of the app: its own process, killed when dropped.
struct Instance {
    addr: SocketAddr,
    child: Child,
}

impl Instance {
    fn start(db: &TempDb, redis_url: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_actum-example-app"))
            .env("ACTUM_EXAMPLE_DB", &db.path)
            .env("PORT", port.to_string())
            .env("ACTUM_REDIS_URL", redis_url)
            // Every instance opens the others' seals and names actions alike.
            .env(
                "ACTUM_SECRET_KEY",
                "aW5zdGFuY2VzLXRlc3Qtc2VjcmV0LWtleS0zMi1ieXRlcyE",
            )
            .env(
                "ACTUM_ID_KEY",
                "aW5zdGFuY2VzLXRlc3QtaWQta2V5LTMyLWJ5dGVzLWxvbmch",
            )
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("listening on"),
            "the app did not start: {line:?}"
        );
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child,
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The titles of the posts on the home page of `instance`, as `cookies` sees it.
async fn titles(instance: &Instance, cookies: &str) -> String {
    let page = Req::get("/").cookies(cookies).send(instance.addr).await;
    assert_eq!(page.status, 200);
    Page::new(page.text()).text("posts").unwrap_or_default()
}

async fn create_post(instance: &Instance, cookies: &str, title: &str) -> Resp {
    let home = Req::get("/").cookies(cookies).send(instance.addr).await;
    let action = Page::new(home.text()).form_action("create-post");
    Req::post(action)
        .cookies(cookies)
        .form(&[("title", title), ("body", "Written on one instance.")])
        .send(instance.addr)
        .await
}

#[tokio::test]
async fn a_post_created_on_one_instance_shows_on_the_other_and_survives_redis_dying() {
    let db = TempDb::new();
    let mut redis = RedisServer::start();
    let a = Instance::start(&db, &redis.url());
    let b = Instance::start(&db, &redis.url());

    let home = Req::get("/").send(a.addr).await;
    let sign_in = Page::new(home.text()).form_action("sign-in");
    let signed_in = Req::post(sign_in)
        .form(&[("name", "ada")])
        .send(a.addr)
        .await;
    assert_eq!(signed_in.status, 303, "{signed_in:?}");
    let cookies = signed_in.cookies_to_send();

    assert!(!titles(&b, &cookies).await.contains("From A"));
    let kept = redis.command("DBSIZE");
    assert!(kept != ":0", "B's page data is kept in Redis: {kept}");
    let created = create_post(&a, &cookies, "From A").await;
    assert_eq!(created.status, 303, "{created:?}");
    assert!(
        titles(&b, &cookies).await.contains("From A"),
        "B sees A's post at once"
    );

    // JavaScript off: the post is refused on A, the GET its 303 leads to reaches B.
    let refused = create_post(&a, &cookies, "   ").await;
    assert_eq!(refused.status, 303, "{refused:?}");
    let with_state = format!("{cookies}; {}", refused.cookie_pairs());
    let back = Req::get(refused.location())
        .cookies(&with_state)
        .send(b.addr)
        .await;
    let page = Page::new(back.text());
    assert_eq!(
        page.text("title-error").as_deref(),
        Some("a title is required")
    );
    assert_eq!(
        page.text("body").as_deref(),
        Some("Written on one instance."),
        "the typed values came back through Redis"
    );
    assert_eq!(
        db.count_posts().await,
        1,
        "the refused post changed nothing"
    );

    redis.kill();
    let created = create_post(&a, &cookies, "Without Redis").await;
    assert_eq!(created.status, 303, "the action succeeds without Redis");
    assert!(titles(&a, &cookies).await.contains("Without Redis"));
    assert!(titles(&b, &cookies).await.contains("Without Redis"));
    assert_eq!(db.count_posts().await, 2, "nothing lost from SQLite");
}
