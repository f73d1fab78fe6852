//! Form state: the last outcome of an action for a form (the seeds' `useActionState`), so a page
//! can show the result, the error next to each field, and every value the user typed.
//!
//! Without JavaScript the outcome crosses the 303 under a one-time token: the server keeps the
//! state (not a cookie: no size limit, nothing the user can forge), the browser carries only the
//! token in a short-lived cookie, and the first GET of the page it was meant for takes it.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::action::Action;

/// How long a native post's form state waits for its page.
const FORM_STATE_TTL: Duration = Duration::from_secs(300);
/// How many pending form states one process keeps at most (a flood evicts the oldest).
const FORM_STATE_CAPACITY: usize = 10_000;

/// The outcome of one submission of a form: what was typed, and the result or the error.
///
/// ```
/// # use actum::Submission;
/// fn title_field(sub: Option<&Submission>) -> String {
///     let value = sub.and_then(|s| s.value("title")).unwrap_or("");
///     let error = sub.and_then(|s| s.field_error("title")).unwrap_or("");
///     format!(r#"<input name="title" value="{value}"> <span>{error}</span>"#)
/// }
/// assert!(title_field(None).contains(r#"value="""#));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Submission {
    /// Borrowed for this server's actions (their IDs are `'static`): no copy per native post.
    action_id: Cow<'static, str>,
    bound_key: Option<String>,
    values: Vec<(String, String)>,
    /// The result as JSON text (decoded on demand by [`Submission::result`]).
    result: Option<String>,
    error: Option<SubmissionError>,
    /// Posted by a page of an earlier deploy to an action this server does not know.
    #[serde(default)]
    stale: bool,
}

/// The error part of a [`Submission`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubmissionError {
    /// The HTTP status.
    pub status: u16,
    /// The message the user may see.
    pub message: String,
    /// Field errors: (field name, message).
    pub fields: Vec<(String, String)>,
    /// The digest under which the log has the details, for server errors.
    pub digest: Option<String>,
}

impl Submission {
    pub(crate) fn new(
        action_id: impl Into<Cow<'static, str>>,
        bound_key: Option<String>,
        values: Vec<(String, String)>,
        outcome: Result<String, SubmissionError>,
    ) -> Self {
        // Like a browser, never echo a password back into a page.
        let values = values
            .into_iter()
            .filter(|(name, _)| !is_secret_field(name))
            .collect();
        let (result, error) = match outcome {
            Ok(value) => (Some(value), None),
            Err(err) => (None, Some(err)),
        };
        Self {
            action_id: action_id.into(),
            bound_key,
            values,
            result,
            error,
            stale: false,
        }
    }

    /// The state of a post to an action this server does not know (see `recover`).
    pub(crate) fn stale(
        old_id: &str,
        bound_key: Option<String>,
        values: Vec<(String, String)>,
        error: SubmissionError,
    ) -> Self {
        Self {
            stale: true,
            ..Self::new(old_id.to_owned(), bound_key, values, Err(error))
        }
    }

    /// True when the form was posted from a page of an earlier deploy, to an action this server
    /// no longer has: nothing ran, [`error`](Self::error) says the page was out of date, and
    /// [`value`](Self::value) gives back what the user typed. [`FormState::for_action`] hands it
    /// to every form whose fields it fits.
    ///
    /// ```
    /// # use actum::FormState;
    /// fn notice(form: &FormState) -> &str {
    ///     form.stale().and_then(|s| s.error()).map_or("", |e| e.message.as_str())
    /// }
    /// assert_eq!(notice(&FormState::default()), "");
    /// ```
    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// The first value typed in a field.
    pub fn value(&self, field: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a field (checkboxes, multi-selects).
    pub fn values<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.values
            .iter()
            .filter(move |(f, _)| f == field)
            .map(|(_, v)| v.as_str())
    }

    /// The error message of a field, when the submission failed validation.
    pub fn field_error(&self, field: &str) -> Option<&str> {
        let error = self.error.as_ref()?;
        error
            .fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The error, when the action failed.
    pub fn error(&self) -> Option<&SubmissionError> {
        self.error.as_ref()
    }

    /// True when the action succeeded.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// The action's result, decoded (None when it failed or does not decode as `T`).
    pub fn result<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(self.result.as_deref()?).ok()
    }

