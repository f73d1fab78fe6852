//! Per-action policies: how calls of one action from one session may overlap ([`Concurrency`]),
//! how often a caller may call it ([`RateLimit`]), and who "one session" and "one caller" are
//! ([`SessionKey`], [`RateLimitKey`]). `docs/policies.md` explains each.
//!
//! The concurrency gate lives in each process's memory: two calls of a `serial` action from one
//! session on two instances behind a load balancer are not serialized with each other (route a
//! session to one instance, or use an exactly-once key, which is shared through the store).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use http::request::Parts;
use serde::Serialize;
use sha2::Digest as _;
use tokio::sync::{OwnedMutexGuard, watch};

use crate::wire;

/// How calls of one action from one session may overlap, declared with
/// `#[action(concurrency = "…")]` and enforced by the server (and followed by `client.js`).
///
/// ```
/// use actum::Concurrency;
///
/// #[actum::action(concurrency = "latest")]
/// async fn search(input: String) -> usize { input.len() }
///
/// # use actum::Action as _;
/// assert_eq!(search.info().concurrency(), Concurrency::Latest);
/// assert_eq!(Concurrency::Latest.as_str(), "latest");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Concurrency {
    /// Calls run side by side (the default).
    #[default]
    Parallel,
    /// One call at a time per session: a call waits until the previous one has ended.
    Serial,
    /// The latest call wins: a new call cancels the session's older one, which answers 409 with
    /// `actum-policy: superseded`.
    Latest,
    /// A call while the session's previous one still runs is refused: 409 with
    /// `actum-policy: dropped`, and the action does not run.
    Drop,
}

impl Concurrency {
    /// The name used in `#[action(concurrency = "…")]`, on the wire and in listings.
    ///
    /// ```
    /// assert_eq!(actum::Concurrency::Serial.as_str(), "serial");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Concurrency::Parallel => "parallel",
            Concurrency::Serial => "serial",
            Concurrency::Latest => "latest",
            Concurrency::Drop => "drop",
        }
    }

    /// Whether calls must be told apart by session.
    pub(crate) fn needs_session(self) -> bool {
        self != Concurrency::Parallel
    }
}

impl std::fmt::Display for Concurrency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// At most `requests` calls per `window` from one caller, declared on an action with
/// `#[action(rate_limit = "5/min")]` or for every action with
/// [`ActionsLayer::rate_limit`](crate::ActionsLayer::rate_limit). Past it the call is answered
/// 429 with `Retry-After` before its body is read, and the action does not run.
///
/// The window is fixed (it starts with a caller's first call), so a caller may make up to twice
/// `requests` calls across the end of one window and the start of the next.
///
/// ```
/// use actum::RateLimit;
/// use std::time::Duration;
///
/// let limit = RateLimit::new(5, Duration::from_secs(60));
/// assert_eq!(limit.to_string(), "5/60s");
/// assert_eq!(RateLimit::per_minute(5), limit);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    requests: u32,
    window: Duration,
}

impl RateLimit {
    /// `requests` calls per `window` (a window under one millisecond counts as one).
    pub const fn new(requests: u32, window: Duration) -> Self {
        Self { requests, window }
    }

    /// `requests` calls per second.
    ///
    /// ```
    /// assert_eq!(actum::RateLimit::per_second(2).requests(), 2);
    /// ```
    pub const fn per_second(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(1))
    }

    /// `requests` calls per minute.
    ///
    /// ```
    /// assert_eq!(actum::RateLimit::per_minute(2).window().as_secs(), 60);
    /// ```
    pub const fn per_minute(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(60))
    }

    /// `requests` calls per hour.
    ///
    /// ```
    /// assert_eq!(actum::RateLimit::per_hour(2).window().as_secs(), 3600);
    /// ```
    pub const fn per_hour(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(3600))
    }

    /// How many calls a window allows.
    ///
    /// ```
    /// assert_eq!(actum::RateLimit::per_hour(9).requests(), 9);
    /// ```
    pub const fn requests(&self) -> u32 {
        self.requests
    }

    /// How long a window lasts.
    ///
    /// ```
    /// assert_eq!(actum::RateLimit::per_second(1).window().as_millis(), 1000);
    /// ```
    pub const fn window(&self) -> Duration {
        self.window
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let window = self.window;
        if window.subsec_nanos() == 0 {
            write!(f, "{}/{}s", self.requests, window.as_secs())
        } else {
            write!(f, "{}/{}ms", self.requests, window.as_millis())
        }
    }
}

