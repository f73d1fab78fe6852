//! One suite, two backends: every test runs against the memory cache and against a real
//! `redis-server` started on a free port. What holds for one instance in memory must hold for
//! several on Redis.

mod common;

use std::time::Duration;

use actum_testkit::{Page, Req};
use common::app::{self, App};
use common::{Backend, Counter};
use serde_json::json;

macro_rules! conformance {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(&super::Backend::memory()).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(&super::Backend::redis()).await;
                }
            )*
        }
    };
}

conformance!(
    a_second_load_is_a_hit,
    concurrent_misses_load_once,
    revalidate_tag_drops_tagged_entries_only,
    revalidate_path_drops_what_that_page_read,
    revalidate_layout_drops_pages_at_and_under_it,
    revalidate_all_drops_everything,
    an_entry_expires_after_its_lifetime,
    a_failed_load_keeps_nothing,
    a_load_overtaken_by_a_revalidation_is_not_served_after_it,
    another_instance_sees_a_revalidation_at_once,
    an_action_revalidation_reaches_the_page_in_its_answer,
    a_native_post_revalidation_reaches_the_next_get,
    the_page_cache_serves_hits_with_an_etag_and_304,
    the_page_cache_bypasses_personal_requests_and_responses,
    the_page_cache_keeps_a_copy_per_declared_cookie,
    the_page_cache_drops_a_page_its_action_revalidates,
);

async fn load(backend: &Backend, key: &str, tag: &str, counter: &Counter) -> usize {
    backend
        .cache
        .entry(key)
        .tag(tag)
        .load(|| counter.load())
        .await
        .expect("the loader does not fail")
}

async fn a_second_load_is_a_hit(backend: &Backend) {
    let counter = Counter::default();
    assert_eq!(load(backend, "k", "t", &counter).await, 1);
    assert_eq!(
        load(backend, "k", "t", &counter).await,
        1,
        "served from the cache"
    );
    assert_eq!(counter.runs(), 1);
}

async fn concurrent_misses_load_once(backend: &Backend) {
    let counter = Counter::default();
    let loads = (0..20).map(|_| {
        backend
            .cache
            .entry("slow")
            .load(|| counter.load_slowly(Duration::from_millis(100)))
    });
    let values = futures_util::future::join_all(loads).await;
    assert!(values.iter().all(|v| *v.as_ref().expect("loaded") == 1));
    assert_eq!(counter.runs(), 1, "one load for twenty concurrent misses");
}

async fn revalidate_tag_drops_tagged_entries_only(backend: &Backend) {
    let (posts, users) = (Counter::default(), Counter::default());
    load(backend, "posts", "posts", &posts).await;
    load(backend, "users", "users", &users).await;
    backend.cache.revalidate_tag("posts").await;
    assert_eq!(load(backend, "posts", "posts", &posts).await, 2, "reloaded");
    assert_eq!(
        load(backend, "users", "users", &users).await,
        1,
        "untouched"
    );
}

async fn load_for_page(backend: &Backend, key: &str, page: &str, counter: &Counter) -> usize {
    backend
        .cache
        .entry(key)
        .for_page(page)
        .load(|| counter.load())
        .await
        .expect("loaded")
}

async fn revalidate_path_drops_what_that_page_read(backend: &Backend) {
    let counter = Counter::default();
    load_for_page(backend, "k", "/posts", &counter).await;
    backend.cache.revalidate_path("/posts/7").await;
    assert_eq!(
        load_for_page(backend, "k", "/posts", &counter).await,
        1,
        "another page"
    );
    backend.cache.revalidate_path("/posts/").await;
    assert_eq!(
        load_for_page(backend, "k", "/posts", &counter).await,
        2,
        "this page"
    );
}

async fn revalidate_layout_drops_pages_at_and_under_it(backend: &Backend) {
    let (post, other) = (Counter::default(), Counter::default());
    load_for_page(backend, "post", "/posts/7/edit", &post).await;
    load_for_page(backend, "other", "/postscript", &other).await;
    backend.cache.revalidate_layout("/posts").await;
    assert_eq!(
        load_for_page(backend, "post", "/posts/7/edit", &post).await,
        2
    );
    assert_eq!(
        load_for_page(backend, "other", "/postscript", &other).await,
        1,
        "not under it"
    );
    backend.cache.revalidate_layout("/").await;
    assert_eq!(
        load_for_page(backend, "other", "/postscript", &other).await,
        2,
        "the root"
    );
}

