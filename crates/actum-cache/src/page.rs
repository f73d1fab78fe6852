//! The page cache: whole GET responses, cached by path and tags, for routes that opt in.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, COOKIE, ETAG, HeaderName,
    HeaderValue, IF_NONE_MATCH, SET_COOKIE, VARY,
};
use http::{HeaderMap, Method, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_layer::Layer;
use tower_service::Service;

use crate::core::{Core, MAX_LIFETIME, Read, names_for};

/// The header that says what the page cache did: `hit`, `miss` (served and now cached) or
/// `bypass` (not cacheable: the request or the response is personal).
pub const CACHE_STATUS: HeaderName = HeaderName::from_static("actum-cache");

/// The largest page kept by default: 1 MiB.
pub const DEFAULT_MAX_PAGE_BYTES: usize = 1024 * 1024;

/// A layer that caches whole responses of the GET routes it wraps, from
/// [`Cache::pages`](crate::Cache::pages).
///
/// A response is kept, under its path and query, when it is a `200` with a UTF-8 body (HTML,
/// JSON, text) of at most [`DEFAULT_MAX_PAGE_BYTES`], without `Set-Cookie` (nor a cookie set with
/// [`actum::cookies`]), without `Cache-Control: private` or `no-store`, and without a `Vary` on
/// anything but `Cookie` and `Accept-Encoding`. It is served until its path, a layout above it,
/// or one of its tags is revalidated, or its lifetime ends.
///
/// A request that carries a cookie or an `Authorization` header, or the form state of a
/// submission, **bypasses** the cache: such a page may be personal. A page that depends on a
/// cookie can still be cached per value of that cookie with [`PageCache::vary_by_cookie`], and
/// cookies that never change the page (analytics, say) can be ignored with
/// [`PageCache::ignore_cookie`].
///
/// Answers from the cache carry an `ETag` (a conditional GET gets `304`), `Vary: Cookie`, the
/// [`CACHE_STATUS`] header, and unless the handler set one, `Cache-Control: no-cache` with
/// `public` (or `private` for a page keyed by a cookie): browsers and proxies may keep a copy but
/// ask each time, so a revalidation reaches them at once.
///
/// ```
/// use axum::{Router, routing::get};
///
/// let cache = actum_cache::Cache::memory();
/// let app: Router = Router::new()
///     .route("/posts", get(|| async { "the posts" }).route_layer(cache.pages().tag("posts")))
///     .route("/about", get(|| async { "about us" }))
///     .route_layer(cache.pages().lifetime(std::time::Duration::from_secs(3600)));
/// ```
#[derive(Debug, Clone)]
#[must_use = "a page cache does nothing until it is layered on routes"]
pub struct PageCache {
    core: Arc<Core>,
    settings: Arc<Settings>,
}

#[derive(Debug, Clone)]
struct Settings {
    tags: Vec<String>,
    lifetime: Duration,
    vary_by_cookies: Vec<String>,
    ignored_cookies: Vec<String>,
    max_page_bytes: usize,
}

impl PageCache {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        let settings = Settings {
            tags: Vec::new(),
            lifetime: MAX_LIFETIME,
            vary_by_cookies: Vec::new(),
            ignored_cookies: Vec::new(),
            max_page_bytes: DEFAULT_MAX_PAGE_BYTES,
        };
        Self {
            core,
            settings: Arc::new(settings),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(Arc::make_mut(&mut self.settings));
        self
    }

    /// Tags the pages: [`revalidate_tag`](actum::revalidate_tag) with any of their tags drops
    /// them.
    ///
    /// ```
    /// let pages = actum_cache::Cache::memory().pages().tag("posts");
    /// ```
    pub fn tag(self, tag: impl Into<String>) -> Self {
        let tag = tag.into();
        self.with(|s| s.tags.push(tag))
    }

    /// Drops a page this long after it was cached (default: only when revalidated, or after a
    /// day).
    ///
    /// ```
    /// let pages = actum_cache::Cache::memory().pages()
    ///     .lifetime(std::time::Duration::from_secs(60));
    /// ```
    pub fn lifetime(self, lifetime: Duration) -> Self {
        self.with(|s| s.lifetime = lifetime.min(MAX_LIFETIME))
    }

    /// Keeps one copy of a page per value of cookie `name` (a theme, a language) instead of
    /// bypassing the cache when the request carries it.
    ///
    /// ```
    /// let pages = actum_cache::Cache::memory().pages().vary_by_cookie("theme");
    /// ```
    pub fn vary_by_cookie(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.with(|s| s.vary_by_cookies.push(name))
    }

    /// Serves and caches the page whatever value cookie `name` has: for cookies the page never
    /// reads.
    ///
    /// ```
    /// let pages = actum_cache::Cache::memory().pages().ignore_cookie("_ga");
    /// ```
    pub fn ignore_cookie(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.with(|s| s.ignored_cookies.push(name))
    }

    /// The largest page kept (default [`DEFAULT_MAX_PAGE_BYTES`]); larger ones are served, not
    /// kept.
    ///
    /// ```
    /// let pages = actum_cache::Cache::memory().pages().max_page_bytes(256 * 1024);
    /// ```
    pub fn max_page_bytes(self, bytes: usize) -> Self {
        self.with(|s| s.max_page_bytes = bytes)
    }
}

impl<S> Layer<S> for PageCache {
    type Service = PageCacheService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PageCacheService {
            inner,
            cache: self.clone(),
        }
    }
}