type KeyFn = dyn Fn(&Parts) -> Option<String> + Send + Sync;

/// Who one session is, for [`Concurrency`] policies (and for rate limits keyed by session).
///
/// By default a session is the `actum_sid` cookie, which the layer sets (random, `HttpOnly`,
/// `SameSite=Lax`, for the browser session) on the answer of a call to an action whose policy
/// needs one; a call without it (a browser's first) is keyed by the client's address. An app
/// with its own sessions names them with [`SessionKey::new`]; when its function returns `None`
/// the default applies.
///
/// ```
/// use actum::{ActionsLayer, SessionKey};
///
/// // The app's own session cookie.
/// let layer = ActionsLayer::new().session_key(SessionKey::new(|parts| {
///     let cookies = parts.headers.get("cookie")?.to_str().ok()?;
///     cookies.split("; ").find_map(|c| c.strip_prefix("sid=")).map(str::to_owned)
/// }));
/// ```
#[derive(Clone)]
pub struct SessionKey(Arc<KeyFn>);

impl SessionKey {
    /// A session read from the request's head by `key`.
    pub fn new(key: impl Fn(&Parts) -> Option<String> + Send + Sync + 'static) -> Self {
        Self(Arc::new(key))
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey")
    }
}

/// Who one caller is, for [`RateLimit`]s: the client's address (the default), the session (see
/// [`SessionKey`]), or what the app's function says (a user ID, an API key).
///
/// The address is the TCP peer's (axum's `ConnectInfo`, which [`actum::serve`](crate::serve)
/// provides): behind a proxy every caller has the proxy's address, so read the client's address
/// from the proxy's header with [`RateLimitKey::new`] instead.
///
/// ```
/// use actum::{ActionsLayer, RateLimit, RateLimitKey};
///
/// let layer = ActionsLayer::new()
///     .rate_limit(RateLimit::per_minute(120))
///     .rate_limit_key(RateLimitKey::new(|parts| {
///         // The user's ID, from a header the app's auth layer set; else the address.
///         Some(parts.headers.get("x-user-id")?.to_str().ok()?.to_owned())
///     }));
/// ```
#[derive(Clone, Default)]
pub struct RateLimitKey(RateKeyKind);

#[derive(Clone, Default)]
enum RateKeyKind {
    #[default]
    Address,
    Session,
    Custom(Arc<KeyFn>),
}

impl RateLimitKey {
    /// Each client address is a caller (the default).
    ///
    /// ```
    /// let key = actum::RateLimitKey::address();
    /// ```
    pub fn address() -> Self {
        Self(RateKeyKind::Address)
    }

    /// Each session is a caller (see [`SessionKey`]).
    ///
    /// ```
    /// let key = actum::RateLimitKey::session();
    /// ```
    pub fn session() -> Self {
        Self(RateKeyKind::Session)
    }

    /// The caller is what `key` reads from the request's head; `None` falls back to the address.
    pub fn new(key: impl Fn(&Parts) -> Option<String> + Send + Sync + 'static) -> Self {
        Self(RateKeyKind::Custom(Arc::new(key)))
    }

    fn needs_session(&self) -> bool {
        matches!(self.0, RateKeyKind::Session)
    }
}

