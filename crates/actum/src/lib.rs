//! # actum — Server Actions for Rust
//!
//! Mark an `async fn` with [`#[action]`](macro@action), mount it on an axum [`Router`](axum::Router)
//! with [`RouterExt::action`], and a browser calls it with one POST: from a plain HTML form that
//! works with JavaScript off, or from any script. Secure by default: origin checks, sealed bound
//! arguments, body and time limits.
//!
//! ```
//! use actum::prelude::*;
//! use actum::{action, redirect, ActionError, ActionsLayer, FormState};
//! use axum::{Router, extract::State, response::Html, routing::get};
//! use std::sync::{Arc, Mutex};
//!
//! type Posts = Arc<Mutex<Vec<String>>>;
//!
//! #[derive(serde::Deserialize)]
//! struct NewPost { title: String }
//!
//! /// Every action is reachable by a direct POST: check inputs (and the user) inside it.
//! #[action]
//! async fn create_post(State(posts): State<Posts>, input: NewPost) -> Result<(), ActionError> {
//!     if input.title.trim().is_empty() {
//!         return Err(ActionError::invalid("title", "a title is required"));
//!     }
//!     posts.lock().unwrap().push(input.title);
//!     redirect("/")
//! }
//!
//! async fn home(State(posts): State<Posts>, form: FormState) -> Html<String> {
//!     let error = form.for_action(create_post).and_then(|s| s.field_error("title")).unwrap_or("");
//!     Html(format!(
//!         r#"<form method="post" action="{}"><input name="title"> {error} <button>Create</button></form>
//!            <p>{} posts</p>"#,
//!         create_post.url(),
//!         posts.lock().unwrap().len(),
//!     ))
//! }
//!
//! let app: Router = Router::new()
//!     .route("/", get(home))
//!     .action(create_post)
//!     .layer(ActionsLayer::new())
//!     .with_state(Posts::default());
//! ```
//!
//! - **Parameters.** Earlier parameters are axum extractors (`State`, headers, your signed-in
//!   user); the last one is the input, any `serde::Deserialize` type, decoded from a urlencoded or
//!   multipart form or from JSON (see [`decode`](crate#forms) below). Parameters marked `#[bound]`
//!   come only from sealed bound arguments ([`Action::bind`]), never from what the client sent.
//! - **Output.** Any `Serialize` value, or `Result<T, E>` where `E` is [`ActionError`] or
//!   implements [`IntoActionError`]. [`redirect`], [`not_found`], [`unauthorized`] and
//!   [`forbidden`] end an action.
//! - **Inside an action.** [`cookies()`] reads and sets cookies; [`revalidate_path`],
//!   [`revalidate_layout`], [`revalidate_tag`] and [`refresh`] mark what is stale, and the cache
//!   set with [`ActionsLayer::cache`] drops it before the answer is sent.
//! - **Answers.** A native form post gets a 303 back to its page (or to the redirect target),
//!   with its [`FormState`] kept for that page; a script (header `actum-request: 1`) gets a JSON
//!   envelope. `docs/protocol.md` is the wire; `docs/security.md` the defaults and how to relax
//!   each.
//!
//! ## Validation
//! With the `garde` feature, an input that derives `garde::Validate` is checked before the action
//! runs; each failed rule becomes a field error (422), which comes back to the form like the
//! action's own [`ActionError::invalid`]:
//!
//! ```toml
//! actum = { version = "0.1", features = ["garde"] }
//! garde = { version = "0.23", features = ["derive"] }
//! ```
//!
//! ## Policies
//! Per action, declared on the function: `#[action(concurrency = "serial" | "latest" | "drop")]`
//! (how one session's calls may overlap), `#[action(rate_limit = "5/min")]` (429 with
//! `Retry-After` past it) and exactly-once calls (on by default: a retry or a double click with
//! the same idempotency key runs once and gets the first answer; `exactly_once = false` turns it
//! off). [`surface_report`] lists every mounted action with its limits, policies, bound
//! arguments and whether it takes an [`Authenticated`] extractor. See `docs/policies.md`.
//!
//! ## TypeScript
//! With the `typescript` feature, [`typescript::module`] writes a TypeScript module with one typed
//! function per mounted action ([`mounted_actions`]), its types derived from the Rust ones by
//! ts-rs, ready for React 19's form actions and hooks; see `docs/typescript.md`.
//!
//! ## Resilience
//! A page rendered before a deploy keeps working: IDs change only with an action's signature, and
//! a post to an action the server no longer has comes back to its form with what was typed
//! ([`FormState::stale`]). An action can take a [`Cancellation`] that fires when its caller goes
//! away. The `action` span continues the caller's W3C `traceparent` (`client.js` sends one per
//! call); with the `otel` feature it is exported to OpenTelemetry in that trace (`actum::otel`).
//! See `docs/resilience.md`.
//!
//! ## Forms
//! Field names map to the input type as follows: `a` is a field; a repeated `a` (or `a[]`) fills a
//! `Vec`; `a[b]` fills field `b` of the nested struct (or map) `a`. A scalar field sent twice, an
//! unknown field and a value of the wrong type are refused with 422 naming the field. Checkboxes
//! send `on` (a `bool` accepts `on`/`off`/`true`/`false`/`1`/`0`), an empty value in an `Option`
//! field is `None`, and files arrive as [`UploadedFile`] from `multipart/form-data` forms.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod action;
mod action_store;
mod answer;
mod authenticated;
mod cancel;
mod client;
mod completion;
mod config;
mod context;
mod deadline;
mod decode;
mod error;
mod form_state;
#[cfg(feature = "__fuzz")]
#[doc(hidden)]
pub mod fuzz;
mod handler;
mod id;
mod idempotency;
mod json_escape;
mod keys;
mod known_headers;
mod layer;
mod listing;
mod origin;
#[cfg(feature = "otel")]
#[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
pub mod otel;
mod policy;
mod random;
mod rate_limit;
mod recover;
mod redirect_target;
mod revalidate;
mod router;
mod seal;
mod serve;
mod trace_context;
pub mod typescript;
mod validate;
pub mod wire;

