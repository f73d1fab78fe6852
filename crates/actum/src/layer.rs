//! [`ActionsLayer`]: the settings of the actions of a router, and the per-request context of its
//! pages.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, COOKIE, HeaderValue, ORIGIN, REFERER, SET_COOKIE};
use http::{HeaderMap, Method, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::config::{Config, Revalidator};
use crate::context::{self, RequestContext};
use crate::decode::FormLimits;
use crate::form_state::FormState;
use crate::handler::Rerender;
use crate::keys::KeyRing;
use crate::origin::{OriginPattern, OriginPolicy, TrustedProxies};
use crate::revalidate::Revalidate;
use crate::wire;

mod rerender;

/// The layer that serves a router's actions: origin policy, limits, keys, form state, and the
/// context that `cookies()` and `action.url()` use while pages render.
///
/// Add it last, so that it wraps every route (pages and actions) of the router:
///
/// ```
/// use actum::{ActionsLayer, RouterExt};
/// use axum::{Router, routing::get};
/// use std::time::Duration;
///
/// #[derive(serde::Deserialize)]
/// struct Add { n: i64 }
///
/// #[actum::action]
/// async fn add(input: Add) -> i64 { input.n + 1 }
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "home" }))
///     .action(add)
///     .layer(
///         ActionsLayer::new()
///             .allowed_origins(["https://*.example.com"])
///             .body_limit(4 * 1024 * 1024)
///             .time_limit(Duration::from_secs(10)),
///     );
/// ```
///
/// Its defaults are strict; each setter documents what it relaxes. The full list is in
/// `docs/security.md`.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ActionsLayer {
    config: Config,
}

impl ActionsLayer {
    /// The strict defaults: same-origin browsers only, 1 MiB bodies, 30 s per action, keys from
    /// `ACTUM_SECRET_KEY` (or a random key per process, with a warning).
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts actions posted from these origins too (as Next.js' `serverActions.allowedOrigins`):
    /// `host`, `host:port` or `https://host`, with `*` for one whole DNS label
    /// (`*.example.com`), never in the last two labels.
    ///
    /// # Panics
    /// On an invalid pattern, with a message naming it (a startup mistake).
    #[track_caller]
    pub fn allowed_origins<I>(mut self, patterns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.config.origin = self.config.origin.allowed_origins(patterns);
        self
    }

    /// Trusts `X-Forwarded-Host` and `Forwarded: host=` from these proxies when checking the
    /// origin. Only set this behind a proxy that overwrites those headers.
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.config.origin = self.config.origin.trusted_proxies(proxies);
        self
    }

    /// Accepts requests that carry none of `Sec-Fetch-Site`, `Origin` and `Referer` (scripts,
    /// `curl`, server-to-server calls). Browsers always send one of them, so this does not open
    /// actions to cross-site forms; it does accept callers that are not browsers.
    pub fn allow_non_browser(mut self, allow: bool) -> Self {
        self.config.origin = self.config.origin.allow_non_browser(allow);
        self
    }

    /// Replaces the whole origin policy.
    pub fn origin_policy(mut self, policy: OriginPolicy) -> Self {
        self.config.origin = policy;
        self
    }