impl std::fmt::Debug for RateLimitKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.0 {
            RateKeyKind::Address => "address",
            RateKeyKind::Session => "session",
            RateKeyKind::Custom(_) => "custom",
        };
        write!(f, "RateLimitKey({kind})")
    }
}

/// Who is calling, read once from the request's head: `None` for the calls that need none of it
/// (most), boxed otherwise, so that the request's future holds a pointer.
#[derive(Debug)]
pub(crate) struct Caller(Option<Box<Known>>);

/// What [`Caller`] worked out.
#[derive(Debug)]
struct Known {
    /// The session: the app's key, else the `actum_sid` cookie, else the address.
    session: String,
    /// The rate-limit key.
    rate_key: String,
    /// A hash of the request's cookies (but the form state's), which scopes exactly-once keys
    /// to one browser: a page served to many (from a page cache) shares its tokens, not its
    /// outcomes.
    cookies: [u8; 32],
    /// A new session cookie to set on the answer, when the call needed a session and had none.
    new_session: Option<String>,
    /// Whether the cookie gets `Secure`.
    secure: bool,
}

impl Caller {
    /// Who calls. Only what this call needs is worked out (most calls need none of it): the
    /// session for a policy that goes by it, the rate-limit key when the action is limited, the
    /// cookie fingerprint when the call carries an exactly-once key (`keyed`).
    pub(crate) fn of(
        config: &crate::config::Config,
        info: &crate::ActionInfo,
        parts: &Parts,
        keyed: bool,
    ) -> Self {
        let limited = config.rate_limit_for(info).is_some();
        let needs_session = info.concurrency().needs_session()
            || (limited && config.rate_limit_key.needs_session());
        if !needs_session && !limited && !keyed {
            return Self(None);
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|info| info.0);
        let address = match peer {
            Some(peer) => format!("addr:{}", peer.ip()),
            None => "addr:unknown".to_owned(),
        };
        let app_session = config.session_key.as_ref().and_then(|key| (key.0)(parts));
        let cookie = crate::layer::cookie_value(&parts.headers, wire::SESSION_COOKIE)
            .filter(|value| crate::id::is_well_formed_id(value));
        let new_session =
            (needs_session && app_session.is_none() && cookie.is_none()).then(crate::random::token);
        let session = match (app_session, cookie) {
            (Some(key), _) => format!("app:{key}"),
            (None, Some(sid)) => format!("sid:{sid}"),
            (None, None) => address.clone(),
        };
        let rate_key = match &config.rate_limit_key.0 {
            RateKeyKind::Address => address,
            RateKeyKind::Session => session.clone(),
            RateKeyKind::Custom(key) => key(parts).map_or(address, |key| format!("app:{key}")),
        };
        Self(Some(Box::new(Known {
            session,
            rate_key,
            cookies: if keyed {
                cookie_fingerprint(parts)
            } else {
                [0; 32]
            },
            new_session,
            secure: crate::layer::is_secure(config, &parts.headers),
        })))
    }

    /// The session: empty unless the action's concurrency policy or rate limit goes by it.
    pub(crate) fn session(&self) -> &str {
        self.0.as_ref().map_or("", |known| &known.session)
    }

    /// The rate-limit key: empty unless the action is rate-limited.
    pub(crate) fn rate_key(&self) -> &str {
        self.0.as_ref().map_or("", |known| &known.rate_key)
    }

    /// A hash of the request's cookies (but the form state's), which scopes exactly-once keys
    /// to one browser: zeros unless the call carries an exactly-once key.
    pub(crate) fn cookies(&self) -> [u8; 32] {
        self.0.as_ref().map_or([0; 32], |known| known.cookies)
    }

    /// The session cookie this call made, to set on its answer (`None` for most calls).
    pub(crate) fn new_session(&self) -> Option<NewSession> {
        let known = self.0.as_ref()?;
        Some(NewSession {
            sid: known.new_session.clone()?,
            secure: known.secure,
        })
    }
}

/// A session cookie made for a call that needed a session and had none.
#[derive(Debug)]
pub(crate) struct NewSession {
    sid: String,
    secure: bool,
}

