//! HTTP tests of the example app's frame: sign-in and sign-out, the theme cookie, the pages every
//! visitor sees, 404s, the origin check and a restart. A real server on 127.0.0.1, a real SQLite
//! file, a browser with JavaScript off (and, where said, a script's call).

mod common;

use actum_testkit::{Page, Req};
use common::{AppBrowser, Server, TempDb, signed_in};

#[tokio::test]
async fn signing_in_sets_the_session_cookie() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = server.browser();
    let answer = alice.sign_in("alice").await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location(), "/");
    let cookie = answer.set_cookie("session").unwrap();
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
    let mut anonymous = server.browser();
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
    assert_eq!(db.number("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let old_session = alice.cookies["session"].clone();
    let answer = alice.submit("/", "sign-out", &[]).await;
    assert_eq!((answer.status, answer.location()), (303, "/"));
    assert!(!alice.cookies.contains_key("session"));
    assert_eq!(db.number("SELECT COUNT(*) FROM sessions").await, 0);
    // The old token no longer works, even if a copy of the cookie was kept.
    alice.cookies.insert("session".into(), old_session);
    assert!(!alice.get("/").await.text().contains("Signed in as"));
}

#[tokio::test]
async fn the_theme_is_a_cookie_and_the_page_renders_with_it() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut visitor = server.browser();
    let page = visitor.page("/thread").await;
    assert_eq!(page.tag_attribute("html", "data-theme").unwrap(), "light");
    let answer = visitor
        .submit("/thread", "theme", &[("theme", "dark")])
        .await;
    assert_eq!((answer.status, answer.location()), (303, "/thread"));
    let cookie = answer.set_cookie("theme").unwrap();
    assert!(cookie.starts_with("theme=dark"), "{cookie}");
    assert!(
        cookie.contains("Max-Age=31536000"),
        "kept for a year: {cookie}"
    );
    let page = visitor.page("/thread").await;
    assert_eq!(page.tag_attribute("html", "data-theme").unwrap(), "dark");
    assert!(page.text("theme").unwrap().contains("Use the light theme"));

    // From a script, the page re-rendered into the answer already has the new theme.
    let url = page.form_action("theme");
    let req = Req::post(url).script().form(&[("theme", "light")]);
    let answer = visitor.send(req).await;
    let envelope = answer.json();
    assert_eq!(envelope["ok"], true, "{envelope}");
    let html = envelope["html"].as_str().unwrap();
    assert_eq!(
        Page::new(html).tag_attribute("html", "data-theme").unwrap(),
        "light"
    );
    assert_eq!(visitor.cookies["theme"], "light");
}

#[tokio::test]
async fn an_unknown_theme_is_refused_and_sets_no_cookie() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut visitor = server.browser();
    let answer = visitor.submit("/", "theme", &[("theme", "neon")]).await;
    // The body did not fit the input: back to the page with the error, the action did not run.
    assert_eq!((answer.status, answer.location()), (303, "/"));
    assert!(answer.set_cookie("theme").is_none());
    assert!(!visitor.cookies.contains_key("theme"));
}

#[tokio::test]
async fn every_page_opens_for_a_visitor() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut visitor = server.browser();
    for path in ["/", "/thread", "/invoices", "/seeds"] {
        let page = visitor.page(path).await;
        assert!(page.has("sign-in"), "{path} offers the sign-in form");
        assert!(page.has("page-error"), "{path} has an error boundary");
    }
    let seeds = visitor.page("/seeds").await.text("seeds").unwrap();
    for example in [
        "incrementLike",
        "useOptimistic",
        "createInvoice",
        "revalidateTag",
    ] {
        assert!(seeds.contains(example), "the seeds page maps {example}");
    }
}

#[tokio::test]
async fn unknown_pages_and_posts_are_404() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut visitor = server.browser();
    assert_eq!(visitor.get("/nowhere").await.status, 404);
    let missing = visitor.get("/posts/999").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("There is no post 999"));
    assert_eq!(visitor.get("/posts/999/edit").await.status, 404);
    assert_eq!(visitor.get("/attachments/999").await.status, 404);
}

#[tokio::test]
async fn a_cross_site_post_is_403_and_creates_nothing() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let url = alice.page("/").await.form_action("create-post");
    let answer = alice
        .post_from("cross-site", &url, &[("title", "Forged"), ("body", "")])
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(db.count_posts().await, 0);
}

#[tokio::test]
async fn data_survives_a_restart() {
    let (db, server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Durable", "still here").await;
    drop(server);

    let server = Server::start(&db).await;
    alice.addr = server.addr;
    let page = alice.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("still here"));
    // The session is in the database too.
    assert!(page.text().contains("Signed in as <strong>alice</strong>"));
}