async fn revalidate_all_drops_everything(backend: &Backend) {
    let counter = Counter::default();
    load(backend, "k", "t", &counter).await;
    backend.cache.revalidate_all().await;
    assert_eq!(load(backend, "k", "t", &counter).await, 2);
}

async fn an_entry_expires_after_its_lifetime(backend: &Backend) {
    let counter = Counter::default();
    let short = || {
        backend
            .cache
            .entry("short")
            .lifetime(Duration::from_secs(1))
            .load(|| counter.load())
    };
    assert_eq!(short().await.expect("loaded"), 1);
    assert_eq!(short().await.expect("loaded"), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(short().await.expect("loaded"), 2, "expired");
}

async fn a_failed_load_keeps_nothing(backend: &Backend) {
    let failed: Result<u32, std::io::Error> = backend
        .cache
        .entry("flaky")
        .load(|| async { Err(std::io::Error::other("database down")) })
        .await;
    assert_eq!(
        failed.expect_err("the error comes back").to_string(),
        "database down"
    );
    let counter = Counter::default();
    let value = backend.cache.entry("flaky").load(|| counter.load()).await;
    assert_eq!(value.expect("loaded"), 1, "the next load runs");
}

/// A load that began before a revalidation may hold old data: the next read must not serve it.
async fn a_load_overtaken_by_a_revalidation_is_not_served_after_it(backend: &Backend) {
    let counter = Counter::default();
    let slow = backend.cache.entry("raced").tag("posts").load(|| async {
        let value = counter.load().await;
        tokio::time::sleep(Duration::from_millis(200)).await; // the revalidation lands here
        value
    });
    let revalidate = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        backend.cache.revalidate_tag("posts").await;
    };
    let (first, ()) = tokio::join!(slow, revalidate);
    assert_eq!(first.expect("loaded"), 1);
    assert_eq!(
        load(backend, "raced", "posts", &counter).await,
        2,
        "reloaded"
    );
}

async fn another_instance_sees_a_revalidation_at_once(backend: &Backend) {
    let other = backend.another_instance();
    let counter = Counter::default();
    let read = |cache: &actum_cache::Cache| {
        let cache = cache.clone();
        let counter = counter.clone();
        async move {
            let loaded = cache.entry("shared").tag("posts").load(|| counter.load());
            loaded.await.expect("loaded")
        }
    };
    assert_eq!(read(&other).await, 1);
    assert_eq!(read(&other).await, 1);
    backend.cache.revalidate_tag("posts").await;
    assert_eq!(read(&other).await, 2, "the other instance reloads");
}

async fn an_action_revalidation_reaches_the_page_in_its_answer(backend: &Backend) {
    let app = App::new(backend.cache.clone());
    let addr = app::serve(app.clone()).await;
    let page = Req::get("/").send(addr).await;
    assert_eq!(count(&page.text()), "0");
    let url = action_url(&page);
    let answer = Req::post(&url)
        .script()
        .header("actum-page", "/")
        .json(json!({ "title": "Hello" }))
        .send(addr)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let envelope = answer.json();
    assert_eq!(envelope["revalidated"]["tags"], json!(["posts"]));
    let html = envelope["html"]
        .as_str()
        .expect("the page is in the answer");
    assert_eq!(count(html), "1", "fresh data in the answer");
    assert_eq!(app.queries.runs(), 2);
}

async fn a_native_post_revalidation_reaches_the_next_get(backend: &Backend) {
    let app = App::new(backend.cache.clone());
    let addr = app::serve(app.clone()).await;
    let page = Req::get("/").send(addr).await;
    let answer = Req::post(action_url(&page))
        .header("referer", &format!("http://{addr}/"))
        .form(&[("title", "Hello")])
        .send(addr)
        .await;
    assert_eq!(answer.status, 303);
    let after = Req::get("/").send(addr).await;
    assert_eq!(count(&after.text()), "1");
}

