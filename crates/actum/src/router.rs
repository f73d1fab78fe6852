//! Mounting actions on an axum [`Router`].

use std::panic::{AssertUnwindSafe, catch_unwind};

use axum::Router;
use axum::extract::{Request, State};
use axum::routing::post;

use crate::action::ActionHandler;
use crate::wire;

/// Adds `.action(f)` and `.actions(module::mount)` to [`axum::Router`].
///
/// Only mounted actions have an endpoint: an action the app never mounts cannot be reached (and
/// the compiler warns that its function is unused). An action gets the layers of the router it
/// is mounted on, as any route does: mount it on a router with an auth or timeout layer and
/// every call goes through them.
///
/// ```
/// use actum::{ActionsLayer, RouterExt};
/// use axum::Router;
///
/// #[derive(serde::Deserialize)]
/// struct Note { text: String }
///
/// #[actum::action]
/// async fn save_note(input: Note) -> usize { input.text.len() }
///
/// let app: Router = Router::new().action(save_note).layer(ActionsLayer::new());
/// ```
pub trait RouterExt<S>: Sized {
    /// Mounts one action at `/_actum/<its id>`, and lists it in
    /// [`mounted_actions`](crate::mounted_actions).
    ///
    /// # Panics
    /// When the router already has this action (a duplicate ID), pointing at the caller.
    #[track_caller]
    fn action<M: 'static, A: ActionHandler<M, S>>(self, action: A) -> Self;

    /// Mounts every public action of a module marked `#[actum::actions]`:
    /// `router.actions(posts::mount)`.
    fn actions(self, mount: fn(Self) -> Self) -> Self {
        mount(self)
    }
}

impl<S> RouterExt<S> for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    #[track_caller]
    fn action<M: 'static, A: ActionHandler<M, S>>(self, action: A) -> Self {
        let path = format!("{}{}", wire::ACTION_PATH_PREFIX, action.id());
        let endpoint = post(move |State(state): State<S>, req: Request| {
            crate::handler::serve(action, state, req)
        });
        // axum panics on a duplicate route with its own words; say which action it is instead.
        match catch_unwind(AssertUnwindSafe(move || self.route(&path, endpoint))) {
            Ok(router) => {
                crate::listing::record(&action);
                router
            }
            Err(_) => panic!(
                "actum: the action `{}::{}` (id `{}`) is already mounted on this router",
                action.info().module_path(),
                action.info().name(),
                action.id(),
            ),
        }
    }
}
