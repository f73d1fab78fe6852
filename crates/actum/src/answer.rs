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

/// The JSON envelope a script gets, when the action did not succeed (an error, a redirect, a
/// refusal). A success's envelope is written by [`success_body`].
#[derive(Debug, Serialize)]
pub(crate) struct Envelope<'a> {
    pub(crate) ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<ErrorBody<'a>>,
    pub(crate) redirect: Option<&'a str>,
    pub(crate) revalidated: &'a Revalidation,
}

/// The envelope of a success, written as serde would write
/// `{"ok":true,"result":…,"redirect":null,"revalidated":…}` (a unit test holds them equal), with
/// the result serialized straight into it: the frame is constant, and going through serde's
/// generic path and a `RawValue` costs allocations and about 2 000 instructions per call
/// (BENCHMARKS.md).
pub(crate) struct SuccessBody {
    bytes: Vec<u8>,
    /// Where the result's JSON text is in `bytes`.
    result: std::ops::Range<usize>,
}

impl SuccessBody {
    /// The result's JSON text, as the action returned it.
    pub(crate) fn result(&self) -> &str {
        let json = self.bytes.get(self.result.clone()).unwrap_or(b"null");
        std::str::from_utf8(json).unwrap_or("null")
    }
}

/// Writes the envelope of a success whose result is `value`.
pub(crate) fn success_body<T: Serialize + ?Sized>(
    value: &T,
    revalidated: &Revalidation,
) -> Result<SuccessBody, serde_json::Error> {
    const HEAD: &[u8] = br#"{"ok":true,"result":"#;
    const REDIRECT: &[u8] = br#","redirect":null,"revalidated":"#;
    const NOTHING_REVALIDATED: &[u8] = br#"{"paths":[],"layouts":[],"tags":[],"refresh":false}"#;
    let mut bytes = Vec::with_capacity(128);
    bytes.extend_from_slice(HEAD);
    serde_json::to_writer(&mut bytes, value)?;
    let result = HEAD.len()..bytes.len();
    bytes.extend_from_slice(REDIRECT);
    match revalidated.is_empty() {
        true => bytes.extend_from_slice(NOTHING_REVALIDATED),
        false => serde_json::to_writer(&mut bytes, revalidated)?,
    }
    bytes.push(b'}');
    Ok(SuccessBody { bytes, result })
}

/// The answer of a success to a script.
pub(crate) fn success(body: SuccessBody) -> Response {
    json_answer(StatusCode::OK, body.bytes)
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
    let body = serde_json::to_vec(envelope).unwrap_or_else(|_| b"{\"ok\":false}".to_vec());
    json_answer(status, body)
}

/// An envelope's body, marked and hardened.
fn json_answer(status: StatusCode, body: Vec<u8>) -> Response {
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
        // Built by hand, not with `format!`: this runs on every native post. The exact capacity
        // lets `Bytes` take the buffer as it is, without a header of its own.
        const ATTRIBUTES: &str = "; Path=/; Max-Age=300; HttpOnly; SameSite=Lax";
        const SECURE: &str = "; Secure";
        let length = wire::FORM_STATE_COOKIE.len() + 1 + token.len() + ATTRIBUTES.len();
        let mut cookie = String::with_capacity(length + if secure { SECURE.len() } else { 0 });
        cookie.push_str(wire::FORM_STATE_COOKIE);
        cookie.push('=');
        cookie.push_str(token);
        cookie.push_str(ATTRIBUTES);
        if secure {
            cookie.push_str(SECURE);
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

    /// The envelope of a success as serde writes it, for the hand-written one to be held to.
    #[derive(Serialize)]
    struct SerdeSuccess<'a> {
        ok: bool,
        result: &'a serde_json::value::RawValue,
        redirect: Option<&'a str>,
        revalidated: &'a Revalidation,
    }

    #[test]
    fn a_success_is_written_as_serde_writes_it() {
        let marked = Revalidation {
            paths: vec!["/a \"b\"".to_owned()],
            tags: vec!["posts".to_owned()],
            refresh: true,
            ..Revalidation::default()
        };
        let values = [
            serde_json::json!(null),
            serde_json::json!(1),
            serde_json::json!({"total": 3}),
            serde_json::json!(["a\"b", {"c": [], "d": "é\u{1}\n"}]),
        ];
        for value in values {
            for revalidated in [&Revalidation::default(), &marked] {
                let body = success_body(&value, revalidated).unwrap();
                let result = serde_json::value::to_raw_value(&value).unwrap();
                assert_eq!(body.result(), result.get());
                let expected = SerdeSuccess {
                    ok: true,
                    result: &result,
                    redirect: None,
                    revalidated,
                };
                assert_eq!(body.bytes, serde_json::to_vec(&expected).unwrap());
            }
        }
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