pub use action::{Action, ActionFuture, ActionInfo, ActionUrl};
pub use action_store::{ActionStore, Claim, Hits, MemoryStore, StoreError, StoreFuture};
pub use actum_macros::{action, actions};
pub use authenticated::Authenticated;
pub use cancel::Cancellation;
pub use client::{client_script_tag, client_script_url};
pub use config::{DEFAULT_BODY_LIMIT, DEFAULT_TIME_LIMIT};
pub use context::{Cookies, cookies, current_path};
pub use decode::{DecodeError, FormLimits, UploadedFile};
pub use error::{
    ActionError, IntoActionError, Redirect, forbidden, not_found, redirect, unauthorized,
};
pub use form_state::{FormState, Submission, SubmissionError};
pub use idempotency::DEFAULT_ONCE_LIFETIME;
pub use keys::{KeyError, KeyRing};
pub use layer::{ActionsLayer, ActionsService};
pub use listing::{MountedAction, SurfaceReport, mounted_actions, surface_report};
pub use origin::{
    InvalidOriginPattern, OriginPattern, OriginPolicy, OriginRejection, TrustedProxies,
};
pub use policy::{Concurrency, RateLimit, RateLimitKey, SessionKey};
pub use revalidate::{
    Revalidate, Revalidation, refresh, revalidate_layout, revalidate_path, revalidate_tag,
};
pub use router::RouterExt;
pub use serve::{DEFAULT_HEADER_READ_TIMEOUT, Server, serve};

/// `use actum::prelude::*;` brings the traits whose methods you call on actions
/// (`create_post.url()`, `rename.bind(id)`) and routers (`.action(create_post)`) into scope.
pub mod prelude {
    pub use crate::{Action as _, RouterExt as _};
}

/// What the macros' generated code uses. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::action::{
        __cached_id, ActionFn, ActionHandler, ActionInput, ActionMarker, ActionOutput, BoundArg,
        IntoActionResult, MarkerHandler,
    };
    pub use crate::authenticated::{AuthProbe, prelude as authenticated_prelude};
    pub use crate::policy::{Concurrency, RateLimit};
    pub use crate::typescript::{TsType, TypeOf, prelude as typescript_prelude};
    pub use crate::validate::{Validated, prelude as validate_prelude};
    pub use axum;
    pub use http;

    /// Asserts at compile time that an action's input decodes.
    pub const fn assert_input<T: ActionInput>() {}
    /// Passes an action's output on, checking that it serializes.
    pub fn output<T: ActionOutput>(value: T) -> T {
        value
    }
    /// Converts an action's error, checking that it maps to a status and message.
    pub fn error<E: crate::IntoActionError>(error: E) -> crate::ActionError {
        error.into_action_error()
    }
    /// Asserts at compile time that an action's `Result` alias is usable.
    pub const fn assert_result<R: IntoActionResult>() {}
    /// Asserts at compile time that a bound argument seals.
    pub const fn assert_bound<T: BoundArg>() {}
}