impl NewSession {
    /// Sets the cookie on the call's answer, unless the answer already sets one.
    pub(crate) fn set_on(&self, response: &mut axum::response::Response) {
        let prefix = format!("{}=", wire::SESSION_COOKIE);
        let already = response
            .headers()
            .get_all(http::header::SET_COOKIE)
            .iter()
            .any(|v| v.as_bytes().starts_with(prefix.as_bytes()));
        if already {
            return; // a replayed answer sets the first call's
        }
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
            wire::SESSION_COOKIE,
            self.sid
        );
        if let Ok(value) = http::HeaderValue::from_str(&cookie) {
            response
                .headers_mut()
                .append(http::header::SET_COOKIE, value);
        }
    }
}

fn cookie_fingerprint(parts: &Parts) -> [u8; 32] {
    let mut hash = sha2::Sha256::new();
    for value in parts.headers.get_all(http::header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';').map(str::trim) {
            let name = pair.split('=').next().unwrap_or_default();
            if name != wire::FORM_STATE_COOKIE && !pair.is_empty() {
                hash.update(pair.as_bytes());
                hash.update([0]);
            }
        }
    }
    hash.finalize().into()
}

/// The concurrency gates of one layer: one slot per action and session while a call holds it.
#[derive(Debug, Default)]
pub(crate) struct Gates {
    slots: Mutex<HashMap<String, Weak<Slot>>>,
}

#[derive(Debug)]
struct Slot {
    serial: Arc<tokio::sync::Mutex<()>>,
    busy: AtomicBool,
    latest: watch::Sender<u64>,
}

/// A call's place in its gate, held until the action has ended.
#[derive(Debug)]
pub(crate) struct Pass {
    slot: Option<Arc<Slot>>,
    _serial: Option<OwnedMutexGuard<()>>,
    holds_busy: bool,
    latest: Option<(watch::Receiver<u64>, u64)>,
}

/// Why a call was refused by its action's concurrency policy.
#[derive(Debug)]
pub(crate) struct Dropped;

/// The answer to a call of a `drop` action while the session's previous call still runs.
pub(crate) fn dropped(mode: crate::answer::Mode) -> axum::response::Response {
    let message = "this action is already running for you: wait for it to finish";
    policy_refusal(mode, message, wire::POLICY_DROPPED)
}

/// The answer to a call of a `latest` action that a newer call of the session cancelled.
pub(crate) fn superseded(mode: crate::answer::Mode) -> axum::response::Response {
    let message = "a newer call of this action replaced this one";
    policy_refusal(mode, message, wire::POLICY_SUPERSEDED)
}

fn policy_refusal(
    mode: crate::answer::Mode,
    message: &str,
    policy: &'static str,
) -> axum::response::Response {
    let mut response = crate::answer::refusal(mode, http::StatusCode::CONFLICT, message, None);
    response
        .headers_mut()
        .insert(wire::POLICY, http::HeaderValue::from_static(policy));
    response
}

impl Gates {
    /// Enters the gate of `action_id` for `session` under `policy`: waits (serial), refuses
    /// (drop), or cancels the older call (latest).
    pub(crate) async fn enter(
        &self,
        policy: Concurrency,
        action_id: &str,
        session: &str,
    ) -> Result<Pass, Dropped> {
        if policy == Concurrency::Parallel {
            return Ok(Pass::parallel());
        }
        let slot = self.slot(&format!("{action_id}\n{session}"));
        let mut pass = Pass {
            slot: Some(Arc::clone(&slot)),
            _serial: None,
            holds_busy: false,
            latest: None,
        };
        match policy {
            Concurrency::Parallel => {}
            Concurrency::Serial => {
                pass._serial = Some(Arc::clone(&slot.serial).lock_owned().await);
            }
            Concurrency::Drop => {
                if slot.busy.swap(true, Ordering::AcqRel) {
                    return Err(Dropped);
                }
                pass.holds_busy = true;
            }
            Concurrency::Latest => {
                let mut generation = 0;
                slot.latest.send_modify(|n| {
                    *n += 1;
                    generation = *n;
                });
                pass.latest = Some((slot.latest.subscribe(), generation));
            }
        }
        Ok(pass)
    }

