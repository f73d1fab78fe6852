//! The traits `#[action]` implements, and what a page uses to point a form at an action.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::response::Response;
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ActionError, IntoActionError};
use crate::policy::{Concurrency, RateLimit};

/// What `#[action]` knows about an action at compile time.
///
/// ```
/// # use actum::ActionInfo;
/// let info = ActionInfo::__new("create_post", "app::posts", "app", "fn(NewPost) -> Post");
/// assert_eq!(info.name(), "create_post");
/// ```
#[derive(Debug)]
pub struct ActionInfo {
    name: &'static str,
    module_path: &'static str,
    crate_name: &'static str,
    signature: &'static str,
    body_limit: Option<usize>,
    time_limit: Option<Duration>,
    has_bound: bool,
    bound_args: &'static [(&'static str, &'static str)],
    concurrency: Concurrency,
    rate_limit: Option<RateLimit>,
    exactly_once: bool,
}

impl ActionInfo {
    /// Used by the macro; not a stable API.
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        module_path: &'static str,
        crate_name: &'static str,
        signature: &'static str,
    ) -> Self {
        Self {
            name,
            module_path,
            crate_name,
            signature,
            body_limit: None,
            time_limit: None,
            has_bound: false,
            bound_args: &[],
            concurrency: Concurrency::Parallel,
            rate_limit: None,
            exactly_once: true,
        }
    }

    /// Used by the macro; not a stable API.
    #[doc(hidden)]
    pub const fn __bound_args(mut self, args: &'static [(&'static str, &'static str)]) -> Self {
        self.bound_args = args;
        self
    }

    /// Used by the macro; not a stable API.
    #[doc(hidden)]
    pub const fn __concurrency(mut self, policy: Concurrency) -> Self {
        self.concurrency = policy;
        self
    }

    /// Used by the macro; not a stable API.
    #[doc(hidden)]
    pub const fn __rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Used by the macro; not a stable API.
    #[doc(hidden)]
    pub const fn __exactly_once(mut self, on: bool) -> Self {
        self.exactly_once = on;
        self
    }

    /// The `#[bound]` parameters as written: name and type, in order.
    ///
    /// ```
    /// # use actum::Action as _;
    /// #[actum::action]
    /// async fn rename(#[bound] id: u64, title: String) -> String { format!("{id}: {title}") }
    ///
    /// assert_eq!(rename.info().bound_args(), [("id", "u64")]);
    /// ```
    pub fn bound_args(&self) -> &'static [(&'static str, &'static str)] {
        self.bound_args
    }

    /// The concurrency policy set with `#[action(concurrency = …)]` (default
    /// [`Concurrency::Parallel`]).
    pub fn concurrency(&self) -> Concurrency {
        self.concurrency
    }

    /// The rate limit set with `#[action(rate_limit = …)]`, if any (the layer's applies
    /// otherwise, see [`ActionsLayer::rate_limit`](crate::ActionsLayer::rate_limit)).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// Whether calls with an idempotency key run once (the default; off with
    /// `#[action(exactly_once = false)]`).
    pub fn exactly_once(&self) -> bool {
        self.exactly_once
    }

    /// Used by the macro; not a stable API.
    #[doc(hidden)]
    pub const fn __body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = Some(bytes);
        self
    }

    /// Used by the macro; not a stable API.
    #[doc(hidden)]
    pub const fn __time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = Some(limit);
        self
    }

    /// Used by the macro; not a stable API.
    #[doc(hidden)]
    pub const fn __bound(mut self) -> Self {
        self.has_bound = true;
        self
    }

    /// True when the action has `#[bound]` parameters (so a call must carry sealed arguments).
    pub fn has_bound(&self) -> bool {
        self.has_bound
    }

    /// The function's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The module the function is in (`module_path!()`).
    pub fn module_path(&self) -> &'static str {
        self.module_path
    }

    /// The crate the function is in.
    pub fn crate_name(&self) -> &'static str {
        self.crate_name
    }

    /// The parameter and return types as written, which the ID depends on.
    pub fn signature(&self) -> &'static str {
        self.signature
    }

    /// The body limit set with `#[action(body_limit = …)]`, if any.
    pub fn body_limit(&self) -> Option<usize> {
        self.body_limit
    }

    /// The time limit set with `#[action(time_limit = …)]`, if any.
    pub fn time_limit(&self) -> Option<Duration> {
        self.time_limit
    }

    /// Derives this action's ID with the process's ID key (see `docs/security.md`).
    #[doc(hidden)]
    pub fn __derive_id(&self) -> String {
        crate::id::derive_id(
            crate::keys::global_id_key(),
            self.crate_name,
            self.module_path,
            self.name,
            self.signature,
            cfg!(debug_assertions),
        )
    }
}

