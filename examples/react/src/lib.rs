//! The React example as a library: [`app`] builds the router `main` serves, and
//! [`typescript_module`] renders `web/src/actions.ts` from the same actions, so that the test that
//! compares the two sees exactly what the app mounts.

mod actions;
mod assets;
mod snapshot;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use actum::{ActionsLayer, RouterExt};
use axum::Router;
use axum::routing::get;

/// Everything the app keeps, in memory: the examples are small and a restart may forget them.
#[derive(Clone, Default)]
pub(crate) struct AppState {
    data: Arc<Mutex<Data>>,
}

/// What the actions change.
#[derive(Default)]
pub(crate) struct Data {
    pub(crate) likes: u32,
    pub(crate) views: u32,
    pub(crate) users: Vec<String>,
    pub(crate) messages: Vec<actions::Message>,
    pub(crate) draft: String,
    pub(crate) posts: Vec<String>,
    pub(crate) entries: Vec<actions::Entry>,
    pub(crate) next_entry: u32,
    pub(crate) avatar: Option<actions::Avatar>,
}

impl AppState {
    /// The data, locked. A panic while it was locked leaves it usable: each change is one step.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The app: the actions, `GET /api/state` (the data the components start from) and the Vite
/// build in `dist` (`index.html` for every other path, so `/dashboard` is the app's own page).
///
/// The actions layer goes on with `.layer`, not `wrap`: a React app renders its own pages, so no
/// page is re-rendered into an action's answer.
///
/// ```
/// let app: axum::Router = actum_example_react::app("examples/react/web/dist".into());
/// ```
pub fn app(dist: PathBuf) -> Router {
    Router::new()
        .route("/api/state", get(snapshot::snapshot))
        .action(actions::increment_like)
        .action(actions::increment_views)
        .action(actions::create_user)
        .action(actions::send)
        .action(actions::save_draft)
        .action(actions::publish_post)
        .action(actions::add_entry)
        .action(actions::delete_entry)
        .action(actions::upload_avatar)
        .layer(ActionsLayer::new())
        .with_state(AppState::default())
        .merge(assets::routes(dist))
}

/// The TypeScript module of the app's actions: `web/src/actions.ts`.
///
/// ```
/// let module = actum_example_react::typescript_module().unwrap();
/// assert!(module.contains("export async function incrementLike("));
/// ```
///
/// # Errors
/// When two actions or two types would get the same TypeScript name.
pub fn typescript_module() -> Result<String, actum::typescript::TypeScriptError> {
    // Mounting is what lists an action.
    let _ = app(PathBuf::new());
    actum::typescript::module(&actum::mounted_actions())
}
