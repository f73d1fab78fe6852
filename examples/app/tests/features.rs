//! HTTP tests of the attachments (multipart, size limits), the message thread, the invoice form
//! and the action that fails. Every refusal proves that SQLite did not change.

mod common;

use actum_testkit::{Part, Req};
use common::{AppBrowser, signed_in};

const ATTACHMENTS: &str = "SELECT COUNT(*) FROM attachments";
const MESSAGES: &str = "SELECT COUNT(*) FROM messages";
const INVOICES: &str = "SELECT COUNT(*) FROM invoices";

#[tokio::test]
async fn the_author_attaches_a_file_and_anyone_downloads_it() {
    let (db, server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("With a file", "").await;
    let path = format!("/posts/{id}");
    let page = alice.page(&path).await;
    assert_eq!(page.text("upload-limit").unwrap().trim(), "Up to 256 KiB.");
    let file = Part::file("file", "notes v2.txt", b"hello, attachment");
    let answer = alice.upload(&path, "upload", &[file]).await;
    assert_eq!((answer.status, answer.location()), (303, path.as_str()));
    assert_eq!(db.number(ATTACHMENTS).await, 1);

    let mut visitor = server.browser();
    let page = visitor.get(&path).await.text();
    assert!(page.contains("notes v2.txt"), "{page}");
    let download = visitor.get("/attachments/1").await;
    assert_eq!(download.status, 200);
    assert_eq!(download.body, b"hello, attachment");
    assert_eq!(
        download.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        download.header("content-disposition"),
        Some("attachment; filename=\"notes_v2.txt\"")
    );
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_with_the_limit_and_not_stored() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Big file", "").await;
    let path = format!("/posts/{id}");
    let big = vec![b'x'; 300 * 1024];
    let answer = alice
        .upload(&path, "upload", &[Part::file("file", "big.bin", &big)])
        .await;
    assert_eq!((answer.status, answer.location()), (303, path.as_str()));
    let page = alice.page(&path).await;
    assert_eq!(
        page.text("file-error").unwrap(),
        "this file has 300 KiB: attachments may have at most 256 KiB"
    );
    assert_eq!(db.number(ATTACHMENTS).await, 0);
}

#[tokio::test]
async fn a_body_over_the_actions_limit_is_413_before_the_action_runs() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Huge file", "").await;
    let path = format!("/posts/{id}");
    let huge = vec![b'x'; 2 * 1024 * 1024];
    let answer = alice
        .upload(&path, "upload", &[Part::file("file", "huge.bin", &huge)])
        .await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert!(
        answer.text().contains("larger than 524288 bytes"),
        "{}",
        answer.text()
    );
    assert_eq!(db.number(ATTACHMENTS).await, 0);
}

#[tokio::test]
async fn no_file_is_a_field_error() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("No file", "").await;
    let path = format!("/posts/{id}");
    // An untouched file input: a part with an empty file name and no bytes.
    let answer = alice
        .upload(&path, "upload", &[Part::file("file", "", b"")])
        .await;
    assert_eq!(answer.status, 303);
    let page = alice.page(&path).await;
    assert_eq!(page.text("file-error").unwrap(), "choose a file to attach");
    assert_eq!(db.number(ATTACHMENTS).await, 0);
}