    /// The largest request body an action accepts (default 1 MiB); `#[action(body_limit = …)]`
    /// overrides it per action. Larger bodies get 413 before they are read.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.config.body_limit = bytes;
        self
    }

    /// How long an action may run (default 30 s); `#[action(time_limit = …)]` overrides it per
    /// action. Past it the action is cancelled and the caller gets 503.
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.config.time_limit = limit;
        self
    }

    /// Budgets for decoding: fields, parts, files, nesting.
    pub fn form_limits(mut self, limits: FormLimits) -> Self {
        self.config.form_limits = limits;
        self
    }

    /// The keys that seal bound arguments (default: `ACTUM_SECRET_KEY`).
    pub fn key_ring(mut self, ring: KeyRing) -> Self {
        self.config.key_ring = Some(ring);
        self
    }

    /// Hosts that `redirect()` may send the browser to besides this origin's own paths.
    ///
    /// # Panics
    /// On an invalid pattern, with a message naming it.
    #[track_caller]
    pub fn redirect_hosts<I>(mut self, patterns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.config.redirect_hosts = patterns
            .into_iter()
            .map(|p| match OriginPattern::parse(p.as_ref()) {
                Ok(pattern) => pattern,
                Err(err) => panic!("actum: invalid redirect host: {err}"),
            })
            .collect();
        self
    }

    /// Wraps a whole router (its state already given), so that an action called by a script
    /// answers with the page re-rendered in the same response: the page the form is on, or the
    /// redirect target, through this very router, with the cookies the action set and the form's
    /// state. `client.js` morphs it into the document.
    ///
    /// `router.layer(ActionsLayer::new())` (each route wrapped on its own, as axum does) serves
    /// actions too, but cannot reach other routes, so its answers carry no page.
    ///
    /// ```
    /// use actum::{ActionsLayer, RouterExt};
    /// use axum::{Router, routing::get};
    ///
    /// #[actum::action]
    /// async fn touch(_: ()) { actum::refresh(); }
    ///
    /// let app: Router = ActionsLayer::new().wrap(
    ///     Router::new().route("/", get(|| async { "home" })).action(touch),
    /// );
    /// ```
    pub fn wrap(mut self, router: axum::Router) -> axum::Router {
        self.config.rerender = true;
        axum::Router::new().fallback_service(self.layer(router))
    }

    /// Runs at most `actions` actions at once across the routes this layer serves; past it an
    /// action request is refused with 503 and `Retry-After: 1` before its body is read, and the
    /// action does not run. No cap by default.
    pub fn max_concurrent_actions(mut self, actions: usize) -> Self {
        self.config.concurrency = Some(Arc::new(tokio::sync::Semaphore::new(actions)));
        self
    }

    /// The cache that [`revalidate_path`](crate::revalidate_path),
    /// [`revalidate_layout`](crate::revalidate_layout) and
    /// [`revalidate_tag`](crate::revalidate_tag) reach: once an action has run, the layer awaits
    /// its [`Revalidate::revalidate`] before the answer is sent, so the page re-rendered in that
    /// answer (and every request after it) reads fresh data. `actum_cache::Cache` is one.
    ///
    /// ```
    /// use std::{future::Future, pin::Pin};
    ///
    /// struct Forget;
    /// impl actum::Revalidate for Forget {
    ///     fn revalidate<'a>(&'a self, _: &'a actum::Revalidation)
    ///         -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> { Box::pin(async {}) }
    /// }
    ///
    /// let layer = actum::ActionsLayer::new().cache(Forget);
    /// ```
    pub fn cache(mut self, cache: impl Revalidate) -> Self {
        self.config.revalidator = Some(Revalidator(Arc::new(cache)));
        self
    }

    /// Forces the `Secure` attribute on cookies set with `cookies()` on or off. By default it is
    /// set when the page's origin is https.
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.config.secure_cookies = Some(secure);
        self
    }

    /// Names the sessions of the concurrency policies (`#[action(concurrency = …)]`) and of
    /// rate limits keyed by session. Default: the `actum_sid` cookie the layer sets, else the
    /// client's address (see [`SessionKey`](crate::SessionKey) and `docs/policies.md`).
    pub fn session_key(mut self, key: crate::SessionKey) -> Self {
        self.config.session_key = Some(key);
        self
    }

    /// A rate limit for every action that declares none (`#[action(rate_limit = …)]` overrides
    /// it). Past it a call gets 429 with `Retry-After` before its body is read. None by default.
    ///
    /// ```
    /// let layer = actum::ActionsLayer::new().rate_limit(actum::RateLimit::per_minute(60));
    /// ```
    pub fn rate_limit(mut self, limit: crate::RateLimit) -> Self {
        self.config.rate_limit = Some(limit);
        self
    }

    /// Who one caller is for rate limits: the client's address (default), the session, or the
    /// app's key (a user ID). See [`RateLimitKey`](crate::RateLimitKey).
    pub fn rate_limit_key(mut self, key: crate::RateLimitKey) -> Self {
        self.config.rate_limit_key = key;
        self
    }

    /// Where exactly-once outcomes and rate-limit counters live (default: a
    /// [`MemoryStore`](crate::MemoryStore) of this layer). Instances behind a load balancer
    /// share one, such as `actum_cache::RedisActionStore`.
    ///
    /// ```
    /// let layer = actum::ActionsLayer::new().store(actum::MemoryStore::with_capacity(50_000));
    /// ```
    pub fn store(mut self, store: impl crate::ActionStore) -> Self {
        let store: Arc<dyn crate::ActionStore> = Arc::new(store);
        self.config.form_states.share_through(Arc::clone(&store));
        self.config.store = crate::config::Store(store);
        self
    }

    /// How long the outcome of an exactly-once call is kept for its retries (default
    /// [`DEFAULT_ONCE_LIFETIME`](crate::DEFAULT_ONCE_LIFETIME), one hour). A retry after it runs
    /// the action again.
    pub fn exactly_once_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.once_lifetime = lifetime;
        self
    }
}

