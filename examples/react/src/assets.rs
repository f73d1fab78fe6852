//! The Vite build: `index.html` for every page, and the hashed files under `/assets/`.
//!
//! Hand-written rather than `tower-http`'s `ServeDir`: a Vite build has one page and one flat
//! folder of files named by Vite, so a strict name check and two content types cover it, with
//! no dependency to build.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The routes that serve the build in `dist`.
pub(crate) fn routes(dist: PathBuf) -> Router {
    Router::new()
        .route("/assets/{file}", get(asset))
        .fallback(get(index))
        .with_state(Arc::new(dist))
}

/// `index.html`: the app routes on the client (`/`, `/dashboard`).
async fn index(State(dist): State<Arc<PathBuf>>) -> Response {
    match tokio::fs::read(dist.join("index.html")).await {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            html,
        )
            .into_response(),
        Err(err) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the web app is not built ({err}): run `npm ci && npm run build` in examples/react/web"
            ),
        )
            .into_response(),
    }
}

/// One file of `dist/assets`. Vite names them `[name]-[hash].[ext]`; any other name is not ours.
async fn asset(State(dist): State<Arc<PathBuf>>, UrlPath(file): UrlPath<String>) -> Response {
    let Some(content_type) = content_type(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(dist.join("assets").join(Path::new(&file))).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, content_type),
                // The name changes with the content.
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The content type of a well-formed asset name: letters, digits, `-`, `_` and one `.`.
fn content_type(file: &str) -> Option<&'static str> {
    let (stem, extension) = file.split_once('.')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !plain(stem) {
        return None;
    }
    match extension {
        "js" => Some("text/javascript; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        "svg" => Some("image/svg+xml"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn only_vite_names_are_served() {
        assert_eq!(
            content_type("index-DiwrgTda.js"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(
            content_type("index-B_x1.css"),
            Some("text/css; charset=utf-8")
        );
        assert_eq!(content_type("..js"), None);
        assert_eq!(content_type("a.b.js"), None);
        assert_eq!(content_type(".env"), None);
        assert_eq!(content_type("index.html"), None);
    }
}