/// An action: a function marked with `#[actum::action]`. The marker `M` is a type the macro
/// writes for each action, so the function itself is the action value:
/// `router.action(create_post)`, `create_post.url()`, `rename.bind(id)`.
///
/// It is implemented for every function that `#[action]` marked; do not implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an action",
    label = "not marked with `#[actum::action]`",
    note = "mark the `async fn` with `#[actum::action]` (or put it in a module marked `#[actum::actions]`)"
)]
pub trait Action<M>: Copy + Send + Sync + 'static {
    /// The `#[bound]` parameters: the type itself for one, a tuple for several, `()` for none.
    type Bound: Serialize + DeserializeOwned + Send + 'static;
    /// The last parameter, decoded from the body; `()` when the action has none.
    type Input: DeserializeOwned + Send + 'static;
    /// What the action returns on success.
    type Output: Serialize + Send + 'static;

    /// What the macro knows about the action.
    fn info(&self) -> &'static ActionInfo;

    /// The action's ID: the same on every instance and after a redeploy of the same code; a new
    /// one when the signature changes. Opaque in release builds, readable in debug builds.
    fn id(&self) -> &'static str;

    /// The TypeScript types of the input and output, for [`crate::typescript`].
    #[doc(hidden)]
    fn __typescript(&self) -> [crate::typescript::TsType; 2];

    /// Whether an extractor of the action is an [`Authenticated`](crate::Authenticated) one.
    #[doc(hidden)]
    fn __authenticated(&self) -> bool {
        false
    }

    /// The URL a form posts to: `/_actum/<id>`, plus `?r=<page>` when called while rendering a
    /// page (so that a native post comes back to it).
    ///
    /// An action mounted on a router nested at `/admin` lives under `/admin/_actum/<id>`: use
    /// [`ActionUrl::under`] there.
    fn url(&self) -> ActionUrl {
        ActionUrl::new(self.id()).with_policies(self.info())
    }

    /// Seals `bound` into a URL for this action only: the action receives it as its `#[bound]`
    /// parameters; nobody can read or change it on the way (see `docs/security.md`).
    fn bind(&self, bound: Self::Bound) -> ActionUrl {
        ActionUrl::with_bound(self.id(), BoundArgs::new(&bound)).with_policies(self.info())
    }

    /// Like [`Action::bind`], with an expiry: after `ttl` the action answers 400 instead of running.
    fn bind_for(&self, bound: Self::Bound, ttl: Duration) -> ActionUrl {
        let mut args = BoundArgs::new(&bound);
        args.expires_at = SystemTime::now().checked_add(ttl);
        ActionUrl::with_bound(self.id(), args).with_policies(self.info())
    }
}

impl<F, M> Action<M> for F
where
    M: ActionMarker,
    M::Bound: Serialize + DeserializeOwned + Send + 'static,
    M::Input: DeserializeOwned + Send + 'static,
    M::Output: Serialize + Send + 'static,
    F: ActionFn<M::Args, ActionFuture<M, M::Ret>> + Copy + Send + Sync + 'static,
{
    type Bound = M::Bound;
    type Input = M::Input;
    type Output = M::Output;

    fn info(&self) -> &'static ActionInfo {
        M::info()
    }

    fn id(&self) -> &'static str {
        M::id()
    }

    fn __typescript(&self) -> [crate::typescript::TsType; 2] {
        M::typescript()
    }

    fn __authenticated(&self) -> bool {
        M::authenticated()
    }
}

