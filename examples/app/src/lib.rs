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
    app_with_cache(db_path, Cache::memory()).await
}

/// [`app`] with the cache given: a Redis one (`Cache::redis`) lets several instances of the app
/// share one database and one cache (`docs/cache.md`).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let cache = actum_cache::Cache::redis("redis://127.0.0.1:6379/")?;
/// let app = actum_example_app::app_with_cache("actum-example.db", cache).await?;
/// # Ok(()) }
/// ```
pub async fn app_with_cache(
    db_path: impl AsRef<Path>,
    cache: Cache,
) -> Result<Router, sqlx::Error> {
    let db = db::open(db_path.as_ref()).await?;
    Ok(router(AppState { db, cache }))
}

/// The routes and actions, wrapped whole by the actions layer: it serves pages and actions alike,
/// a script's call comes back with its page re-rendered, and what an action revalidates is
/// dropped from the cache before that page is rendered.
fn router(state: AppState) -> Router {
    let layer = ActionsLayer::new().cache(state.cache.clone());
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
