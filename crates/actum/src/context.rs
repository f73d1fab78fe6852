//! The per-request context: what `cookies()`, `revalidate_*()` and `ActionUrl` see while a
//! request is served under the [`ActionsLayer`](crate::ActionsLayer) or while an action runs.
//!
//! It is a tokio task-local rather than an extractor so that an action can end with
//! `actum::cookies().set(...)` from any helper it calls, as the seeds' `cookies()` can, and so a
//! template can print `action.url()` without threading a handle through every render function.

use std::sync::{Arc, Mutex, MutexGuard};

use cookie::{Cookie, CookieJar, SameSite};
use http::HeaderMap;
use http::header::{COOKIE, SET_COOKIE};

use crate::config::Config;
use crate::keys::KeyRing;
use crate::revalidate::Revalidation;

tokio::task_local! {
    static CONTEXT: Arc<RequestContext>;
}

/// What one request shares with the code that serves it.
#[derive(Debug)]
pub(crate) struct RequestContext {
    pub(crate) config: Arc<Config>,
    /// The same-origin path (and query) of the page: the request's own for a page, the page the
    /// form is on for an action.
    page: Option<String>,
    secure: bool,
    state: Mutex<Effects>,
    /// The action's cancellation token, made when the action or its caller's departure first asks.
    cancellation: std::sync::OnceLock<crate::Cancellation>,
    /// Whether the action has begun (its caller's departure then fires the token).
    action_began: std::sync::atomic::AtomicBool,
}

/// What the code serving a request asked for, applied to the answer.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    pub(crate) jar: CookieJar,
    pub(crate) revalidation: Revalidation,
}

