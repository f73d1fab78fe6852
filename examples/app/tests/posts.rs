//! HTTP tests of the posts: publish or save a draft (two buttons of one form), edit with the
//! autosaved draft, publish, delete, like, views, and the cache revalidated by tag and by path.
//! Every refusal proves that SQLite did not change.

mod common;

use actum_testkit::{Page, Req};
use common::{AppBrowser, Server, TempDb, post_id, signed_in};

#[tokio::test]
async fn a_published_post_is_shown_and_listed() {
    let (_db, _server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Hello <world>", "First post").await;
    let page = alice.get(&format!("/posts/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Hello &lt;world&gt;"));
    assert!(page.text().contains("First post"));
    let home = alice.page("/").await;
    assert!(home.text("posts").unwrap().contains("Hello <world>"));
}

#[tokio::test]
async fn an_invalid_post_comes_back_with_errors_and_typed_values() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let long_title = format!("typed-{}", "x".repeat(120));
    let answer = alice
        .submit(
            "/",
            "create-post",
            &[("title", &long_title), ("body", "kept body")],
        )
        .await;
    assert_eq!((answer.status, answer.location()), (303, "/"));
    let page = alice.page("/").await;
    assert_eq!(
        page.text("title-error").unwrap(),
        "the title must have at most 120 characters"
    );
    assert_eq!(
        page.input_value("create-post", "title").unwrap(),
        long_title
    );
    assert_eq!(page.text("body").unwrap(), "kept body");
    assert_eq!(db.count_posts().await, 0);
    // The form state is shown once: a reload shows a fresh form.
    assert!(!alice.page("/").await.has("title-error"));
}

#[tokio::test]
async fn creating_while_signed_out_is_401_and_creates_nothing() {
    let (db, server, mut alice) = signed_in("alice").await;
    let url = alice.page("/").await.form_action("create-post");
    let mut anonymous = server.browser();
    let answer = anonymous
        .post(&url, &[("title", "Sneaky"), ("body", "")])
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(db.count_posts().await, 0);
}

#[tokio::test]
async fn save_draft_is_a_second_action_of_the_same_form() {
    let (db, server, mut alice) = signed_in("alice").await;
    let home = alice.page("/").await;
    let draft_url = home.attribute_of("save-draft", "formaction").unwrap();
    assert_ne!(draft_url, home.form_action("create-post"));
    // A draft may have no title yet.
    let answer = alice
        .post(&draft_url, &[("title", ""), ("body", "an idea")])
        .await;
    assert_eq!(answer.status, 303, "{answer:?}");
    assert!(
        answer.location().ends_with("/edit"),
        "{}",
        answer.location()
    );
    let id = post_id(answer.location());
    assert_eq!(
        db.text(&format!("SELECT status FROM posts WHERE id = {id}"))
            .await
            .unwrap(),
        "draft"
    );
    // Listed among the author's drafts, not among the posts; nobody else sees it.
    let home = alice.page("/").await;
    assert!(home.text("drafts").unwrap().contains("(untitled)"));
    assert!(!home.has("posts"));
    let draft = alice.page(&format!("/posts/{id}")).await;
    assert!(draft.has("draft-note"));
    let mut bob = server.browser();
    bob.sign_in("bob").await;
    assert_eq!(bob.get(&format!("/posts/{id}")).await.status, 404);
    assert_eq!(bob.get(&format!("/posts/{id}/edit")).await.status, 404);
}

#[tokio::test]
async fn the_edit_form_saves_a_draft_then_publishes_it() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("First title", "first text").await;
    let edit = format!("/posts/{id}/edit");

    let answer = alice
        .submit(
            &edit,
            "edit-post",
            &[("title", "Second"), ("body", "draft text")],
        )
        .await;
    assert_eq!((answer.status, answer.location()), (303, edit.as_str()));
    let page = alice.page(&edit).await;
    assert_eq!(page.input_value("edit-post", "title").unwrap(), "Second");
    assert!(
        page.text("draft-status")
            .unwrap()
            .contains("Draft saved at")
    );
    // The published post is unchanged until the author publishes.
    let post = alice.page(&format!("/posts/{id}")).await;
    assert!(post.text("post-body").unwrap().contains("first text"));
    assert!(post.has("draft-note"));

    let publish = page.attribute_of("publish", "formaction").unwrap();
    let answer = alice
        .post(&publish, &[("title", "Third"), ("body", "published text")])
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location(), format!("/posts/{id}"));
    let post = alice.page(&format!("/posts/{id}")).await;
    assert!(post.text("post-body").unwrap().contains("published text"));
    assert!(!post.has("draft-note"));
    let sql = format!("SELECT draft_title FROM posts WHERE id = {id}");
    assert_eq!(db.text(&sql).await, None, "the draft is gone");
}

