//! The page re-rendered into a script's answer: a GET of the page through the whole router, with
//! the cookies the action left and the form's state, spliced into the JSON envelope as `html`.

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::header::{
    ACCEPT, ACCEPT_LANGUAGE, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, HeaderName, HeaderValue,
    SET_COOKIE, USER_AGENT,
};
use http::{HeaderMap, Method};
use tower_service::Service;

use super::ActionsService;
use crate::form_state::FormState;
use crate::handler::Rerender;

/// The largest page actum reads back into an answer.
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// The headers of the action request a page render should see too.
pub(super) fn headers_for_page(headers: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in [
        HOST,
        ACCEPT_LANGUAGE,
        USER_AGENT,
        HeaderName::from_static("sec-fetch-site"),
    ] {
        if let Some(value) = headers.get(&name) {
            kept.insert(name, value.clone());
        }
    }
    kept
}

/// Renders `page` and adds it to the envelope in `response` as `html` and `url`. On any failure
/// the envelope goes out without a page (the client then reloads), and the log says why.
pub(super) async fn add_page<S>(
    response: Response,
    page: Rerender,
    headers: HeaderMap,
    mut router: ActionsService<S>,
) -> Response
where
    S: Service<Request, Response = Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::GET;
    match page.page.parse() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => return response,
    }
    *request.headers_mut() = headers;
    request
        .headers_mut()
        .insert(ACCEPT, HeaderValue::from_static("text/html"));
    if let Ok(cookies) = HeaderValue::from_str(&page.cookies)
        && !page.cookies.is_empty()
    {
        request.headers_mut().insert(COOKIE, cookies);
    }
    if let Some(submission) = page.submission {
        request.extensions_mut().insert(FormState::new(submission));
    }
    let Ok(rendered) = router.call(request).await;
    let is_html = rendered
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !rendered.status().is_success() || !is_html {
        tracing::info!(
            page = page.page,
            status = rendered.status().as_u16(),
            "page not re-rendered"
        );
        return response;
    }
    let page_cookies: Vec<HeaderValue> = rendered
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    let Ok(html) = crate::decode::read_body(rendered.into_body(), MAX_PAGE_BYTES).await else {
        tracing::warn!(
            page = page.page,
            "page too large to re-render into the answer"
        );
        return response;
    };
    let (mut parts, body) = response.into_parts();
    let Ok(envelope) = crate::decode::read_body(body, MAX_PAGE_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    // A page is UTF-8 (checked fast); anything else is cleaned as the lossy reading would.
    let html = match std::str::from_utf8(&html) {
        Ok(html) => std::borrow::Cow::Borrowed(html),
        Err(_) => String::from_utf8_lossy(&html),
    };
    let spliced = splice(&envelope, &page.page, &html);
    parts.headers.remove(CONTENT_LENGTH);
    for cookie in page_cookies {
        parts.headers.append(SET_COOKIE, cookie);
    }
    Response::from_parts(parts, Body::from(spliced))
}

/// Adds `"url"` and `"html"` to a JSON object's text (the envelope ends with its closing brace).
fn splice(envelope: &[u8], url: &str, html: &str) -> Vec<u8> {
    let Some(body) = envelope.strip_suffix(b"}") else {
        return envelope.to_vec();
    };
    let mut out = Vec::with_capacity(envelope.len() + html.len() + url.len() + 32);
    out.extend_from_slice(body);
    out.extend_from_slice(b",\"url\":");
    crate::json_escape::push_json_string(&mut out, url);
    out.extend_from_slice(b",\"html\":");
    crate::json_escape::push_json_string(&mut out, html);
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_spliced_into_the_envelope() {
        let spliced = splice(br#"{"ok":true}"#, "/a?b=1", "<p class=\"x\">hi</p>");
        let value: serde_json::Value = serde_json::from_slice(&spliced).unwrap();
        assert_eq!(value["ok"], true);
        assert_eq!(value["url"], "/a?b=1");
        assert_eq!(value["html"], "<p class=\"x\">hi</p>");
    }
}
