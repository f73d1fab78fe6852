//! Exactly once: a call that carries an idempotency key runs its action once, and every other
//! call with the same key (a retry, a double click) gets the first call's answer.
//!
//! The key comes from the `actum-idempotency-key` header (`client.js` makes one per submit and
//! per `call()`, and sends it again on a retry) or, for a native post only, from the `k` query
//! parameter of its form's action URL (a one-time token `action.url()` renders into each page). It is scoped to
//! the action and to the request's cookies, so a page served to many people from a cache shares
//! its tokens but never its outcomes.
//!
//! The key also covers the form's text fields: a token reused for another form is another call.
//! The first call claims the key in the [`ActionStore`](crate::ActionStore) once its body is
//! decoded; a second call with the key while the first runs waits for its outcome; the outcome
//! (status, headers with `Set-Cookie`, body, and the page to re-render) is kept for the layer's
//! exactly-once lifetime. A call refused before its action ran (rate limit, decoding, bound
//! arguments, an extractor, a concurrency policy) releases its key, so a corrected retry runs.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use base64::Engine as _;
use http::request::Parts;
use http::{HeaderName, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::action_store::{ActionStore, Claim};
use crate::answer::Mode;
use crate::handler::Rerender;
use crate::policy::Caller;
use crate::wire;

/// How long an outcome is kept for retries, unless the layer says otherwise.
pub const DEFAULT_ONCE_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// How long a claim outlives the action's time limit, for a call whose instance died.
const LEASE_MARGIN: Duration = Duration::from_secs(10);

/// The largest answer kept for a retry; a larger one is answered once and not kept.
const MAX_OUTCOME_BYTES: usize = 1024 * 1024;

/// What to do with a call, once its key has been looked up.
pub(crate) enum Begin {
    /// Run it (holding the claim, if it had a key).
    Run(Option<Once>),
    /// Answer with this: the first call's outcome, or a refusal of the key.
    Answer(&'static str, Response),
}

/// A claimed key: released when dropped, unless the outcome was recorded.
pub(crate) struct Once {
    store: Arc<dyn ActionStore>,
    key: String,
    lifetime: Duration,
    recorded: bool,
}

/// A kept outcome.
#[derive(Serialize, Deserialize)]
struct Outcome {
    /// Whether it answers a script (a JSON envelope) rather than a native post.
    script: bool,
    status: u16,
    headers: Vec<(String, String)>,
    /// The body, base64.
    body: String,
    rerender: Option<Rerender>,
}

/// What exactly-once needs to know of a call whose body has been decoded.
pub(crate) struct Call<'a> {
    pub(crate) config: &'a crate::config::Config,
    pub(crate) info: &'a crate::ActionInfo,
    pub(crate) action_id: &'a str,
    pub(crate) parts: &'a Parts,
    pub(crate) caller: &'a Caller,
    pub(crate) mode: Mode,
    /// The page a native answer goes back to.
    pub(crate) page: &'a str,
    pub(crate) time_limit: Duration,
    /// The form's text fields, part of the key: a token reused for another form is another call.
    pub(crate) values: &'a [(String, String)],
}

/// Reads the call's key, and claims it or answers with what its first call answered.
pub(crate) async fn begin(call: Call<'_>) -> Begin {
    let Call {
        config,
        info,
        action_id,
        parts,
        caller,
        mode,
        page,
        time_limit,
        values,
    } = call;
    if !info.exactly_once() {
        return Begin::Run(None);
    }
    let key = match read_key(parts, mode) {
        Ok(Some(key)) => key,
        Ok(None) => return Begin::Run(None),
        Err(()) => {
            let message = "invalid idempotency key: send 16 to 128 characters of [A-Za-z0-9_-]";
            let response = crate::answer::refusal(mode, StatusCode::BAD_REQUEST, message, None);
            return Begin::Answer("rejected", response);
        }
    };
    let store = config.store();
    let store_key = store_key(action_id, &key, caller, values);
    let lease = time_limit + LEASE_MARGIN;
    let mut pause = Duration::from_millis(5);
    let deadline = tokio::time::Instant::now() + lease;
    loop {
        match store.claim(&store_key, lease).await {
            Ok(Claim::Claimed) => {
                return Begin::Run(Some(Once {
                    store,
                    key: store_key,
                    lifetime: config.once_lifetime,
                    recorded: false,
                }));
            }
            Ok(Claim::Done(bytes)) => match replay(config, parts, &bytes, mode, page) {
                Some(response) => {
                    tracing::info!("exactly once: answered with the first call's outcome");
                    return Begin::Answer("replayed", response);
                }
                None => {
                    tracing::warn!("exactly once: a kept outcome does not decode; running again");
                    return Begin::Run(None);
                }
            },
            Ok(Claim::Running) if tokio::time::Instant::now() < deadline => {
                // The first call runs (here or on another instance): wait for its outcome.
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Ok(Claim::Running) => {
                tracing::warn!("exactly once: the first call never finished; running this one");
                return Begin::Run(None);
            }
            Err(err) => {
                tracing::warn!(error = %err, "exactly once: the store failed; the call runs");
                return Begin::Run(None);
            }
        }
    }
}

impl Once {
    /// Keeps `response` as the outcome of the key, and returns it (rebuilt) to be sent.
    pub(crate) async fn record(mut self, response: Response, mode: Mode) -> Response {
        let (parts, body) = response.into_parts();
        // Every answer of an action is already whole in memory: this only copies it.
        let bytes = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => bytes,
            Err(err) => {
                tracing::error!(error = %err, "exactly once: the answer could not be read");
                let message = "the answer could not be read";
                return crate::answer::refusal(
                    Mode::Native,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    message,
                    None,
                );
            }
        };
        if bytes.len() > MAX_OUTCOME_BYTES {
            tracing::warn!("exactly once: the answer is too large to keep; a retry runs again");
            return Response::from_parts(parts, Body::from(bytes));
        }
        let outcome = Outcome {
            script: mode == Mode::Script,
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                })
                .collect(),
            body: base64::engine::general_purpose::STANDARD.encode(&bytes),
            rerender: parts.extensions.get::<Rerender>().cloned(),
        };
        match serde_json::to_vec(&outcome) {
            Ok(json) => match self.store.complete(&self.key, json, self.lifetime).await {
                Ok(()) => self.recorded = true,
                Err(err) => tracing::warn!(error = %err, "exactly once: the outcome was not kept"),
            },
            Err(err) => tracing::warn!(error = %err, "exactly once: the outcome was not kept"),
        }
        Response::from_parts(parts, Body::from(bytes))
    }
}