    /// The action's result as JSON text, as the action returned it.
    pub fn result_json(&self) -> Option<&str> {
        self.result.as_deref()
    }

    /// The ID of the action that produced this state (for a [stale](Self::is_stale) one, the ID
    /// the old page posted to).
    pub fn action_id(&self) -> &str {
        &self.action_id
    }
}

/// Fields whose typed values are not kept for the page: their name contains `password`.
fn is_secret_field(name: &str) -> bool {
    // Without lowercasing a copy: this runs for every field of every native post.
    const SECRET: &[u8] = b"password";
    name.as_bytes()
        .windows(SECRET.len())
        .any(|window| window.eq_ignore_ascii_case(SECRET))
}

/// Extractor for page handlers: the outcome of the action just submitted from this page, if any.
/// With several instances of one form on a page (a rename form per row), ask with the bound
/// arguments of the row to get that row's state only.
///
/// ```
/// use actum::prelude::*;
/// use actum::{action, ActionError, FormState};
/// use axum::response::Html;
///
/// #[derive(serde::Deserialize)]
/// struct Rename { title: String }
///
/// #[action]
/// async fn rename(#[bound] id: u64, input: Rename) -> Result<(), ActionError> { Ok(()) }
///
/// async fn page(state: FormState) -> Html<String> {
///     let mut html = String::new();
///     for id in [1u64, 2, 3] {
///         let row = state.for_bound(rename, &id);
///         let error = row.and_then(|s| s.field_error("title")).unwrap_or_default();
///         html += &format!(r#"<form method="post" action="{}"><input name="title"> {error}</form>"#, rename.bind(id));
///     }
///     Html(html)
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct FormState {
    last: Option<Arc<Submission>>,
}

impl FormState {
    pub(crate) fn new(submission: Submission) -> Self {
        Self {
            last: Some(Arc::new(submission)),
        }
    }

    /// The last submission, whichever form it came from.
    pub fn last(&self) -> Option<&Submission> {
        self.last.as_deref()
    }

    /// The last submission of this action (without bound arguments).
    ///
    /// A [stale](Submission::is_stale) submission (posted by a page of an earlier deploy) is
    /// given to every action whose input has each field it carries, so the form that was
    /// submitted shows what the user typed and why it must be sent again.
    pub fn for_action<M, A: Action<M>>(&self, action: A) -> Option<&Submission> {
        self.last().filter(|s| {
            s.action_id == action.id() || (s.stale && crate::recover::fits::<A::Input>(&s.values))
        })
    }

    /// The submission of a page of an earlier deploy to an action this server no longer has,
    /// if that is what came back to this page: to show its message once, at the top of the page.
    pub fn stale(&self) -> Option<&Submission> {
        self.last().filter(|s| s.stale)
    }

    /// The last submission of this action with these bound arguments.
    pub fn for_bound<M, A: Action<M>>(&self, action: A, bound: &A::Bound) -> Option<&Submission> {
        let key = serde_json::to_string(bound).ok();
        self.for_action(action).filter(|s| s.bound_key == key)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for FormState {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<FormState>()
            .cloned()
            .unwrap_or_default())
    }
}

/// Where native posts' form states wait for their page, under one-time tokens. In memory, per
/// process; every operation is O(1) amortised: a native post under load must not scan the store.
///
/// With a shared [`ActionStore`](crate::ActionStore) (Redis: several instances behind a load
/// balancer), the layer moves each state there before the post's 303 leaves
/// ([`FormStateStore::publish`]), and the GET takes it from there when this process does not
/// have it ([`FormStateStore::take_shared`]), so the GET may reach any instance.
#[derive(Clone, Default)]
pub(crate) struct FormStateStore {
    inner: Arc<Mutex<Pending>>,
    shared: Option<Arc<dyn crate::ActionStore>>,
}