async fn the_page_cache_serves_hits_with_an_etag_and_304(backend: &Backend) {
    let app = App::new(backend.cache.clone());
    let addr = app::serve(app.clone()).await;
    let first = Req::get("/posts").send(addr).await;
    assert_eq!(first.header("actum-cache"), Some("miss"));
    let second = Req::get("/posts").send(addr).await;
    assert_eq!(second.header("actum-cache"), Some("hit"));
    assert_eq!(second.text(), first.text());
    assert_eq!(app.queries.runs(), 1, "rendered once");
    assert_eq!(second.header("cache-control"), Some("private, no-cache"));
    assert_eq!(second.header("vary"), Some("Cookie"));
    let etag = second.header("etag").expect("an etag").to_owned();
    let again = Req::get("/posts")
        .header("if-none-match", &etag)
        .send(addr)
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let public = Req::get("/posts/7").send(addr).await;
    assert_eq!(public.header("cache-control"), Some("public, no-cache"));
}

async fn the_page_cache_bypasses_personal_requests_and_responses(backend: &Backend) {
    let app = App::new(backend.cache.clone());
    let addr = app::serve(app.clone()).await;
    for _ in 0..2 {
        let signed_in = Req::get("/posts/1").cookies("session=abc").send(addr).await;
        assert_eq!(signed_in.header("actum-cache"), Some("bypass"));
    }
    let authorized = Req::get("/posts/1")
        .header("authorization", "Bearer x")
        .send(addr)
        .await;
    assert_eq!(authorized.header("actum-cache"), Some("bypass"));
    assert_eq!(app.queries.runs(), 3, "each personal request rendered");
    for _ in 0..2 {
        let sets_cookie = Req::get("/cookie").send(addr).await;
        assert_eq!(sets_cookie.header("actum-cache"), Some("bypass"));
        assert!(sets_cookie.set_cookie("seen").is_some());
    }
    assert_eq!(
        app.queries.runs(),
        5,
        "a page that sets a cookie is never kept"
    );
}

async fn the_page_cache_keeps_a_copy_per_declared_cookie(backend: &Backend) {
    let app = App::new(backend.cache.clone());
    let addr = app::serve(app.clone()).await;
    let dark = Req::get("/posts").cookies("theme=dark").send(addr).await;
    assert_eq!(dark.header("actum-cache"), Some("miss"));
    let dark = Req::get("/posts").cookies("theme=dark").send(addr).await;
    assert_eq!(dark.header("actum-cache"), Some("hit"));
    let light = Req::get("/posts").cookies("theme=light").send(addr).await;
    assert_eq!(light.header("actum-cache"), Some("miss"), "another copy");
    let both = Req::get("/posts")
        .cookies("theme=dark; session=x")
        .send(addr)
        .await;
    assert_eq!(
        both.header("actum-cache"),
        Some("bypass"),
        "an undeclared cookie"
    );
}

async fn the_page_cache_drops_a_page_its_action_revalidates(backend: &Backend) {
    let app = App::new(backend.cache.clone());
    let addr = app::serve(app.clone()).await;
    Req::get("/posts/1").send(addr).await;
    Req::get("/posts/2").send(addr).await;
    assert_eq!(
        Req::get("/posts/1").send(addr).await.header("actum-cache"),
        Some("hit")
    );
    let marks = app::add_and_mark_url();
    let answer = Req::post(&marks)
        .script()
        .json(json!({ "path": "/posts/1" }))
        .send(addr)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        Req::get("/posts/1").send(addr).await.header("actum-cache"),
        Some("miss")
    );
    assert_eq!(
        Req::get("/posts/2").send(addr).await.header("actum-cache"),
        Some("hit")
    );
    let answer = Req::post(&marks)
        .script()
        .json(json!({ "layout": "/posts" }))
        .send(addr)
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        Req::get("/posts/2").send(addr).await.header("actum-cache"),
        Some("miss")
    );
}

fn action_url(page: &actum_testkit::Resp) -> String {
    actum_testkit::form_action(&page.text(), "add")
}

fn count(html: &str) -> String {
    Page::new(html).text("count").expect("a count on the page")
}
