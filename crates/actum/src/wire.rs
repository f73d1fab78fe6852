//! Names on the wire: every header, query parameter, cookie and path segment that actum reads or
//! writes is a constant here, so that `docs/protocol.md` and the code cannot drift apart.

/// The path segment under which actions are mounted: `/_actum/<action id>`.
pub const ACTION_PATH_PREFIX: &str = "/_actum/";

/// Request header a script sets to say "answer as JSON, I will apply it" (value `1`).
pub const REQUEST_HEADER: &str = "actum-request";

/// Request header a script sets to the page it is on (`location.pathname + location.search`): the
/// page a re-render is of, and where a native fallback comes back to.
pub const PAGE_HEADER: &str = "actum-page";

/// Where `client.js` is served: `/_actum/client/<content hash>.js`.
pub const CLIENT_PATH_PREFIX: &str = "/_actum/client/";

/// Response header present on every answer produced by actum for an action request; its value
/// says which kind of answer it is (see [`ANSWER_UNKNOWN_ACTION`] and friends).
pub const ANSWER_HEADER: &str = "actum-answer";

/// [`ANSWER_HEADER`] value of the answer to an action ID this server does not know: the page that
/// posted it is stale (typically after a deploy) and should be reloaded.
pub const ANSWER_UNKNOWN_ACTION: &str = "unknown-action";

/// [`ANSWER_HEADER`] value of a JSON envelope (the action ran, or was refused after its ID was known).
pub const ANSWER_ENVELOPE: &str = "envelope";

/// [`ANSWER_HEADER`] value of a refusal before the action ran (origin, limits, decoding, seal).
pub const ANSWER_REJECTED: &str = "rejected";

/// [`ANSWER_HEADER`] value of a native form post answered with a 303.
pub const ANSWER_REDIRECT: &str = "redirect";

/// [`ANSWER_HEADER`] as a header name, made once.
pub(crate) const ANSWER: http::HeaderName = http::HeaderName::from_static(ANSWER_HEADER);

/// [`REQUEST_HEADER`] as a header name, made once (a lookup by `&str` parses the name each time).
pub(crate) const REQUEST: http::HeaderName = http::HeaderName::from_static(REQUEST_HEADER);

/// [`PAGE_HEADER`] as a header name, made once.
pub(crate) const PAGE: http::HeaderName = http::HeaderName::from_static(PAGE_HEADER);

/// Request header of W3C Trace Context: the caller's trace, which the action's span continues
/// (`client.js` sends a fresh one on every call). A malformed one is ignored.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// Query parameter of an action URL carrying the sealed bound arguments.
pub const BOUND_PARAM: &str = "b";

/// Query parameter of an action URL carrying the same-origin path of the page the form is on, where
/// a native post comes back to.
pub const RETURN_PARAM: &str = "r";

/// Cookie carrying the one-time token of a native post's form state across its 303.
pub const FORM_STATE_COOKIE: &str = "actum_fs";

/// Purpose label of sealed bound arguments (associated data of the AEAD).
pub(crate) const BOUND_PURPOSE: &str = "bound-arguments";

/// Request header carrying an exactly-once key: `client.js` makes one per submit and per
/// `call()`, and sends it again when it retries. 16 to 128 characters of `[A-Za-z0-9_-]`.
pub const IDEMPOTENCY_HEADER: &str = "actum-idempotency-key";

/// [`IDEMPOTENCY_HEADER`] as a header name, made once.
pub(crate) const IDEMPOTENCY: http::HeaderName = http::HeaderName::from_static(IDEMPOTENCY_HEADER);

/// Query parameter of an action URL carrying a native form's one-time exactly-once token (the
/// [`IDEMPOTENCY_HEADER`] of calls without a script).
pub const ONCE_PARAM: &str = "k";

/// Query parameter of an action URL announcing the action's concurrency policy to `client.js`
/// (`serial`, `latest` or `drop`; absent for `parallel`). The server enforces the policy
/// whatever the URL says.
pub const CONCURRENCY_PARAM: &str = "c";

/// Cookie naming the session of the concurrency policies, set by the layer when a call needs a
/// session and has none (unless the app names its sessions itself).
pub const SESSION_COOKIE: &str = "actum_sid";

/// Response header saying which policy shaped the answer (see the `POLICY_*` values).
pub const POLICY_HEADER: &str = "actum-policy";

/// [`POLICY_HEADER`] as a header name, made once.
pub(crate) const POLICY: http::HeaderName = http::HeaderName::from_static(POLICY_HEADER);

/// [`POLICY_HEADER`] value of the first call's answer, sent again to a call with its key.
pub const POLICY_REPLAYED: &str = "replayed";

/// [`POLICY_HEADER`] value of a call refused (409) because the session's previous call of a
/// `drop` action still runs.
pub const POLICY_DROPPED: &str = "dropped";

/// [`POLICY_HEADER`] value of a call of a `latest` action cancelled (409) by a newer one.
pub const POLICY_SUPERSEDED: &str = "superseded";

/// [`POLICY_HEADER`] value of a call refused (429, with `Retry-After`) by a rate limit.
pub const POLICY_RATE_LIMITED: &str = "rate-limited";