/// What `#[action]` writes for each action, on a marker type of its own (the macro cannot
/// implement actum's traits for the function's type itself: that type is not local to the user's
/// crate, so the orphan rule forbids it; the marker is, and the function's return type names it).
#[doc(hidden)]
pub trait ActionMarker: 'static {
    /// The parameter types, as a tuple.
    type Args;
    /// The declared return type.
    type Ret;
    // The bounds of these three are on the blanket `Action` impl, not here, so that a wrong type
    // is reported once, by the macro's own check with its own words.
    /// See [`Action::Bound`].
    type Bound;
    /// See [`Action::Input`].
    type Input;
    /// See [`Action::Output`].
    type Output;
    /// See [`Action::info`].
    fn info() -> &'static ActionInfo;
    /// See [`Action::id`].
    fn id() -> &'static str;
    /// The TypeScript types of the input and output (`unknown` without `ts_rs::TS`).
    fn typescript() -> [crate::typescript::TsType; 2];
    /// Whether an extractor is [`Authenticated`](crate::Authenticated).
    fn authenticated() -> bool {
        false
    }
}

/// How the marker runs its action with the router's state `S`: written by the macro with the
/// action's extractors as bounds. The function comes in as `f` rather than being called by name,
/// so that an action the app never mounts stays unused code the compiler warns about.
#[doc(hidden)]
pub trait MarkerHandler<S>: ActionMarker + Sized {
    /// Runs the extractors on `parts`, then `f`.
    #[allow(clippy::type_complexity)]
    fn call<F>(
        f: F,
        parts: Parts,
        state: S,
        bound: Self::Bound,
        input: Self::Input,
    ) -> Pin<Box<dyn Future<Output = Result<Result<Self::Output, ActionError>, Response>> + Send>>
    where
        F: ActionFn<Self::Args, ActionFuture<Self, Self::Ret>> + Send + 'static;
}

/// A function taking `Args` (a tuple) and returning `R`; lets the compiler find an action's
/// marker from the function's own type, and calls it with its arguments as a tuple.
#[doc(hidden)]
pub trait ActionFn<Args, R> {
    /// Calls the function.
    fn call_with(&self, args: Args) -> R;
}

macro_rules! action_fn_arities {
    ($( ($($arg:ident),*) )*) => {$(
        impl<F, R, $($arg),*> ActionFn<($($arg,)*), R> for F
        where
            F: Fn($($arg),*) -> R,
        {
            #[allow(non_snake_case)]
            fn call_with(&self, ($($arg,)*): ($($arg,)*)) -> R {
                self($($arg),*)
            }
        }
    )*};
}

action_fn_arities! {
    () (A1) (A1, A2) (A1, A2, A3) (A1, A2, A3, A4) (A1, A2, A3, A4, A5) (A1, A2, A3, A4, A5, A6)
    (A1, A2, A3, A4, A5, A6, A7) (A1, A2, A3, A4, A5, A6, A7, A8)
    (A1, A2, A3, A4, A5, A6, A7, A8, A9) (A1, A2, A3, A4, A5, A6, A7, A8, A9, A10)
    (A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11) (A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12)
}

/// How a mounted action runs: the extractors, then the function.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be mounted as an action on a `Router<{S}>`",
    label = "not an action, or its extractors do not work with this router's state",
    note = "mark the `async fn` with `#[actum::action]`; its extractors (all parameters before the \
            input) must implement `FromRequestParts<{S}>`"
)]
pub trait ActionHandler<M, S>: Action<M> {
    /// Runs the extractors on `parts`, then the function.
    #[allow(clippy::type_complexity)]
    fn call(
        self,
        parts: Parts,
        state: S,
        bound: Self::Bound,
        input: Self::Input,
    ) -> Pin<Box<dyn Future<Output = Result<Result<Self::Output, ActionError>, Response>> + Send>>;
}