#[tokio::test]
async fn an_autosave_from_the_script_comes_back_with_the_page() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Title", "text").await;
    let edit = format!("/posts/{id}/edit");
    let url = alice.page(&edit).await.form_action("edit-post");
    let req = Req::post(url)
        .script()
        .header("actum-page", &edit)
        .form(&[("title", "Autosaved"), ("body", "typed")]);
    let answer = alice.send(req).await;
    let envelope = answer.json();
    assert_eq!((answer.status, &envelope["ok"]), (200, &true.into()));
    let page = Page::new(envelope["html"].as_str().unwrap());
    assert_eq!(page.input_value("edit-post", "title").unwrap(), "Autosaved");
    let sql = format!("SELECT draft_body FROM posts WHERE id = {id}");
    assert_eq!(db.text(&sql).await.unwrap(), "typed");
}

#[tokio::test]
async fn publishing_an_invalid_edit_changes_nothing() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Kept", "kept text").await;
    let edit = format!("/posts/{id}/edit");
    let publish = alice
        .page(&edit)
        .await
        .attribute_of("publish", "formaction")
        .unwrap();
    let answer = alice
        .post(&publish, &[("title", "  "), ("body", "new")])
        .await;
    assert_eq!((answer.status, answer.location()), (303, edit.as_str()));
    let page = alice.page(&edit).await;
    assert_eq!(page.text("title-error").unwrap(), "a title is required");
    assert_eq!(
        page.text("body").unwrap(),
        "new",
        "what was typed comes back"
    );
    let sql = format!("SELECT title || '|' || body FROM posts WHERE id = {id}");
    assert_eq!(db.text(&sql).await.unwrap(), "Kept|kept text");
}