impl Drop for Once {
    fn drop(&mut self) {
        if self.recorded {
            return;
        }
        let store = Arc::clone(&self.store);
        let key = std::mem::take(&mut self.key);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(err) = store.abandon(&key).await {
                        tracing::warn!(error = %err, "exactly once: a claim was not released");
                    }
                });
            }
            Err(_) => tracing::warn!("exactly once: a claim was dropped outside a runtime"),
        }
    }
}

/// The first call's answer, marked `actum-policy: replayed`.
fn replay(
    config: &crate::config::Config,
    parts: &Parts,
    bytes: &[u8],
    mode: Mode,
    page: &str,
) -> Option<Response> {
    let outcome: Outcome = serde_json::from_slice(bytes).ok()?;
    let body = base64::engine::general_purpose::STANDARD
        .decode(&outcome.body)
        .ok()?;
    let mut response = match (outcome.script, mode) {
        // `client.js` fell back to a native post after its call reached the server.
        (true, Mode::Native) => as_native(config, parts, &outcome, &body, page),
        _ => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(outcome.status).ok()?;
            for (name, value) in kept_headers(&outcome, |_| true) {
                response.headers_mut().append(name, value);
            }
            if let Some(rerender) = outcome.rerender {
                response.extensions_mut().insert(rerender);
            }
            response
        }
    };
    let headers = response.headers_mut();
    headers.insert(
        wire::POLICY,
        HeaderValue::from_static(wire::POLICY_REPLAYED),
    );
    Some(response)
}

/// The stored headers that pass `keep`.
fn kept_headers<'a>(
    outcome: &'a Outcome,
    keep: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = (HeaderName, HeaderValue)> + 'a {
    outcome.headers.iter().filter_map(move |(name, value)| {
        let name = HeaderName::try_from(name.as_str()).ok()?;
        let value = HeaderValue::try_from(value.as_str()).ok()?;
        keep(name.as_str()).then_some((name, value))
    })
}