impl<F, M, S> ActionHandler<M, S> for F
where
    F: Action<M, Bound = M::Bound, Input = M::Input, Output = M::Output>
        + ActionFn<M::Args, ActionFuture<M, M::Ret>>,
    M: MarkerHandler<S>,
{
    fn call(
        self,
        parts: Parts,
        state: S,
        bound: Self::Bound,
        input: Self::Input,
    ) -> Pin<Box<dyn Future<Output = Result<Result<Self::Output, ActionError>, Response>> + Send>>
    {
        M::call(self, parts, state, bound, input)
    }
}

/// Caches an action's ID, derived once per process. Used by the macro.
#[doc(hidden)]
pub fn __cached_id(cell: &'static OnceLock<String>, info: &'static ActionInfo) -> &'static str {
    cell.get_or_init(|| info.__derive_id())
}

struct BoundArgs {
    json: Result<String, String>,
    expires_at: Option<SystemTime>,
}

impl BoundArgs {
    fn new<T: Serialize>(value: &T) -> Self {
        Self {
            json: serde_json::to_string(value).map_err(|e| e.to_string()),
            expires_at: None,
        }
    }
}

/// The URL of an action (and its sealed bound arguments), to put in a form's `action` or a
/// button's `formaction`. It displays as the URL; sealing happens when it is displayed, with the
/// key ring of the [`ActionsLayer`](crate::ActionsLayer) serving the request.
///
/// ```
/// # use actum::ActionUrl;
/// let url = ActionUrl::new("posts.create.0a1b2c3d");
/// assert_eq!(url.to_string(), "/_actum/posts.create.0a1b2c3d");
/// assert_eq!(url.under("/admin").to_string(), "/admin/_actum/posts.create.0a1b2c3d");
/// ```
pub struct ActionUrl {
    id: &'static str,
    prefix: String,
    bound: Option<BoundArgs>,
    return_to: Option<String>,
    concurrency: Concurrency,
    /// A one-time exactly-once token, rendered into a page's form (see `idempotency`).
    once: Option<String>,
}

impl ActionUrl {
    /// The URL of the action with this ID. Prefer `action.url()` and `action.bind(...)`.
    pub fn new(id: &'static str) -> Self {
        let return_to = crate::context::current_page();
        Self {
            id,
            prefix: String::new(),
            bound: None,
            return_to,
            concurrency: Concurrency::Parallel,
            once: None,
        }
    }

    /// Announces the action's concurrency policy to `client.js`, and gives a form rendered into
    /// a page a one-time exactly-once token.
    fn with_policies(mut self, info: &ActionInfo) -> Self {
        self.concurrency = info.concurrency();
        if info.exactly_once() && self.return_to.is_some() {
            self.once = Some(crate::random::token());
        }
        self
    }

    fn with_bound(id: &'static str, bound: BoundArgs) -> Self {
        Self {
            bound: Some(bound),
            ..Self::new(id)
        }
    }

    /// The same URL for an action mounted on a router nested under `prefix` (e.g. `/admin`).
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// The page a native post comes back to (default: the page being rendered).
    #[must_use]
    pub fn returning_to(mut self, path: &str) -> Self {
        self.return_to = Some(path.to_owned());
        self
    }

    /// The action's ID.
    pub fn id(&self) -> &'static str {
        self.id
    }
}

