//! `client.js`, the browser script, embedded in the crate and served by the [`ActionsLayer`]
//! under a content-hashed URL with immutable caching, gzipped for browsers that accept it.
//!
//! [`ActionsLayer`]: crate::ActionsLayer

use std::io::Write as _;
use std::sync::OnceLock;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, HeaderValue, VARY,
    X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderMap, StatusCode};
use sha2::{Digest as _, Sha256};

use crate::wire;

/// The script, as written in the repository's `client/actum.js`.
const SCRIPT: &str = include_str!("../../../client/actum.js");

/// The script's URL, with a hash of its content in it, so browsers may cache it forever.
///
/// ```
/// let url = actum::client_script_url();
/// assert!(url.starts_with("/_actum/client/") && url.ends_with(".js"));
/// ```
pub fn client_script_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let hash = Sha256::digest(SCRIPT.as_bytes());
        let hex: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
        format!("{}{hex}.js", wire::CLIENT_PATH_PREFIX)
    })
}

/// The tag that loads the script: put it in every page's `<head>` (or at the end of `<body>`).
/// Pages work without it; with it, forms submit without a full reload.
///
/// ```
/// assert!(actum::client_script_tag().starts_with(r#"<script type="module" src="/_actum/client/"#));
/// ```
pub fn client_script_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        format!(
            r#"<script type="module" src="{}"></script>"#,
            client_script_url()
        )
    })
}

/// The script gzipped once, at first request.
fn gzipped() -> &'static [u8] {
    static GZIPPED: OnceLock<Vec<u8>> = OnceLock::new();
    GZIPPED.get_or_init(|| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail; on the impossible error, serve it uncompressed.
        let written = encoder
            .write_all(SCRIPT.as_bytes())
            .and_then(|()| encoder.finish());
        written.unwrap_or_default()
    })
}

/// The answer to `GET <client_script_url()>`.
pub(crate) fn serve(request_headers: &HeaderMap) -> Response {
    let accepts_gzip = request_headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|e| e.trim().split(';').next() == Some("gzip"))
        });
    let gzipped = gzipped();
    let mut response = if accepts_gzip && !gzipped.is_empty() {
        let mut response = (StatusCode::OK, Body::from(gzipped)).into_response();
        response
            .headers_mut()
            .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        (StatusCode::OK, SCRIPT).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_changes_with_the_content_and_is_stable() {
        assert_eq!(client_script_url(), client_script_url());
        assert!(client_script_url().len() > wire::CLIENT_PATH_PREFIX.len() + 3);
    }

    #[test]
    fn gzip_is_served_when_accepted() {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("br, gzip;q=0.8"));
        let response = serve(&headers);
        assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
        assert!(
            response.headers()[CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        let plain = serve(&HeaderMap::new());
        assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    }
}