/// A script's outcome told to a native post, as its own native answer would have been: a 303
/// to the redirect target, or back to the page with the form's state, or the error page.
fn as_native(
    config: &crate::config::Config,
    parts: &Parts,
    outcome: &Outcome,
    body: &[u8],
    page: &str,
) -> Response {
    #[derive(Deserialize)]
    struct Envelope {
        redirect: Option<String>,
        error: Option<Error>,
    }
    #[derive(Deserialize)]
    struct Error {
        message: String,
        digest: Option<String>,
    }
    let envelope: Option<Envelope> = serde_json::from_slice(body).ok();
    let secure = crate::layer::is_secure(config, &parts.headers);
    let submission = outcome.rerender.as_ref().and_then(|r| r.submission.clone());
    let mut response = match envelope {
        Some(Envelope {
            redirect: Some(target),
            ..
        }) => crate::answer::see_other(&target, None, secure),
        Some(Envelope {
            error: Some(error), ..
        }) if submission.is_none() => {
            let status = StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::CONFLICT);
            crate::answer::error_page(status, &error.message, error.digest.as_deref())
        }
        _ => {
            let page = outcome.rerender.as_ref().map_or(page, |r| r.page.as_str());
            let token = submission.map(|s| config.form_states.put(page, s));
            crate::answer::see_other(page, token.as_deref(), secure)
        }
    };
    for (name, value) in kept_headers(outcome, |name| name == "set-cookie") {
        response.headers_mut().append(name, value);
    }
    response
}

/// Whether the call carries a key (well-formed or not).
pub(crate) fn is_keyed(has_key_header: bool, uri: &http::Uri) -> bool {
    has_key_header
        || uri.query().is_some_and(|query| {
            query
                .split('&')
                .any(|pair| pair.split('=').next() == Some(wire::ONCE_PARAM))
        })
}

/// The key: the header's, else (for a native post only: a script may reuse a form's URL for
/// many calls) the `k` query parameter's. `Err` for a malformed one.
fn read_key(parts: &Parts, mode: Mode) -> Result<Option<String>, ()> {
    let from_header = match parts.headers.get(wire::IDEMPOTENCY) {
        Some(value) => Some(value.to_str().map_err(drop)?.to_owned()),
        None => None,
    };
    let from_query = || {
        parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .find_map(|pair| pair.strip_prefix(wire::ONCE_PARAM)?.strip_prefix('='))
            .map(str::to_owned)
    };
    let key = match mode {
        Mode::Script => from_header,
        Mode::Native => from_header.or_else(from_query),
    };
    match key {
        None => Ok(None),
        Some(key) if is_valid_key(&key) => Ok(Some(key)),
        Some(_) => Err(()),
    }
}

fn is_valid_key(key: &str) -> bool {
    (16..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The store's key: the action, the client's key, the caller's cookies and the form's text
/// fields, hashed.
fn store_key(action_id: &str, key: &str, caller: &Caller, values: &[(String, String)]) -> String {
    let mut hash = sha2::Sha256::new();
    hash.update(action_id.as_bytes());
    hash.update([0]);
    hash.update(key.as_bytes());
    hash.update([0]);
    hash.update(caller.cookies());
    for (name, value) in values {
        // Lengths first, so that no two lists of pairs hash alike.
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((value.len() as u64).to_le_bytes());
        hash.update(value.as_bytes());
    }
    let digest = hash.finalize();
    format!(
        "once:{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        assert!(is_valid_key("abcdefghijklmnop"));
        assert!(is_valid_key(&"a-_Z9".repeat(10)));
        assert!(!is_valid_key("short"));
        assert!(!is_valid_key(&"a".repeat(129)));
        assert!(!is_valid_key("abcdefghijklmnop+"));
    }

    #[test]
    fn the_header_wins_over_the_query_which_only_native_posts_read() {
        let request = http::Request::builder()
            .uri("/_actum/x?k=query-key-0123456789&r=%2F")
            .header(wire::IDEMPOTENCY_HEADER, "header-key-0123456789")
            .body(())
            .unwrap_or_default();
        let (parts, ()) = request.into_parts();
        assert_eq!(
            read_key(&parts, Mode::Native),
            Ok(Some("header-key-0123456789".into()))
        );
        let request = http::Request::builder()
            .uri("/_actum/x?k=query-key-0123456789&r=%2F")
            .body(())
            .unwrap_or_default();
        let (parts, ()) = request.into_parts();
        assert_eq!(
            read_key(&parts, Mode::Native),
            Ok(Some("query-key-0123456789".into()))
        );
        // A script's key is its header's alone: it may call a form's URL many times.
        assert_eq!(read_key(&parts, Mode::Script), Ok(None));
    }
}