    fn slot(&self, key: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get(key).and_then(Weak::upgrade) {
            return slot;
        }
        // Forget the gates no call holds any more, now and then, so the map stays small.
        if slots.len() >= 1024 && slots.len().is_power_of_two() {
            slots.retain(|_, slot| slot.strong_count() > 0);
        }
        let slot = Arc::new(Slot {
            serial: Arc::new(tokio::sync::Mutex::new(())),
            busy: AtomicBool::new(false),
            latest: watch::Sender::new(0),
        });
        slots.insert(key.to_owned(), Arc::downgrade(&slot));
        slot
    }
}

impl Pass {
    /// The pass of a `parallel` action: no gate to enter (most actions). Made without a future,
    /// so that the request's future does not hold [`Gates::enter`]'s state.
    pub(crate) fn parallel() -> Self {
        Pass {
            slot: None,
            _serial: None,
            holds_busy: false,
            latest: None,
        }
    }

    /// Whether a newer call can cancel this one (a `latest` action): only then does the call
    /// need [`Pass::run`]; others await the call themselves, holding the pass until it ends.
    pub(crate) fn can_be_superseded(&self) -> bool {
        self.latest.is_some()
    }

    /// Runs `call`, unless a newer call of a `latest` action comes first: then `None`, and
    /// `call` is dropped (cancelled) where it stands.
    pub(crate) async fn run<F: Future>(mut self, call: F) -> Option<F::Output> {
        let Some((mut newer, generation)) = self.latest.take() else {
            return Some(call.await);
        };
        let superseded = async move {
            // The sender lives in the slot this pass holds: `changed` only fails if it is gone.
            while newer.changed().await.is_ok() {
                if *newer.borrow() != generation {
                    return;
                }
            }
            std::future::pending::<()>().await;
        };
        tokio::select! {
            output = call => Some(output),
            () = superseded => None,
        }
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        if let (true, Some(slot)) = (self.holds_busy, &self.slot) {
            slot.busy.store(false, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drop_refuses_while_one_runs_and_accepts_after() {
        let gates = Gates::default();
        let first = gates.enter(Concurrency::Drop, "a", "s").await;
        assert!(first.is_ok());
        assert!(gates.enter(Concurrency::Drop, "a", "s").await.is_err());
        // Another session, another action: their own gates.
        assert!(gates.enter(Concurrency::Drop, "a", "t").await.is_ok());
        assert!(gates.enter(Concurrency::Drop, "b", "s").await.is_ok());
        drop(first);
        assert!(gates.enter(Concurrency::Drop, "a", "s").await.is_ok());
    }

    #[tokio::test]
    async fn latest_cancels_the_older_call() {
        let gates = Gates::default();
        let older = gates.enter(Concurrency::Latest, "a", "s").await.ok();
        let older = tokio::spawn(async move {
            match older {
                Some(pass) => pass.run(std::future::pending::<()>()).await,
                None => Some(()),
            }
        });
        tokio::task::yield_now().await;
        let newer = gates.enter(Concurrency::Latest, "a", "s").await.ok();
        assert_eq!(older.await.ok(), Some(None), "the older call was cancelled");
        let output = match newer {
            Some(pass) => pass.run(async { 7 }).await,
            None => None,
        };
        assert_eq!(output, Some(7));
    }

    #[test]
    fn rate_limits_display() {
        assert_eq!(RateLimit::per_hour(3).to_string(), "3/3600s");
        assert_eq!(
            RateLimit::new(1, Duration::from_millis(1500)).to_string(),
            "1/1500ms"
        );
    }
}