#[tokio::test]
async fn only_the_author_attaches_files() {
    let (db, server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Alice's", "").await;
    let url = alice
        .page(&format!("/posts/{id}"))
        .await
        .form_action("upload");
    let file = [Part::file("file", "x.txt", b"x")];

    let mut bob = server.browser();
    bob.sign_in("bob").await;
    assert!(!bob.page(&format!("/posts/{id}")).await.has("upload"));
    let send = |req: Req| req.header("sec-fetch-site", "same-origin").multipart(&file);
    assert_eq!(bob.send(send(Req::bare_post(&url))).await.status, 403);
    let mut anonymous = server.browser();
    assert_eq!(anonymous.send(send(Req::bare_post(&url))).await.status, 401);
    assert_eq!(db.number(ATTACHMENTS).await, 0);
}

#[tokio::test]
async fn a_message_joins_the_thread() {
    let (db, server, mut alice) = signed_in("alice").await;
    let answer = alice
        .submit(
            "/thread",
            "send-message",
            &[("message", "  hello, thread  ")],
        )
        .await;
    assert_eq!((answer.status, answer.location()), (303, "/thread"));
    let page = alice.page("/thread").await;
    let thread = page.text("messages").unwrap();
    assert!(thread.contains("alice hello, thread"), "{thread}");
    assert_eq!(page.input_value("send-message", "message").unwrap(), "");

    // Blank: the error, and nothing stored. Signed out: 401, nothing stored.
    alice
        .submit("/thread", "send-message", &[("message", "   ")])
        .await;
    let page = alice.page("/thread").await;
    assert_eq!(page.text("message-error").unwrap(), "write a message first");
    let url = page.form_action("send-message");
    let mut anonymous = server.browser();
    let answer = anonymous.post(&url, &[("message", "anonymous")]).await;
    assert_eq!(answer.status, 401);
    assert_eq!(db.number(MESSAGES).await, 1);
}

#[tokio::test]
async fn an_invoice_is_checked_field_by_field_on_the_server() {
    let (db, server, mut alice) = signed_in("alice").await;
    let bad = [("customerId", ""), ("amount", "12,5")];
    let answer = alice.submit("/invoices", "create-invoice", &bad).await;
    assert_eq!((answer.status, answer.location()), (303, "/invoices"));
    let page = alice.page("/invoices").await;
    assert_eq!(page.text("customerId-error").unwrap(), "choose a customer");
    assert_eq!(
        page.text("amount-error").unwrap(),
        "enter an amount such as 120 or 120.50"
    );
    assert_eq!(page.text("status-error").unwrap(), "choose pending or paid");
    assert_eq!(
        page.input_value("create-invoice", "amount").unwrap(),
        "12,5"
    );
    assert_eq!(db.number(INVOICES).await, 0);

    // A customer that does not exist is caught by the action, against the database.
    let unknown = [("customerId", "99"), ("amount", "10"), ("status", "paid")];
    alice.submit("/invoices", "create-invoice", &unknown).await;
    let page = alice.page("/invoices").await;
    assert_eq!(
        page.text("customerId-error").unwrap(),
        "choose a customer from the list"
    );
    assert_eq!(db.number(INVOICES).await, 0);

    let good = [("customerId", "2"), ("amount", "120.5"), ("status", "paid")];
    let url = page.form_action("create-invoice");
    let mut anonymous = server.browser();
    assert_eq!(anonymous.post(&url, &good).await.status, 401);
    assert_eq!(db.number(INVOICES).await, 0);

    let answer = alice.post(&url, &good).await;
    assert_eq!(answer.status, 303);
    let table = alice.page("/invoices").await.text("invoices").unwrap();
    assert!(table.contains("Globex120.50paidalice"), "{table}");
    assert_eq!(db.number(INVOICES).await, 1);
}

#[tokio::test]
async fn a_failing_action_answers_500_with_a_digest() {
    let (_db, _server, mut alice) = signed_in("alice").await;
    let answer = alice.submit("/invoices", "send-reminders", &[]).await;
    assert_eq!(answer.status, 500);
    assert!(answer.text().contains("something went wrong"));
    assert!(answer.text().contains("Error digest"), "{}", answer.text());

    let url = alice.page("/invoices").await.form_action("send-reminders");
    let envelope = alice.send(Req::post(&url).script().form(&[])).await.json();
    assert_eq!(envelope["ok"], false);
    assert_eq!(envelope["error"]["status"], 500);
    assert!(
        envelope["error"]["digest"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
}

#[tokio::test]
async fn the_seeds_page_is_cached_per_theme_for_visitors_and_never_for_a_session() {
    let (_db, server, mut alice) = signed_in("alice").await;
    let addr = server.addr;
    let get =
        |cookies: &'static str| async move { Req::get("/seeds").cookies(cookies).send(addr).await };
    assert_eq!(get("").await.header("actum-cache"), Some("miss"));
    let visitor = get("").await;
    assert_eq!(visitor.header("actum-cache"), Some("hit"));
    assert!(visitor.header("etag").is_some());
    assert_eq!(get("theme=dark").await.header("actum-cache"), Some("miss"));
    let dark = get("theme=dark").await;
    assert_eq!(dark.header("actum-cache"), Some("hit"));
    assert!(
        dark.text().contains("dark"),
        "the dark copy is the dark page"
    );
    let signed_in = alice.get("/seeds").await;
    assert_eq!(signed_in.header("actum-cache"), Some("bypass"));
    assert!(
        signed_in.text().contains("alice"),
        "a session's page is its own"
    );
}
