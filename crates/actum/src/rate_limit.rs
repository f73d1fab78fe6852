//! Rate limits: a caller past its action's [`RateLimit`](crate::RateLimit) is answered 429 with
//! `Retry-After` before the body is read, and the action does not run.
//!
//! Counters are fixed windows in the layer's [`ActionStore`](crate::ActionStore): per action
//! and caller (see [`RateLimitKey`](crate::RateLimitKey)), shared by every instance when the
//! store is.

use axum::response::Response;
use base64::Engine as _;
use http::{HeaderValue, StatusCode};
use sha2::Digest as _;

use crate::answer::Mode;
use crate::policy::Caller;
use crate::wire;

/// Counts the call; the 429 answer when the caller is past the limit.
pub(crate) async fn check(
    config: &crate::config::Config,
    info: &crate::ActionInfo,
    action_id: &str,
    caller: &Caller,
    mode: Mode,
) -> Result<(), Response> {
    let Some(limit) = config.rate_limit_for(info) else {
        return Ok(());
    };
    let mut hash = sha2::Sha256::new();
    hash.update(action_id.as_bytes());
    hash.update([0]);
    hash.update(caller.rate_key().as_bytes());
    let key = format!(
        "rate:{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash.finalize())
    );
    let hits = match config.store().hit(&key, limit.window()).await {
        Ok(hits) => hits,
        Err(err) => {
            tracing::warn!(error = %err, "rate limit: the store failed; the call runs");
            return Ok(());
        }
    };
    if hits.count <= u64::from(limit.requests()) {
        return Ok(());
    }
    // Whole seconds, rounded up: a client that waits this long gets a fresh window.
    let retry_after = hits.resets_in.as_millis().div_ceil(1000).max(1);
    tracing::info!(limit = %limit, retry_after, "action refused: rate limit");
    let message = format!("too many calls: try again in {retry_after} s");
    let mut response = crate::answer::refusal(mode, StatusCode::TOO_MANY_REQUESTS, &message, None);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
        headers.insert(http::header::RETRY_AFTER, value);
    }
    headers.insert(
        wire::POLICY,
        HeaderValue::from_static(wire::POLICY_RATE_LIMITED),
    );
    Err(response)
}