impl RequestContext {
    pub(crate) fn new(
        config: Arc<Config>,
        headers: &HeaderMap,
        page: Option<String>,
        secure: bool,
    ) -> Self {
        let mut jar = CookieJar::new();
        for value in headers.get_all(COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            for cookie in Cookie::split_parse_encoded(text.to_owned()).flatten() {
                jar.add_original(cookie.into_owned());
            }
        }
        let state = Mutex::new(Effects {
            jar,
            ..Effects::default()
        });
        Self {
            config,
            page,
            secure,
            state,
            cancellation: std::sync::OnceLock::new(),
            action_began: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Marks the action as begun: from now on, its caller going away fires its token.
    pub(crate) fn begin_action(&self) {
        self.action_began
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether [`begin_action`](Self::begin_action) was called.
    pub(crate) fn action_began(&self) -> bool {
        self.action_began.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The token of this request's action: one per request, made on first use, so that a call
    /// whose action takes none pays nothing for it.
    pub(crate) fn cancellation(&self) -> &crate::Cancellation {
        self.cancellation.get_or_init(crate::Cancellation::new)
    }

    pub(crate) fn effects(&self) -> MutexGuard<'_, Effects> {
        // A poisoned lock means a panic while holding it: the data is plain and still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes the cookies set or removed while serving the request as `Set-Cookie` headers.
    pub(crate) fn write_cookies(&self, headers: &mut HeaderMap) {
        let effects = self.effects();
        for cookie in effects.jar.delta() {
            if let Ok(value) = cookie.encoded().to_string().parse() {
                headers.append(SET_COOKIE, value);
            }
        }
    }

    /// The cookies the request has now (as sent, plus those set, minus those removed), as a
    /// `Cookie` header value: what a page re-rendered after the action must see.
    pub(crate) fn cookie_header(&self) -> String {
        let effects = self.effects();
        let pairs: Vec<String> = effects
            .jar
            .iter()
            .map(|c| c.stripped().encoded().to_string())
            .collect();
        pairs.join("; ")
    }

    /// Whether the code serving the request changed anything a page could show: cookies set or
    /// removed, paths or tags revalidated, a refresh asked for.
    pub(crate) fn changed_page(&self) -> bool {
        let effects = self.effects();
        effects.jar.delta().next().is_some() || !effects.revalidation.is_empty()
    }
}

/// Runs `fut` with `ctx` as the current context. A plain function rather than an `async fn`: the
/// wrapper future would hold `fut` twice (before and while it is awaited), and the request's
/// future is moved and boxed whole (BENCHMARKS.md).
pub(crate) fn scope<F: Future>(
    ctx: Arc<RequestContext>,
    fut: F,
) -> tokio::task::futures::TaskLocalFuture<Arc<RequestContext>, F> {
    CONTEXT.scope(ctx, fut)
}

/// The current context, if any.
pub(crate) fn current() -> Option<Arc<RequestContext>> {
    CONTEXT.try_with(Arc::clone).ok()
}

#[track_caller]
pub(crate) fn expect_current(what: &str) -> Arc<RequestContext> {
    match current() {
        Some(ctx) => ctx,
        None => panic!(
            "actum::{what}() called outside a request served under actum::ActionsLayer or an action \
             (add `.layer(ActionsLayer::new())` to the router)"
        ),
    }
}

pub(crate) fn current_page() -> Option<String> {
    current().and_then(|ctx| ctx.page.clone())
}

/// The path of the page being served, without its query: the request's own for a page, the page
/// its form is on for an action. `None` outside a request served under
/// [`ActionsLayer`](crate::ActionsLayer).
///
/// A cache keys what a page reads by it, so that [`revalidate_path`](crate::revalidate_path)
/// reaches the data as well as the page.
///
/// ```
/// assert_eq!(actum::current_path(), None); // not serving a request
/// ```
pub fn current_path() -> Option<String> {
    let page = current()?.page.clone()?;
    let path = page.split(['?', '#']).next().unwrap_or("/");
    Some(path.to_owned())
}

pub(crate) fn current_key_ring() -> KeyRing {
    match current() {
        Some(ctx) => ctx.config.key_ring().clone(),
        None => crate::keys::global().clone(),
    }
}

/// The request's cookies: read what the browser sent, set and remove cookies that reach the
/// browser with this answer. A page re-rendered in the same answer already sees them.
///
/// New cookies get secure defaults: `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` when the
/// page was served over https. Set an attribute explicitly (with [`Cookies::set_cookie`]) to
/// relax it.
///
/// # Panics
/// Outside a request served under [`ActionsLayer`](crate::ActionsLayer) or an action.
///
/// ```
/// use actum::{action, cookies};
///
/// #[derive(serde::Deserialize)]
/// struct Theme { theme: String }
///
/// #[action]
/// async fn set_theme(input: Theme) {
///     cookies().set("theme", input.theme);
/// }
/// ```
#[track_caller]
pub fn cookies() -> Cookies {
    Cookies {
        ctx: expect_current("cookies"),
    }
}

/// The handle [`cookies()`] returns.
#[derive(Debug, Clone)]
pub struct Cookies {
    ctx: Arc<RequestContext>,
}

impl Cookies {
    /// The value of a cookie, as the browser sent it or as set since.
    ///
    /// ```no_run
    /// let theme = actum::cookies().get("theme").unwrap_or_else(|| "light".into());
    /// ```
    pub fn get(&self, name: &str) -> Option<String> {
        self.ctx
            .effects()
            .jar
            .get(name)
            .map(|c| c.value().to_owned())
    }

    /// Sets a cookie with the secure defaults.
    ///
    /// ```no_run
    /// actum::cookies().set("theme", "dark");
    /// ```
    pub fn set(&self, name: impl Into<String>, value: impl Into<String>) {
        self.set_cookie(Cookie::new(name.into(), value.into()));
    }

    /// Sets a cookie; attributes it leaves unset get the secure defaults.
    ///
    /// ```no_run
    /// use cookie::Cookie;
    /// actum::cookies().set_cookie(Cookie::build(("seen", "1")).http_only(false).max_age(cookie::time::Duration::days(30)).build());
    /// ```
    pub fn set_cookie(&self, mut cookie: Cookie<'static>) {
        if cookie.http_only().is_none() {
            cookie.set_http_only(true);
        }
        if cookie.same_site().is_none() {
            cookie.set_same_site(SameSite::Lax);
        }
        if cookie.path().is_none() {
            cookie.set_path("/");
        }
        if cookie.secure().is_none() && self.ctx.secure {
            cookie.set_secure(true);
        }
        self.ctx.effects().jar.add(cookie);
    }

    /// Whether a cookie was set or removed while serving this request: a response that depends
    /// on it must not be cached for others.
    ///
    /// ```no_run
    /// assert!(!actum::cookies().has_changes());
    /// ```
    pub fn has_changes(&self) -> bool {
        self.ctx.effects().jar.delta().next().is_some()
    }

    /// Removes a cookie (the browser gets an expired one).
    ///
    /// ```no_run
    /// actum::cookies().remove("theme");
    /// ```
    pub fn remove(&self, name: &str) {
        let mut removal = Cookie::from(name.to_owned());
        removal.set_path("/");
        self.ctx.effects().jar.remove(removal);
    }
}