/// The service a [`PageCache`] makes.
#[derive(Debug, Clone)]
pub struct PageCacheService<S> {
    inner: S,
    cache: PageCache,
}

/// A response as the page cache keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Page {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    etag: String,
}

impl<S> Service<Request> for PageCacheService<S>
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

    fn call(&mut self, req: Request) -> Self::Future {
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let cache = self.cache.clone();
        Box::pin(async move { Ok(cache.serve(inner, req).await) })
    }
}

impl PageCache {
    async fn serve<S>(self, mut inner: S, req: Request) -> Response
    where
        S: Service<Request, Response = Response, Error = Infallible>,
    {
        let settings = &self.settings;
        let Some(key) = self.key_of(&req) else {
            let Ok(response) = inner.call(req).await;
            return bypassed(response);
        };
        let names = names_for(&settings.tags, Some(req.uri().path()));
        let head = req.method() == Method::HEAD;
        let if_none_match = req.headers().get(IF_NONE_MATCH).cloned();
        let keyed = !settings.vary_by_cookies.is_empty();
        let answer = |page: &Page, status: &'static str| {
            respond(page, status, keyed, head, if_none_match.as_ref())
        };

        if let Read::Hit(page) = self.core.read::<Page>(&key, &names).await {
            return answer(&page, "hit");
        }
        let _loading = self.core.loading(&key).await;
        let made = match self.core.read::<Page>(&key, &names).await {
            Read::Hit(page) => return answer(&page, "hit"),
            Read::Miss { made } if !head => made,
            Read::Miss { .. } | Read::Unavailable => {
                let Ok(response) = inner.call(req).await;
                return bypassed(response);
            }
        };
        let Ok(response) = inner.call(req).await;
        match self.keepable(response).await {
            Ok(page) => {
                self.core.write(&key, &page, made, settings.lifetime).await;
                answer(&page, "miss")
            }
            Err(response) => bypassed(response),
        }
    }

    /// The key of a request the cache may serve, `None` when it must bypass.
    fn key_of(&self, req: &Request) -> Option<String> {
        let settings = &self.settings;
        let cacheable_method = matches!(*req.method(), Method::GET | Method::HEAD);
        if !cacheable_method
            || req.headers().contains_key(AUTHORIZATION)
            || req.extensions().get::<actum::FormState>().is_some()
        {
            return None;
        }
        let path = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let mut key = format!("page:{path}");
        let cookies = request_cookies(req.headers());
        for (name, _) in &cookies {
            let known =
                settings.vary_by_cookies.contains(name) || settings.ignored_cookies.contains(name);
            if !known {
                return None;
            }
        }
        for name in &settings.vary_by_cookies {
            let value = cookies.iter().find(|(n, _)| n == name).map(|(_, v)| v);
            key.push_str(&format!(
                "\ncookie {name}={}",
                value.map_or("", String::as_str)
            ));
        }
        Some(key)
    }

    /// The response as a [`Page`] when it may be kept for others; else the response, intact.
    async fn keepable(&self, response: Response) -> Result<Page, Response> {
        if !may_keep(&response) {
            return Err(response);
        }
        let (parts, body) = response.into_parts();
        let limit = self.settings.max_page_bytes;
        let limited = http_body_util::Limited::new(body, limit);
        let bytes = match http_body_util::BodyExt::collect(limited).await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                // Too large (or broken): what was read is gone, so serve an error, not a
                // truncated page.
                tracing::warn!(
                    limit,
                    "page too large for the page cache, or its body failed"
                );
                let mut response = Response::new(Body::from("the page could not be served"));
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                return Err(response);
            }
        };
        // A cookie set through actum's context reaches the headers only outside this layer.
        let sets_cookie = actum::current_path().is_some() && actum::cookies().has_changes();
        let body = match String::from_utf8(bytes.to_vec()) {
            Ok(text) if !sets_cookie => text,
            _ => return Err(Response::from_parts(parts, Body::from(bytes))),
        };
        let headers = parts
            .headers
            .iter()
            .filter(|(name, _)| kept_header(name))
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
            .collect();
        let etag = format!("\"{}\"", hex(&Sha256::digest(body.as_bytes())[..12]));
        Ok(Page {
            status: parts.status.as_u16(),
            headers,
            body,
            etag,
        })
    }
}