impl std::fmt::Debug for FormStateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormStateStore")
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

/// A form state as the shared store keeps it: the page it is for, and the submission.
#[derive(Serialize, Deserialize)]
struct SharedState {
    page: String,
    submission: Submission,
}

/// The shared store's key for a token.
fn shared_key(token: &str) -> String {
    format!("fs:{token}")
}

/// A one-time token: 128 random bits, kept as a number (no allocation, a cheap hash) and sent as
/// 22 characters of base64url.
type Token = u128;

#[derive(Debug, Default)]
struct Pending {
    by_token: HashMap<Token, Waiting, BuildTokenHasher>,
    /// Tokens in the order they were put, for expiry and eviction from the front; a token taken
    /// earlier is skipped when it reaches the front.
    order: VecDeque<(Instant, Token)>,
}

/// Hashes a [`Token`] by folding its bits: they are already uniformly random.
///
/// Hand-written, and safe where a general-purpose map needs a keyed hash (SipHash, the
/// default): every key in the map is drawn by the server from a CSPRNG, and a client can only
/// look a token up, never insert one, so it cannot make keys collide.
#[derive(Debug, Default, Clone, Copy)]
struct BuildTokenHasher;

/// The hasher of [`BuildTokenHasher`].
#[derive(Debug, Default)]
struct TokenHasher(u64);

impl std::hash::BuildHasher for BuildTokenHasher {
    type Hasher = TokenHasher;

    fn build_hasher(&self) -> TokenHasher {
        TokenHasher(0)
    }
}

impl std::hash::Hasher for TokenHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u128(&mut self, token: u128) {
        self.0 ^= (token as u64) ^ ((token >> 64) as u64);
    }

    /// Not reached for a [`Token`]; folds any bytes, for completeness.
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(17) ^ u64::from_le_bytes(word);
        }
    }
}

/// A token as the form-state cookie carries it: 22 characters of base64url, without padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenText([u8; 22]);

impl TokenText {
    fn of(token: Token) -> Self {
        let mut text = [0u8; 22];
        let written = URL_SAFE_NO_PAD.encode_slice(token.to_le_bytes(), &mut text);
        debug_assert_eq!(written.ok(), Some(22));
        Self(text)
    }

