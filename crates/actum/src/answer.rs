//! The answers an action request gets: the JSON envelope for scripts, a 303 for native posts, and
//! the refusals before an action runs. `docs/protocol.md` describes them for client writers.

use axum::response::{IntoResponse, Response};
use http::header::{
    CACHE_CONTROL, CONTENT_TYPE, HeaderValue, LOCATION, SET_COOKIE, X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderMap, StatusCode};
use serde::Serialize;

use crate::revalidate::Revalidation;
use crate::wire;

/// Who is asking: a script that applies a JSON answer, or a browser posting a form natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Script,
    Native,
}

impl Mode {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        if headers.contains_key(wire::REQUEST) {
            Mode::Script
        } else {
            Mode::Native
        }
    }
}

/// The JSON envelope a script gets.
#[derive(Debug, Serialize)]
pub(crate) struct Envelope<'a> {
    pub(crate) ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) result: Option<&'a serde_json::value::RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<ErrorBody<'a>>,
    pub(crate) redirect: Option<&'a str>,
    pub(crate) revalidated: &'a Revalidation,
}

impl<'a> Envelope<'a> {
    /// The result of a success that redirects nowhere and marks nothing stale: most calls.
    fn quiet_result(&self) -> Option<&'a serde_json::value::RawValue> {
        let quiet = self.ok
            && self.error.is_none()
            && self.redirect.is_none()
            && self.revalidated.is_empty();
        self.result.filter(|_| quiet)
    }
}

/// The envelope of a quiet success (see [`Envelope::quiet_result`]), written without the
/// serializer: its frame is constant, and serde's generic path costs about 2 000 instructions per
/// call for it (BENCHMARKS.md). A unit test holds it equal to serde's output.
fn quiet_success(result: &serde_json::value::RawValue) -> Vec<u8> {
    const HEAD: &[u8] = br#"{"ok":true,"result":"#;
    const TAIL: &[u8] =
        br#","redirect":null,"revalidated":{"paths":[],"layouts":[],"tags":[],"refresh":false}}"#;
    let result = result.get().as_bytes();
    let mut body = Vec::with_capacity(HEAD.len() + result.len() + TAIL.len());
    body.extend_from_slice(HEAD);
    body.extend_from_slice(result);
    body.extend_from_slice(TAIL);
    body
}

/// The error part of the envelope (and of refusals to scripts).
#[derive(Debug, Serialize)]
pub(crate) struct ErrorBody<'a> {
    pub(crate) status: u16,
    pub(crate) message: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) fields: Vec<FieldError<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) digest: Option<&'a str>,
}

/// One field error.
#[derive(Debug, Serialize)]
pub(crate) struct FieldError<'a> {
    pub(crate) field: &'a str,
    pub(crate) message: &'a str,
}

/// `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`, on every action answer.
pub(crate) fn harden_headers(headers: &mut HeaderMap) {
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

/// Marks a response as made by an action endpoint: the `actum-answer` header is the mark the
/// layer looks for, to tell an action's own 404 from an unknown action.
pub(crate) fn mark(mut response: Response, answer: &'static str) -> Response {
    response
        .headers_mut()
        .insert(wire::ANSWER, HeaderValue::from_static(answer));
    harden_headers(response.headers_mut());
    response
}

/// A JSON answer to a script.
pub(crate) fn envelope(status: StatusCode, envelope: &Envelope<'_>) -> Response {
    let body = match envelope.quiet_result() {
        Some(result) => quiet_success(result),
        None => serde_json::to_vec(envelope).unwrap_or_else(|_| b"{\"ok\":false}".to_vec()),
    };
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    mark(response, wire::ANSWER_ENVELOPE)
}

/// A refusal before the action ran: JSON for scripts, a short text for browsers and others.
pub(crate) fn refusal(
    mode: Mode,
    status: StatusCode,
    message: &str,
    field: Option<&str>,
) -> Response {
    match mode {
        Mode::Script => {
            let fields = field
                .map(|f| vec![FieldError { field: f, message }])
                .unwrap_or_default();
            let error = ErrorBody {
                status: status.as_u16(),
                message,
                fields,
                digest: None,
            };
            let body = Envelope {
                ok: false,
                result: None,
                error: Some(error),
                redirect: None,
                revalidated: &Revalidation::default(),
            };
            let mut response = envelope(status, &body);
            response.headers_mut().insert(
                wire::ANSWER,
                HeaderValue::from_static(wire::ANSWER_REJECTED),
            );
            response
        }
        Mode::Native => {
            let mut response = (status, format!("{message}\n")).into_response();
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            mark(response, wire::ANSWER_REJECTED)
        }
    }
}

/// The answer when the concurrency cap is reached: 503 with `Retry-After: 1`.
pub(crate) fn busy(mode: Mode) -> Response {
    let message = "the server is busy: try again in a moment";
    let mut response = refusal(mode, StatusCode::SERVICE_UNAVAILABLE, message, None);
    response
        .headers_mut()
        .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// An error page for a native post that cannot go back to its form (401, 403, 404, 5xx).
pub(crate) fn error_page(status: StatusCode, message: &str, digest: Option<&str>) -> Response {
    let digest = digest
        .map(|d| format!("<p>Error digest: <code>{d}</code></p>"))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>{code}</title><h1>{code}</h1><p>{message}</p>{digest}",
        code = status.as_u16(),
        message = escape_html(message),
    );
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    mark(response, wire::ANSWER_REJECTED)
}

/// A 303 See Other: after a POST the browser GETs `location`, and Reload does not resubmit.
pub(crate) fn see_other(location: &str, form_state_token: Option<&str>, secure: bool) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    if let Some(token) = form_state_token {
        // Built by hand, not with `format!`: this runs on every native post.
        let mut cookie = String::with_capacity(64 + token.len());
        cookie.push_str(wire::FORM_STATE_COOKIE);
        cookie.push('=');
        cookie.push_str(token);
        cookie.push_str("; Path=/; Max-Age=300; HttpOnly; SameSite=Lax");
        if secure {
            cookie.push_str("; Secure");
        }
        if let Ok(value) = HeaderValue::from_maybe_shared(bytes::Bytes::from(cookie)) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    mark(response, wire::ANSWER_REDIRECT)
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html(r#"<a href="x">'&"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }

    #[test]
    fn a_quiet_success_is_written_as_serde_writes_it() {
        for text in ["null", "1", r#"{"total":3}"#, r#"["a\"b",{"c":[]}]"#] {
            let result = serde_json::value::RawValue::from_string(text.to_owned()).unwrap();
            let envelope = Envelope {
                ok: true,
                result: Some(&result),
                error: None,
                redirect: None,
                revalidated: &Revalidation::default(),
            };
            assert_eq!(envelope.quiet_result().map(|r| r.get()), Some(text));
            assert_eq!(
                quiet_success(&result),
                serde_json::to_vec(&envelope).unwrap()
            );
        }
        let marked = Revalidation {
            paths: vec!["/".to_owned()],
            ..Revalidation::default()
        };
        let result = serde_json::value::RawValue::from_string("1".to_owned()).unwrap();
        let loud = Envelope {
            ok: true,
            result: Some(&result),
            error: None,
            redirect: None,
            revalidated: &marked,
        };
        assert!(loud.quiet_result().is_none());
    }

    #[test]
    fn refusals_are_hardened_and_marked() {
        let response = refusal(Mode::Native, StatusCode::FORBIDDEN, "no", None);
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(
            response.headers()[wire::ANSWER_HEADER],
            wire::ANSWER_REJECTED
        );
    }
}