/// Whether a response's head lets it be kept for others.
fn may_keep(response: &Response) -> bool {
    let headers = response.headers();
    let cache_control = header_text(headers, CACHE_CONTROL).to_ascii_lowercase();
    let vary_ok = header_text(headers, VARY)
        .split(',')
        .map(|v| v.trim().to_ascii_lowercase())
        .all(|v| v.is_empty() || v == "cookie" || v == "accept-encoding");
    response.status() == StatusCode::OK
        && !headers.contains_key(SET_COOKIE)
        && !headers.contains_key(CONTENT_ENCODING)
        && !cache_control.contains("private")
        && !cache_control.contains("no-store")
        && vary_ok
}

fn header_text(headers: &HeaderMap, name: HeaderName) -> String {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    values.join(",")
}

/// Headers that describe the page itself, not one delivery of it.
fn kept_header(name: &HeaderName) -> bool {
    let per_delivery = [CONTENT_LENGTH, ETAG, VARY, http::header::DATE, CACHE_STATUS];
    !per_delivery.contains(name)
        && !matches!(
            name.as_str(),
            "connection" | "transfer-encoding" | "keep-alive"
        )
}

/// The response to a request served from (or into) the cache.
fn respond(
    page: &Page,
    status: &'static str,
    keyed: bool,
    head: bool,
    if_none_match: Option<&HeaderValue>,
) -> Response {
    let not_modified = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == page.etag || t.trim() == "*")
        });
    let body = match head || not_modified {
        true => Body::empty(),
        false => Body::from(page.body.clone()),
    };
    let mut response = Response::new(body);
    *response.status_mut() = match not_modified {
        true => StatusCode::NOT_MODIFIED,
        false => StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK),
    };
    let headers = response.headers_mut();
    for (name, value) in &page.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    if let Ok(etag) = HeaderValue::from_str(&page.etag) {
        headers.insert(ETAG, etag);
    }
    if !headers.contains_key(CACHE_CONTROL) {
        let value = match keyed {
            true => "private, no-cache",
            false => "public, no-cache",
        };
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(value));
    }
    headers.append(VARY, HeaderValue::from_static("Cookie"));
    headers.insert(CACHE_STATUS, HeaderValue::from_static(status));
    response
}

/// A response the cache did not keep: marked, and kept out of shared caches when personal.
fn bypassed(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_STATUS, HeaderValue::from_static("bypass"));
    headers.append(VARY, HeaderValue::from_static("Cookie"));
    response
}

/// The request's cookies, as name and value.
fn request_cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|text| text.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Page {
        Page {
            status: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<p>hi</p>".into(),
            etag: "\"abc\"".into(),
        }
    }

    #[test]
    fn a_matching_if_none_match_gets_304_without_a_body() {
        let tag = HeaderValue::from_static("\"x\", \"abc\"");
        let response = respond(&page(), "hit", false, false, Some(&tag));
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(response.headers()[ETAG], "\"abc\"");
    }

    #[test]
    fn cached_answers_say_how_to_cache_them() {
        let response = respond(&page(), "hit", false, false, None);
        assert_eq!(response.headers()[CACHE_CONTROL], "public, no-cache");
        assert_eq!(response.headers()[VARY], "Cookie");
        assert_eq!(response.headers()[CACHE_STATUS], "hit");
        let keyed = respond(&page(), "hit", true, false, None);
        assert_eq!(keyed.headers()[CACHE_CONTROL], "private, no-cache");
    }

    #[test]
    fn personal_or_odd_responses_are_not_kept() {
        let ok = || {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::OK;
            r
        };
        assert!(may_keep(&ok()));
        let mut with_cookie = ok();
        with_cookie
            .headers_mut()
            .insert(SET_COOKIE, HeaderValue::from_static("a=b"));
        assert!(!may_keep(&with_cookie));
        let mut private = ok();
        private.headers_mut().insert(
            CACHE_CONTROL,
            HeaderValue::from_static("Private, max-age=0"),
        );
        assert!(!may_keep(&private));
        let mut varies = ok();
        varies
            .headers_mut()
            .insert(VARY, HeaderValue::from_static("Accept-Language"));
        assert!(!may_keep(&varies));
        let mut not_found = ok();
        *not_found.status_mut() = StatusCode::NOT_FOUND;
        assert!(!may_keep(&not_found));
    }

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; b=2"));
        headers.append(COOKIE, HeaderValue::from_static("c=3"));
        let names: Vec<String> = request_cookies(&headers).into_iter().map(|c| c.0).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