#[tokio::test]
async fn editing_someone_elses_post_is_403_and_changes_nothing() {
    let (db, server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Alice's", "mine").await;
    let edit_page = alice.page(&format!("/posts/{id}/edit")).await;
    let save_url = edit_page.form_action("edit-post");
    let publish_url = edit_page.attribute_of("publish", "formaction").unwrap();

    let mut bob = server.browser();
    bob.sign_in("bob").await;
    assert_eq!(bob.get(&format!("/posts/{id}/edit")).await.status, 403);
    let fields = [("title", "Bob's now"), ("body", "hijacked")];
    assert_eq!(bob.post(&save_url, &fields).await.status, 403);
    assert_eq!(bob.post(&publish_url, &fields).await.status, 403);
    let sql = format!(
        "SELECT title || '|' || body || '|' || (draft_title IS NULL) FROM posts WHERE id = {id}"
    );
    assert_eq!(db.text(&sql).await.unwrap(), "Alice's|mine|1");
}

#[tokio::test]
async fn deleting_someone_elses_post_is_403_and_keeps_it() {
    let (db, server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Alice's", "mine").await;
    let mut bob = server.browser();
    bob.sign_in("bob").await;
    let page = bob.page(&format!("/posts/{id}")).await;
    assert!(
        !page.has(&format!("delete-post-{id}")),
        "no delete button for bob"
    );
    // The page's demonstration: a delete button for bob, on purpose. The action refuses.
    let answer = bob
        .submit(&format!("/posts/{id}"), "delete-as-other", &[])
        .await;
    assert_eq!(answer.status, 403);
    assert!(
        answer.text().contains("you are not allowed to do this"),
        "{}",
        answer.text()
    );
    assert_eq!(bob.get(&format!("/posts/{id}")).await.status, 200);
    assert_eq!(db.count_posts().await, 1);
}

#[tokio::test]
async fn deleting_your_own_post_removes_it() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Short-lived", "").await;
    let page = alice.page(&format!("/posts/{id}")).await;
    let delete_url = page.form_action(&format!("delete-post-{id}"));
    let answer = alice.post(&delete_url, &[]).await;
    assert_eq!((answer.status, answer.location()), (303, "/"));
    assert_eq!(alice.get(&format!("/posts/{id}")).await.status, 404);
    assert_eq!(db.count_posts().await, 0);
    // Replaying the same post (its one-time token too) gets the first answer and runs nothing
    // (exactly once, docs/policies.md); a new token finds nothing to delete.
    let replay = alice.post(&delete_url, &[]).await;
    assert_eq!((replay.status, replay.location()), (303, "/"));
    assert_eq!(replay.header("actum-policy"), Some("replayed"));
    let fresh = delete_url.replace("k=", "k=another-token-");
    assert_eq!(alice.post(&fresh, &[]).await.status, 404);
}

#[tokio::test]
async fn a_like_counts_and_the_action_returns_the_count() {
    let (db, server, mut alice) = signed_in("alice").await;
    let id = alice.create_post("Likeable", "").await;
    let path = format!("/posts/{id}");
    let answer = alice.submit(&path, "like", &[]).await;
    assert_eq!((answer.status, answer.location()), (303, path.as_str()));
    let page = alice.page(&path).await;
    assert_eq!(page.text("likes").unwrap(), "Total likes: 1");
    assert!(page.text("liked").unwrap().contains("returned 1"));

    // From a script (the seeds' onClick), the result is the new count.
    let url = page.form_action("like");
    let answer = alice.send(Req::post(&url).script().form(&[])).await;
    assert_eq!(answer.json()["result"], 2);

    // Signed out: 401, and the count stays.
    let mut anonymous = server.browser();
    assert!(!anonymous.page(&path).await.has("like"));
    assert_eq!(anonymous.post(&url, &[]).await.status, 401);
    let sql = format!("SELECT likes FROM posts WHERE id = {id}");
    assert_eq!(db.number(&sql).await, 2);
}

#[tokio::test]
async fn a_view_is_a_navigation_to_the_post() {
    let db = TempDb::new();
    let server = Server::start(&db).await;
    let mut alice = server.browser();
    alice.sign_in("alice").await;
    let id = alice.create_post("Viewed", "").await;
    let path = format!("/posts/{id}");
    let views = |page: &str| Page::new(page).text("views").unwrap();

    assert_eq!(views(&alice.visit(&path).await.text()), "1 views");
    assert_eq!(views(&alice.visit(&path).await.text()), "2 views");
    // Not a navigation (a fetch, a crawler without the header): shown, not counted.
    assert_eq!(views(&alice.get(&path).await.text()), "2 views");
    // Coming back from a native like is not a new view.
    alice.submit(&path, "like", &[]).await;
    assert_eq!(views(&alice.visit(&path).await.text()), "2 views");
    // Nor is the page re-rendered into a script's answer.
    let url = alice.page(&path).await.form_action("like");
    let envelope = alice
        .send(
            Req::post(&url)
                .script()
                .header("actum-page", &path)
                .form(&[]),
        )
        .await
        .json();
    assert_eq!(views(envelope["html"].as_str().unwrap()), "2 views");
    let sql = format!("SELECT views FROM posts WHERE id = {id}");
    assert_eq!(db.number(&sql).await, 2);
}

#[tokio::test]
async fn the_posts_list_is_cached_until_an_action_revalidates_its_tag() {
    let (db, _server, mut alice) = signed_in("alice").await;
    alice.create_post("First", "").await;
    assert!(
        alice
            .page("/")
            .await
            .text("posts")
            .unwrap()
            .contains("First")
    );
    // Written behind the app's back: the cached list does not show it.
    db.execute("UPDATE posts SET title = 'Renamed behind the cache'")
        .await;
    let list = alice.page("/").await.text("posts").unwrap();
    assert!(list.contains("First"), "{list}");
    // Publishing revalidates the tag `posts`: the next render reads SQLite again.
    alice.create_post("Second", "").await;
    let list = alice.page("/").await.text("posts").unwrap();
    assert!(list.contains("Renamed behind the cache"), "{list}");
    assert!(list.contains("Second"), "{list}");
}

#[tokio::test]
async fn a_post_page_is_cached_until_an_action_revalidates_its_path() {
    let (db, _server, mut alice) = signed_in("alice").await;
    let first = alice.create_post("First", "original text").await;
    let second = alice.create_post("Second", "original text").await;
    for id in [first, second] {
        let page = alice.page(&format!("/posts/{id}")).await;
        assert_eq!(page.text("post-body").unwrap(), "original text");
    }
    db.execute("UPDATE posts SET body = 'changed behind the cache'")
        .await;
    // A like revalidates its post's path only: that page reads SQLite again, the other does not.
    alice.submit(&format!("/posts/{first}"), "like", &[]).await;
    let page = alice.page(&format!("/posts/{first}")).await;
    assert_eq!(page.text("post-body").unwrap(), "changed behind the cache");
    let page = alice.page(&format!("/posts/{second}")).await;
    assert_eq!(page.text("post-body").unwrap(), "original text");
}

#[tokio::test]
async fn a_post_is_not_stuck_as_not_found() {
    let (_db, _server, mut alice) = signed_in("alice").await;
    // Visited before it exists (the next id), then created: the page shows it.
    assert_eq!(alice.get("/posts/1").await.status, 404);
    let id = alice.create_post("Arrived", "").await;
    assert_eq!(id, 1);
    assert_eq!(alice.get("/posts/1").await.status, 200);
}
