//! The actum example app as a library: [`app`] builds the whole router, so that the HTTP tests
//! serve exactly what `main` serves.

mod attachments;
mod auth;
mod db;
mod invoices;
mod pages;
mod posts;
mod theme;
mod thread;

use std::path::Path;

use actum::{ActionsLayer, RouterExt};
use actum_cache::Cache;
use axum::Router;
use axum::routing::get;
use sqlx::SqlitePool;

/// What every handler and action shares.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The SQLite pool.
    pub(crate) db: SqlitePool,
    /// What pages read, kept until an action revalidates it (by tag, or by the page's path).
    pub(crate) cache: Cache,
}

/// Opens (or creates) the SQLite database at `db_path`, runs the embedded migrations, and
/// returns the app: the pages, the mounted actions, and the actions layer around them.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let app = actum_example_app::app("actum-example.db").await?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// actum::serve(listener, app).await?;
/// # Ok(()) }
/// ```
pub async fn app(db_path: impl AsRef<Path>) -> Result<Router, sqlx::Error> {
    let db = db::open(db_path.as_ref()).await?;
    let cache = Cache::memory();
    Ok(router(AppState { db, cache }, ActionsLayer::new()))
}

/// [`app`] for one of several instances on one database and one Redis at `redis_url`: the
/// cache, the exactly-once outcomes, the rate-limit counters and the form state of native posts
/// are shared, so any instance can answer any request (`docs/cache.md`, "Behind a load
/// balancer").
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let app = actum_example_app::app_on_redis("actum-example.db", "redis://127.0.0.1:6379/").await?;
/// # Ok(()) }
/// ```
pub async fn app_on_redis(
    db_path: impl AsRef<Path>,
    redis_url: &str,
) -> Result<Router, Box<dyn std::error::Error>> {
    let db = db::open(db_path.as_ref()).await?;
    let cache = Cache::redis(redis_url)?;
    let layer = ActionsLayer::new().store(actum_cache::RedisActionStore::new(redis_url)?);
    Ok(router(AppState { db, cache }, layer))
}

/// The routes and actions, wrapped whole by the actions layer: it serves pages and actions alike,
/// a script's call comes back with its page re-rendered, and what an action revalidates is
/// dropped from the cache before that page is rendered.
fn router(state: AppState, layer: ActionsLayer) -> Router {
    let layer = layer.cache(state.cache.clone());
    // The seeds page is the same for every visitor who is not signed in, but for the theme: the
    // page cache keeps one copy per theme and bypasses requests with a session.
    let public_page = state.cache.pages().vary_by_cookie(theme::THEME_COOKIE);
    let routes = Router::new()
        .route("/", get(pages::home))
        .route("/posts/{id}", get(pages::post_page))
        .route("/posts/{id}/edit", get(pages::edit_page))
        .route("/attachments/{id}", get(attachments::download))
        .route("/thread", get(pages::thread_page))
        .route("/invoices", get(pages::invoices_page))
        .route("/seeds", get(pages::seeds_page).route_layer(public_page))
        .action(auth::sign_in)
        .action(auth::sign_out)
        .action(theme::set_theme)
        .action(posts::create_post)
        .action(posts::create_draft)
        .action(posts::save_draft)
        .action(posts::publish_post)
        .action(posts::delete_post)
        .action(posts::like_post)
        .action(attachments::upload_attachment)
        .action(thread::send_message)
        .action(invoices::create_invoice)
        .action(invoices::send_reminders)
        .fallback(pages::not_found_page)
        .with_state(state);
    layer.wrap(routes)
}
