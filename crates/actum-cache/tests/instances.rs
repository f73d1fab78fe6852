//! Two app instances, one Redis, one SQLite database: an action on A, then a GET on B shows the
//! change; with Redis killed mid-test, actions still succeed and nothing is lost from SQLite.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use actum::prelude::*;
use actum::{ActionsLayer, action};
use actum_cache::Cache;
use actum_testkit::{Page, RedisServer, Req, form_action};
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use common::{Counter, redis_cache};
use serde_json::json;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnectOptions;

#[derive(Clone)]
struct Instance {
    cache: Cache,
    db: SqlitePool,
    /// Counts the page's queries: what the cache saves.
    queries: Counter,
}

#[derive(serde::Deserialize)]
struct NewPost {
    title: String,
}

#[action]
async fn add_post(State(app): State<Instance>, input: NewPost) -> Result<(), actum::ActionError> {
    sqlx::query("INSERT INTO posts (title) VALUES (?)")
        .bind(input.title)
        .execute(&app.db)
        .await
        .map_err(actum::ActionError::internal)?;
    actum::revalidate_tag("posts");
    Ok(())
}

async fn home(State(app): State<Instance>) -> Result<Html<String>, String> {
    let titles: Vec<String> = app
        .cache
        .entry("titles")
        .tag("posts")
        .load(|| async {
            let _ = app.queries.load().await;
            sqlx::query_scalar("SELECT title FROM posts ORDER BY id")
                .fetch_all(&app.db)
                .await
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(Html(format!(
        r#"<p id="count">{}</p><form id="add" method="post" action="{}"><input name="title"></form>"#,
        titles.len(),
        add_post.url()
    )))
}

async fn start(cache: Cache, db: SqlitePool) -> (SocketAddr, Instance) {
    let app = Instance {
        cache: cache.clone(),
        db,
        queries: Counter::default(),
    };
    let routes = Router::new()
        .route("/", get(home))
        .action(add_post)
        .with_state(app.clone());
    let router = ActionsLayer::new().cache(cache).wrap(routes);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.expect("serve") });
    (addr, app)
}

async fn count(addr: SocketAddr) -> String {
    let page = Req::get("/").send(addr).await;
    Page::new(page.text()).text("count").expect("a count")
}

async fn database(dir: &std::path::Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(dir.join("posts.db"))
        .create_if_missing(true);
    let db = SqlitePool::connect_with(options)
        .await
        .expect("open SQLite");
    sqlx::query("CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL)")
        .execute(&db)
        .await
        .expect("create the table");
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_on_one_instance_is_seen_on_the_other_and_survives_redis_dying() {
    let dir = std::env::temp_dir().join(format!("actum-instances-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let mut redis = RedisServer::start();
    let (a, _) = start(redis_cache(&redis.url()), database(&dir).await).await;
    let (b, b_app) = start(redis_cache(&redis.url()), database(&dir).await).await;

    assert_eq!(count(b).await, "0");
    assert_eq!(count(b).await, "0");
    assert_eq!(b_app.queries.runs(), 1, "B serves its page from the cache");

    let action = form_action(&Req::get("/").send(a).await.text(), "add");
    let answer = Req::post(&action)
        .script()
        .header("actum-page", "/")
        .json(json!({ "title": "first" }))
        .send(a)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let html = answer.json()["html"].as_str().expect("a page").to_owned();
    assert_eq!(Page::new(html).text("count").as_deref(), Some("1"));
    assert_eq!(
        count(b).await,
        "1",
        "read-your-writes on the other instance"
    );

    redis.kill();
    let answer = Req::post(&action)
        .header("referer", &format!("http://{a}/"))
        .form(&[("title", "second")])
        .send(a)
        .await;
    assert_eq!(answer.status, 303, "the action succeeds without Redis");
    assert_eq!(count(a).await, "2");
    assert_eq!(count(b).await, "2", "reads are misses: fresh from SQLite");

    redis.restart();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(count(b).await, "2");
    let queries = b_app.queries.runs();
    assert_eq!(count(b).await, "2");
    assert_eq!(b_app.queries.runs(), queries, "caching resumed");

    let db = database(&dir).await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM posts")
        .fetch_one(&db)
        .await
        .expect("count rows");
    assert_eq!(rows, 2, "nothing lost from the app's own store");
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