impl<S> Layer<S> for ActionsLayer {
    type Service = ActionsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        if self.config.key_ring.is_none() {
            // Load the process's keys now, at startup: a missing ACTUM_SECRET_KEY is reported
            // then (once), and an invalid one stops the app before it serves anything.
            let _ = crate::keys::global();
        }
        ActionsService {
            inner,
            config: Arc::new(self.config.clone()),
        }
    }
}

/// The service [`ActionsLayer`] makes.
#[derive(Debug, Clone)]
pub struct ActionsService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> Service<Request> for ActionsService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        // Take the service that was driven to readiness, leave a clone in its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = Arc::clone(&self.config);
        req.extensions_mut().insert(Arc::clone(&config));

        if req.method() == Method::GET && req.uri().path() == crate::client::client_script_url() {
            let response = crate::client::serve(req.headers());
            return Box::pin(async move { Ok(response) });
        }

        if let Some(id) = action_id(req.uri().path()) {
            // A native form post to an ID this process does not serve (a page from before a
            // deploy) keeps its body aside, to be sent back to its form if the router does not
            // know the action either. Known IDs cost nothing.
            let stash = match crate::listing::is_mounted(id) {
                true => None,
                // Boxed, as the rare futures below: this future stays small for every other call.
                false => crate::recover::Stash::keep(&mut req).map(Box::new),
            };
            // Only a layer that wraps the whole router can render another page.
            let whole_router = config.rerender.then(|| {
                let service = ActionsService {
                    inner: self.inner.clone(),
                    config: Arc::clone(&config),
                };
                (service, rerender::headers_for_page(req.headers()))
            });
            let path = req.uri().path().to_owned();
            return Box::pin(async move {
                let Ok(mut response) = inner.call(req).await;
                // Before the 303 leaves: its GET may reach another instance.
                if config.form_states.is_shared()
                    && let Some(token) = form_state_token(&response)
                {
                    config.form_states.publish(&token).await;
                }
                if let Some(stash) = stash.filter(|_| is_unknown_action(&response)) {
                    let id = path.rsplit('/').next().unwrap_or_default();
                    if let Some(back) = Box::pin(stash.recover(&config, id)).await {
                        return Ok(back);
                    }
                }
                if let Some((router, headers)) = whole_router
                    && let Some(page) = response.extensions_mut().remove::<Rerender>()
                {
                    let adding = rerender::add_page(response, page, headers, router);
                    response = Box::pin(adding).await;
                }
                Ok(finish_action_response(&path, response))
            });
        }

        let page = req.uri().path_and_query().map(|pq| pq.as_str().to_owned());
        let mut taken = take_form_state(&config, &mut req);
        // Not here: with a shared store, the post may have been answered by another instance.
        let shared_token =
            (!taken && config.form_states.is_shared() && req.method() == Method::GET)
                .then(|| cookie_value(req.headers(), wire::FORM_STATE_COOKIE))
                .flatten();
        let secure = is_secure(&config, req.headers());
        let shared_take = shared_token.map(|token| {
            let store = config.form_states.clone();
            let page = page.clone().unwrap_or_else(|| "/".to_owned());
            async move { store.take_shared(&token, &page).await }
        });
        let ctx = Arc::new(RequestContext::new(config, req.headers(), page, secure));
        Box::pin(async move {
            if let Some(take) = shared_take
                && let Some(submission) = take.await
            {
                req.extensions_mut().insert(FormState::new(submission));
                taken = true;
            }
            let Ok(mut response) = context::scope(Arc::clone(&ctx), inner.call(req)).await;
            ctx.write_cookies(response.headers_mut());
            if taken {
                expire_form_state_cookie(response.headers_mut());
            }
            Ok(response)
        })
    }
}

/// [`wire::ACTION_PATH_PREFIX`] without its last `/`.
const ACTION_SEGMENT: &str = "/_actum";

