//! A small app whose pages read through the cache: a list of posts in memory standing for the
//! database (the multi-instance test uses SQLite), actions that add posts and revalidate.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use actum::prelude::*;
use actum::{ActionsLayer, action};
use actum_cache::Cache;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;

use super::Counter;

#[derive(Clone)]
pub struct App {
    pub cache: Cache,
    pub posts: Arc<Mutex<Vec<String>>>,
    /// Counts the "database queries" the pages make.
    pub queries: Counter,
}

impl App {
    pub fn new(cache: Cache) -> Self {
        Self {
            cache,
            posts: Arc::default(),
            queries: Counter::default(),
        }
    }

    fn titles(&self) -> Vec<String> {
        self.posts.lock().expect("posts").clone()
    }
}

#[derive(serde::Deserialize)]
pub struct NewPost {
    pub title: String,
}

#[derive(serde::Deserialize)]
pub struct Marks {
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub layout: Option<String>,
}

/// Adds a post and revalidates the `posts` tag, as the seeds' `createPost` does.
#[action]
pub async fn add_post(State(app): State<App>, input: NewPost) {
    app.posts.lock().expect("posts").push(input.title);
    actum::revalidate_tag("posts");
}

/// Adds a post and revalidates whatever the caller names.
#[action]
pub async fn add_and_mark(State(app): State<App>, input: Marks) {
    app.posts.lock().expect("posts").push("marked".to_owned());
    if let Some(tag) = input.tag {
        actum::revalidate_tag(tag);
    }
    if let Some(path) = input.path {
        actum::revalidate_path(path);
    }
    if let Some(layout) = input.layout {
        actum::revalidate_layout(layout);
    }
}

/// The data-cache page: the titles, read through the cache with tag `posts`.
async fn home(State(app): State<App>) -> Html<String> {
    let titles = app
        .cache
        .entry("titles")
        .tag("posts")
        .load(|| async {
            let _ = app.queries.load().await;
            Ok::<_, std::io::Error>(app.titles())
        })
        .await
        .unwrap_or_default();
    Html(format!(
        r#"<!doctype html><p id="count">{}</p><ul>{}</ul><form id="add" method="post" action="{}"><input name="title"></form>"#,
        titles.len(),
        titles
            .iter()
            .map(|t| format!("<li>{t}</li>"))
            .collect::<String>(),
        add_post.url(),
    ))
}

/// A page-cached page: renders the count of posts and how many times it was rendered.
async fn listing(State(app): State<App>) -> Html<String> {
    let renders = app.queries.load().await.unwrap_or_default();
    Html(format!(
        r#"<p id="count">{}</p><p id="renders">{renders}</p>"#,
        app.titles().len()
    ))
}

async fn post_page(State(app): State<App>, Path(id): Path<u32>) -> Html<String> {
    let renders = app.queries.load().await.unwrap_or_default();
    Html(format!(r#"<p>post {id}</p><p id="renders">{renders}</p>"#))
}

/// A page that sets a cookie: never cached.
async fn sets_cookie(State(app): State<App>) -> Html<String> {
    actum::cookies().set("seen", "1");
    let renders = app.queries.load().await.unwrap_or_default();
    Html(format!(r#"<p id="renders">{renders}</p>"#))
}

/// Where `add_and_mark` is posted.
pub fn add_and_mark_url() -> String {
    add_and_mark.url().to_string()
}

pub fn router(app: App) -> Router {
    let pages = app.cache.pages();
    let routes = Router::new()
        .route("/", get(home))
        .route(
            "/posts",
            get(listing).route_layer(pages.clone().tag("posts").vary_by_cookie("theme")),
        )
        .route(
            "/posts/{id}",
            get(post_page).route_layer(pages.clone().tag("posts")),
        )
        .route("/cookie", get(sets_cookie).route_layer(pages))
        .action(add_post)
        .action(add_and_mark)
        .with_state(app.clone());
    ActionsLayer::new().cache(app.cache.clone()).wrap(routes)
}

/// Serves the app on a free port of 127.0.0.1 for the rest of the test.
pub async fn serve(app: App) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local address");
    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.expect("serve") });
    addr
}