    /// The token, if `text` is one (exactly as [`TokenText::of`] writes it).
    fn parse(text: &str) -> Option<Token> {
        if text.len() != 22 {
            return None;
        }
        let mut bytes = [0u8; 18];
        let decoded = URL_SAFE_NO_PAD.decode_slice(text, &mut bytes).ok()?;
        let bytes: [u8; 16] = bytes.get(..decoded)?.try_into().ok()?;
        Some(u128::from_le_bytes(bytes))
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Base64url is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::ops::Deref for TokenText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

#[derive(Debug)]
struct Waiting {
    created: Instant,
    page: String,
    submission: Submission,
}

impl FormStateStore {
    /// Keeps `submission` for the first GET of `page`; returns its token.
    pub(crate) fn put(&self, page: &str, submission: Submission) -> TokenText {
        let token = Token::from_le_bytes(crate::random::token_bytes());
        let now = Instant::now();
        let mut pending = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some((created, oldest)) = pending.order.front() {
            let expired = now.duration_since(*created) >= FORM_STATE_TTL;
            // Taken tokens stay in `order` until they reach the front: bound it too.
            let full = pending.by_token.len() >= FORM_STATE_CAPACITY
                || pending.order.len() >= 2 * FORM_STATE_CAPACITY;
            if !expired && !full {
                break;
            }
            let oldest = *oldest;
            pending.by_token.remove(&oldest);
            pending.order.pop_front();
        }
        let waiting = Waiting {
            created: now,
            page: page.to_owned(),
            submission,
        };
        pending.by_token.insert(token, waiting);
        pending.order.push_back((now, token));
        TokenText::of(token)
    }

    /// Sends form states through `store` when every instance sees it (see the type's docs).
    pub(crate) fn share_through(&mut self, store: Arc<dyn crate::ActionStore>) {
        self.shared = store.is_shared().then_some(store);
    }

    /// Whether form states go through a shared store.
    pub(crate) fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Moves the state under `token` from this process to the shared store, before the 303 that
    /// names it leaves. When the store fails, the state stays here (a GET reaching this instance
    /// still finds it) and the log says so.
    pub(crate) async fn publish(&self, token: &str) {
        let Some(store) = &self.shared else { return };
        let Some(key) = TokenText::parse(token) else {
            return;
        };
        let waiting = {
            let mut pending = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            pending.by_token.remove(&key)
        };
        let Some(waiting) = waiting else { return };
        let left = FORM_STATE_TTL.saturating_sub(waiting.created.elapsed());
        let state = SharedState {
            page: waiting.page,
            submission: waiting.submission,
        };
        let Ok(bytes) = serde_json::to_vec(&state) else {
            return;
        };
        if let Err(err) = store.keep(&shared_key(token), bytes, left).await {
            tracing::warn!(error = %err, "form state kept in this instance only: the store failed");
            let mut pending = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            let waiting = Waiting {
                created: waiting.created,
                page: state.page,
                submission: state.submission,
            };
            pending.by_token.insert(key, waiting);
        }
    }

    /// Takes the state under `token` from the shared store, if it was meant for `page`. A state
    /// for another page goes back for its own GET.
    pub(crate) async fn take_shared(&self, token: &str, page: &str) -> Option<Submission> {
        let store = self.shared.as_ref()?;
        let key = shared_key(token);
        let bytes = match store.take(&key).await {
            Ok(bytes) => bytes?,
            Err(err) => {
                tracing::warn!(error = %err, "form state not read: the store failed");
                return None;
            }
        };
        let state: SharedState = serde_json::from_slice(&bytes).ok()?;
        if state.page == page {
            return Some(state.submission);
        }
        if let Ok(bytes) = serde_json::to_vec(&state) {
            let _ = store.keep(&key, bytes, FORM_STATE_TTL).await;
        }
        None
    }

    /// Takes the state under `token` if it was meant for `page` and has not expired.
    pub(crate) fn take(&self, token: &str, page: &str) -> Option<Submission> {
        let token = TokenText::parse(token)?;
        let mut pending = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if pending.by_token.get(&token)?.page != page {
            return None;
        }
        let waiting = pending.by_token.remove(&token)?;
        (waiting.created.elapsed() < FORM_STATE_TTL).then_some(waiting.submission)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Submission {
        Submission::new(
            "a.b.c",
            None,
            vec![("title".into(), "x".into())],
            Err(SubmissionError {
                status: 422,
                message: "check".into(),
                fields: vec![("title".into(), "too short".into())],
                digest: None,
            }),
        )
    }

    /// A memory store that says it is shared, as Redis does.
    struct Shared(crate::MemoryStore);

    impl crate::ActionStore for Shared {
        fn claim<'a>(
            &'a self,
            key: &'a str,
            lease: Duration,
        ) -> crate::StoreFuture<'a, crate::Claim> {
            self.0.claim(key, lease)
        }
        fn complete<'a>(
            &'a self,
            key: &'a str,
            outcome: Vec<u8>,
            lifetime: Duration,
        ) -> crate::StoreFuture<'a, ()> {
            self.0.complete(key, outcome, lifetime)
        }
        fn abandon<'a>(&'a self, key: &'a str) -> crate::StoreFuture<'a, ()> {
            self.0.abandon(key)
        }
        fn hit<'a>(
            &'a self,
            key: &'a str,
            window: Duration,
        ) -> crate::StoreFuture<'a, crate::Hits> {
            self.0.hit(key, window)
        }
        fn keep<'a>(
            &'a self,
            key: &'a str,
            value: Vec<u8>,
            lifetime: Duration,
        ) -> crate::StoreFuture<'a, ()> {
            self.0.keep(key, value, lifetime)
        }
        fn take<'a>(&'a self, key: &'a str) -> crate::StoreFuture<'a, Option<Vec<u8>>> {
            self.0.take(key)
        }
        fn is_shared(&self) -> bool {
            true
        }
    }

    #[tokio::test]
    async fn a_published_state_is_taken_once_from_the_shared_store_by_its_page_only() {
        let shared: Arc<dyn crate::ActionStore> = Arc::new(Shared(crate::MemoryStore::default()));
        let (mut here, mut there) = (FormStateStore::default(), FormStateStore::default());
        here.share_through(Arc::clone(&shared));
        there.share_through(shared);
        let token = here.put("/posts", sample());
        here.publish(&token).await;
        assert_eq!(
            here.take(&token, "/posts"),
            None,
            "moved out of this process"
        );
        assert_eq!(
            there.take_shared(&token, "/other").await,
            None,
            "another page"
        );
        assert_eq!(there.take_shared(&token, "/posts").await, Some(sample()));
        assert_eq!(
            there.take_shared(&token, "/posts").await,
            None,
            "taken once"
        );
    }

    #[test]
    fn a_store_that_is_not_shared_keeps_form_state_in_memory() {
        let mut store = FormStateStore::default();
        store.share_through(Arc::new(crate::MemoryStore::default()));
        assert!(!store.is_shared());
    }

    #[test]
    fn a_token_is_taken_once_and_only_by_its_page() {
        let store = FormStateStore::default();
        let token = store.put("/page", sample());
        assert!(store.take(&token, "/other").is_none());
        let sub = store.take(&token, "/page").unwrap();
        assert_eq!(sub.value("title"), Some("x"));
        assert_eq!(sub.field_error("title"), Some("too short"));
        assert!(store.take(&token, "/page").is_none());
    }

    #[test]
    fn secret_fields_are_found_in_any_case() {
        for name in ["password", "new_password", "PassWord2", "x[Password]"] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in ["", "pass", "passwor", "pass_word", "wordpass", "é"] {
            assert!(!is_secret_field(name), "{name}");
        }
    }

    #[test]
    fn passwords_are_not_kept() {
        let values = vec![
            ("user".into(), "ann".into()),
            ("new_password".into(), "secret".into()),
        ];
        let sub = Submission::new("a", None, values, Ok("null".to_owned()));
        assert_eq!(sub.value("user"), Some("ann"));
        assert_eq!(sub.value("new_password"), None);
    }

    #[test]
    fn a_full_store_evicts_the_oldest_first() {
        let store = FormStateStore::default();
        let first = store.put("/", sample());
        let second = store.put("/", sample());
        for _ in 0..FORM_STATE_CAPACITY - 1 {
            store.put("/", sample());
        }
        assert!(store.take(&first, "/").is_none(), "the oldest was evicted");
        assert!(store.take(&second, "/").is_some());
    }

    #[test]
    fn unknown_tokens_give_nothing() {
        let store = FormStateStore::default();
        let token = store.put("/", sample());
        assert!(store.take("nope", "/").is_none());
        // Near misses: another token, a character changed, the text cut or padded.
        let other = TokenText::of(1);
        let mut changed = token.as_str().to_owned();
        let last = if changed.ends_with('A') { "B" } else { "A" };
        changed.replace_range(21.., last);
        for text in [
            other.as_str(),
            &changed,
            &token[..21],
            &format!("{}==", token.as_str()),
            &token.to_uppercase(),
        ] {
            assert!(store.take(text, "/").is_none(), "{text}");
        }
        assert!(store.take(&token, "/").is_some());
    }

    #[test]
    fn token_texts_are_base64url_and_read_back_exactly() {
        for token in [0, 1, u128::MAX, 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210] {
            let text = TokenText::of(token);
            assert_eq!(text.len(), 22);
            let bytes = token.to_le_bytes();
            assert_eq!(text.as_str(), URL_SAFE_NO_PAD.encode(bytes));
            assert_eq!(TokenText::parse(&text), Some(token));
        }
        // The last character carries 2 bits of padding: a text with them set is not a token.
        let text = TokenText::of(0);
        let mut loose = text.as_str().to_owned();
        loose.replace_range(21.., "B");
        assert_eq!(TokenText::parse(&loose), None);
    }
}