impl std::fmt::Display for ActionUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        write!(
            f,
            "{}{}{}",
            self.prefix,
            crate::wire::ACTION_PATH_PREFIX,
            self.id
        )?;
        let mut sep = '?';
        if let Some(bound) = &self.bound {
            let json = match &bound.json {
                Ok(json) => json,
                Err(err) => {
                    // A `Serialize` impl that fails is a programmer mistake; the form then posts
                    // without the arguments and the action answers 400.
                    tracing::error!(action = self.id, error = %err, "bound arguments could not be serialized");
                    return Ok(());
                }
            };
            if json.len() > crate::seal::MAX_PAYLOAD_LEN {
                // Too large to seal into a URL: a programmer mistake, visible in the log; the
                // form then posts without the arguments and the action answers 400.
                tracing::error!(
                    action = self.id,
                    len = json.len(),
                    "bound arguments are too large to seal"
                );
                return Ok(());
            }
            let ring = crate::context::current_key_ring();
            let sealed = crate::seal::seal(
                &ring,
                crate::wire::BOUND_PURPOSE,
                self.id,
                json.as_bytes(),
                bound.expires_at,
            );
            write!(f, "{sep}{}={sealed}", crate::wire::BOUND_PARAM)?;
            sep = '&';
        }
        if self.concurrency != Concurrency::Parallel {
            let policy = self.concurrency.as_str();
            write!(f, "{sep}{}={policy}", crate::wire::CONCURRENCY_PARAM)?;
            sep = '&';
        }
        if let Some(token) = &self.once {
            write!(f, "{sep}{}={token}", crate::wire::ONCE_PARAM)?;
            sep = '&';
        }
        if let Some(page) = &self.return_to {
            let encoded = utf8_percent_encode(page, NON_ALPHANUMERIC);
            write!(f, "{sep}{}={encoded}", crate::wire::RETURN_PARAM)?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for ActionUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionUrl")
            .field("id", &self.id)
            .field("prefix", &self.prefix)
            .field("bound", &self.bound.is_some())
            .field("return_to", &self.return_to)
            .finish()
    }
}

/// The future an action function returns. `#[action]` turns `async fn f(..) -> T` into
/// `fn f(..) -> ActionFuture<marker, T>`, which you `.await` as before (in a unit test, say); its
/// distinct type is what makes the function itself the action value.
pub struct ActionFuture<M, T> {
    inner: Pin<Box<dyn Future<Output = T> + Send + 'static>>,
    marker: PhantomData<fn() -> M>,
}

impl<M, T> ActionFuture<M, T> {
    /// Wraps the body of an action. Used by the macro.
    #[doc(hidden)]
    pub fn new(body: impl Future<Output = T> + Send + 'static) -> Self {
        Self {
            inner: Box::pin(body),
            marker: PhantomData,
        }
    }
}

impl<M, T> Future for ActionFuture<M, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.inner.as_mut().poll(cx)
    }
}

impl<M, T> std::fmt::Debug for ActionFuture<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ActionFuture")
    }
}

/// Turns what an action function returns into `Result<Output, ActionError>`. Used by the macro.
#[doc(hidden)]
pub trait IntoActionResult {
    type Output: Serialize + Send + 'static;
    fn into_action_result(self) -> Result<Self::Output, ActionError>;
}

impl<T: ActionOutput, E: IntoActionError> IntoActionResult for Result<T, E> {
    type Output = T;
    fn into_action_result(self) -> Result<T, ActionError> {
        self.map_err(IntoActionError::into_action_error)
    }
}

/// Checked by the macro on an action's output type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an action's output: it does not implement `serde::Serialize`",
    label = "the result is sent to the browser, so it must serialize",
    note = "derive `serde::Serialize` for it, or return `()`"
)]
pub trait ActionOutput: Serialize + Send + 'static {}
impl<T: Serialize + Send + 'static> ActionOutput for T {}

/// Checked by the macro on an action's input (its last parameter).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an action's input: it does not implement `serde::Deserialize`",
    label = "the last parameter is the input, decoded from the form or JSON body",
    note = "derive `serde::Deserialize` for the input type; extractors (state, cookies, the signed-in \
            user) go before it, and an action without input takes no last parameter after \
            its `#[bound]` ones or ends with `_: ()`"
)]
pub trait ActionInput: DeserializeOwned + Send + 'static {}
impl<T: DeserializeOwned + Send + 'static> ActionInput for T {}

/// Checked by the macro on an action's `#[bound]` parameters.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a bound argument: it must implement `Serialize` and `Deserialize`",
    label = "bound arguments are sealed into the page and opened when the action runs",
    note = "use a plain data type such as an integer, a `String` or a struct deriving both"
)]
pub trait BoundArg: Serialize + DeserializeOwned + Send + 'static {}
impl<T: Serialize + DeserializeOwned + Send + 'static> BoundArg for T {}
