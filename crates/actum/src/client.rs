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
const SOURCE: &str = include_str!("../../../client/actum.js");

/// The script as served: the source without its comment lines and blocks (a third of its size:
/// they are JSDoc types and "why" notes, checked by `tsc` in the repository). Done by hand rather
/// than with a minifier, to keep the build free of a JavaScript toolchain; it relies on the
/// source's rule that every comment is a whole `//` line or a `/* … */` block of whole lines.
fn script() -> &'static str {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    SCRIPT.get_or_init(|| strip_comments(SOURCE))
}

fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut in_block = false;
    for line in source.lines() {
        let trimmed = line.trim_start();
        if in_block {
            in_block = !trimmed.contains("*/");
            continue;
        }
        if trimmed.starts_with("/*") {
            in_block = !trimmed.contains("*/");
            continue;
        }
        if trimmed.starts_with("//") || trimmed.is_empty() {
            continue;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The script's URL, with a hash of its content in it, so browsers may cache it forever.
///
/// ```
/// let url = actum::client_script_url();
/// assert!(url.starts_with("/_actum/client/") && url.ends_with(".js"));
/// ```
pub fn client_script_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let hash = Sha256::digest(script().as_bytes());
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
            .write_all(script().as_bytes())
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
        (StatusCode::OK, script()).into_response()
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
    fn comments_are_stripped_and_code_is_kept() {
        let source = "// a note\n/**\n * @param {string} a\n */\nconst a = '//x';\n  /* one */\nlet b = 1; // trailing\n";
        assert_eq!(
            strip_comments(source),
            "const a = '//x';\nlet b = 1; // trailing\n"
        );
    }

    #[test]
    fn the_served_script_still_exports_call() {
        assert!(
            script().contains("export"),
            "{}",
            &script()[..200.min(script().len())]
        );
        assert!(script().len() < SOURCE.len());
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