/// The ID of an `…/_actum/<id>` path (the ID being one segment); `None` for other paths.
fn action_id(path: &str) -> Option<&str> {
    // On every request: compare the last two segments instead of searching the whole path.
    // `/_actum/<id>`: what stands before the last `/` ends with `/_actum`. A plain loop from the
    // end: the ID is short, and `rsplit_once`'s generic search costs more to set up.
    let slash = path.as_bytes().iter().rposition(|&byte| byte == b'/')?;
    path[..slash]
        .ends_with(ACTION_SEGMENT)
        .then(|| &path[slash + 1..])
}

/// Whether cookies set for this request get the `Secure` attribute.
pub(crate) fn is_secure(config: &Config, headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    is_secure_with(config, text(ORIGIN), text(REFERER))
}

/// [`is_secure`], from the `Origin` and `Referer` values already read.
pub(crate) fn is_secure_with(config: &Config, origin: Option<&str>, referer: Option<&str>) -> bool {
    if let Some(forced) = config.secure_cookies {
        return forced;
    }
    let https = |value: Option<&str>| value.is_some_and(|v| v.starts_with("https://"));
    https(origin) || https(referer)
}

/// On the GET a native post's 303 leads to, moves its form state into the request.
fn take_form_state(config: &Config, req: &mut Request) -> bool {
    if req.method() != Method::GET {
        return false;
    }
    let Some(token) = cookie_value(req.headers(), wire::FORM_STATE_COOKIE) else {
        return false;
    };
    let page = req
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    match config.form_states.take(&token, &page) {
        Some(submission) => {
            req.extensions_mut().insert(FormState::new(submission));
            true
        }
        None => false,
    }
}

/// The form-state token a 303 sets (`actum_fs=<token>`), if it sets one.
fn form_state_token(response: &Response) -> Option<String> {
    let prefix = format!("{}=", wire::FORM_STATE_COOKIE);
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|cookie| cookie.strip_prefix(prefix.as_str()))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        .find(|token| !token.is_empty())
}

pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn expire_form_state_cookie(headers: &mut HeaderMap) {
    let value = format!(
        "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
        wire::FORM_STATE_COOKIE
    );
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.append(SET_COOKIE, value);
    }
}

/// Every answer on an action path is private and typed, and an unknown ID is told apart.
fn finish_action_response(path: &str, mut response: Response) -> Response {
    if response.headers().contains_key(wire::ANSWER) {
        return response; // made by the action endpoint: already marked and hardened
    }
    if is_unknown_action(&response) {
        let id = path.rsplit('/').next().unwrap_or_default();
        let well_formed = crate::id::is_well_formed_id(id);
        tracing::info!(id, well_formed, "unknown action (a stale page, or a guess)");
        response = unknown_action();
    }
    // A 405 from the method router, or an answer of the app's own layers.
    crate::answer::harden_headers(response.headers_mut());
    response
}

/// Whether the router found no action for the path: a 404 not made by an action endpoint.
fn is_unknown_action(response: &Response) -> bool {
    response.status() == StatusCode::NOT_FOUND && !response.headers().contains_key(wire::ANSWER)
}

/// The answer to an action ID this server does not know: 404 with `actum-answer: unknown-action`,
/// so a client can tell a stale page (after a deploy) from every other failure.
pub(crate) fn unknown_action() -> Response {
    let mut response = (
        StatusCode::NOT_FOUND,
        "this action does not exist on the server (the page may be out of date: reload it)",
    )
        .into_response();
    response.headers_mut().insert(
        wire::ANSWER,
        HeaderValue::from_static(wire::ANSWER_UNKNOWN_ACTION),
    );
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_paths_are_recognised() {
        assert_eq!(action_id("/_actum/abc"), Some("abc"));
        assert_eq!(action_id("/admin/_actum/a.b.c"), Some("a.b.c"));
        assert_eq!(action_id("/_actum/"), Some(""));
        assert_eq!(action_id("/_actum/a/b"), None);
        assert_eq!(action_id("/posts"), None);
        assert_eq!(action_id("/_actumx/a"), None);
        assert_eq!(action_id("/x_actum/a"), None);
        assert_eq!(action_id("_actum/a"), None);
        assert_eq!(action_id(""), None);
        assert_eq!(format!("{ACTION_SEGMENT}/"), wire::ACTION_PATH_PREFIX);
    }

    #[test]
    fn cookie_values_are_found() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; actum_fs=tok; b=2"));
        assert_eq!(cookie_value(&headers, "actum_fs").as_deref(), Some("tok"));
        assert_eq!(cookie_value(&headers, "c"), None);
    }
}
