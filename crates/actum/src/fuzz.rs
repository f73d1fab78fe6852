//! Entry points for the fuzz targets in `fuzz/` and the step benchmarks in `examples/bench`
//! (feature `__fuzz`, not a public API). The fuzz entry points feed arbitrary bytes to one decoder
//! or to the opening of seals, the code that reads what an attacker sends; a target fails only on
//! a panic, a hang or a broken round trip. The bench entry points ([`bench`]) run one step of an
//! action request as the handler runs it.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::decode::{self, FormLimits};
use crate::keys::KeyRing;

/// A shape that walks most of the form deserializer: scalars, options, sequences, nesting, maps,
/// enums and files.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Shape {
    text: String,
    number: Option<i64>,
    small: Option<u8>,
    ratio: Option<f64>,
    flag: Option<bool>,
    #[serde(default)]
    tags: Vec<String>,
    nested: Option<Nested>,
    #[serde(default)]
    map: HashMap<String, String>,
    choice: Option<Choice>,
    file: Option<crate::UploadedFile>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Nested {
    a: u32,
    b: Option<bool>,
    deeper: Option<Box<Nested>>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
enum Choice {
    One,
    Two,
}

fn limits() -> FormLimits {
    FormLimits::default()
}

/// A urlencoded body, decoded into a struct of every shape and into a map.
pub fn urlencoded(body: &[u8]) {
    if let Ok(form) = decode::parse_urlencoded(body, &limits()) {
        let _ = form.text_pairs();
        let _ = decode::from_form::<Shape>(form, &limits());
    }
    if let Ok(form) = decode::parse_urlencoded(body, &limits()) {
        let _ = decode::from_form::<HashMap<String, String>>(form, &limits());
    }
}

/// A JSON body, decoded into a struct of every shape and into a `serde_json::Value`.
pub fn json(body: &[u8]) {
    let _ = decode::from_json::<Shape>(body, &limits());
    let _ = decode::from_json::<serde_json::Value>(body, &limits());
}

/// A multipart body: the first line names the boundary, the rest is the body, streamed in
/// chunks of a size taken from the first byte.
pub fn multipart(data: &[u8]) {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime =
        RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().ok());
    let Some(runtime) = runtime else { return };
    let (boundary_line, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let content_type = format!(
        "multipart/form-data; boundary={}",
        String::from_utf8_lossy(boundary_line)
    );
    let Ok(boundary) = decode::multipart_boundary(&content_type) else {
        return;
    };
    let chunk = usize::from(body.first().copied().unwrap_or(7)).max(1);
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = body
        .chunks(chunk)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    let stream = futures_util::stream::iter(chunks);
    runtime.block_on(async {
        let body = axum::body::Body::from_stream(stream);
        if let Ok(form) = decode::read_multipart(body, &boundary, 64 * 1024, &limits()).await {
            let _ = decode::from_form::<Shape>(form, &limits());
        }
    });
}

fn ring() -> &'static KeyRing {
    static RING: OnceLock<Option<KeyRing>> = OnceLock::new();
    RING.get_or_init(|| KeyRing::new([vec![7u8; 32], vec![9u8; 32]]).ok())
        .as_ref()
        .unwrap_or_else(|| crate::keys::global())
}

/// Arbitrary text offered as a seal: it must never open (it was not sealed by this ring), and
/// never panic.
pub fn open_seal(text: &[u8]) {
    let text = String::from_utf8_lossy(text);
    let opened = crate::seal::open(ring(), "fuzz", "fuzz.action", &text, SystemTime::now());
    assert!(opened.is_err(), "an arbitrary text opened as a seal");
}

/// A payload sealed, then changed at one byte: the original opens to itself, the changed one
/// never opens.
pub fn seal_round_trip(payload: &[u8]) {
    let expires = SystemTime::now().checked_add(Duration::from_secs(60));
    let sealed = crate::seal::seal(ring(), "fuzz", "fuzz.action", payload, expires);
    let opened = crate::seal::open(ring(), "fuzz", "fuzz.action", &sealed, SystemTime::now());
    if payload.len() <= crate::seal::MAX_PAYLOAD_LEN {
        assert_eq!(
            opened.ok().as_deref(),
            Some(payload),
            "a seal did not open to its payload"
        );
    }
    let mut changed = sealed.into_bytes();
    if let Some(first) = payload.first() {
        let at = usize::from(*first) % changed.len();
        changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8_lossy(&changed);
        let reopened =
            crate::seal::open(ring(), "fuzz", "fuzz.action", &changed, SystemTime::now());
        assert!(reopened.is_err(), "a changed seal opened");
    }
}

/// One step of an action request each, as the handler runs it, for the benchmarks in
/// `examples/bench/benches/steps.rs`.
pub mod bench {
    use super::*;

    /// A urlencoded body decoded into `T` with the default budgets (`None` when refused).
    pub fn urlencoded<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
        let form = decode::parse_urlencoded(body, &limits()).ok()?;
        decode::from_form(form, &limits()).ok()
    }

    /// A JSON body decoded into `T` with the default budgets (`None` when refused).
    pub fn json<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
        decode::from_json(body, &limits()).ok()
    }

    /// A multipart body (with this `Content-Type`) streamed and decoded into `T` with the default
    /// budgets and a 1 MiB body limit (`None` when refused).
    pub async fn multipart<T: DeserializeOwned>(
        content_type: &str,
        body: bytes::Bytes,
    ) -> Option<T> {
        let boundary = decode::multipart_boundary(content_type).ok()?;
        let body = axum::body::Body::from(body);
        let form = decode::read_multipart(body, &boundary, 1 << 20, &limits())
            .await
            .ok()?;
        decode::from_form(form, &limits()).ok()
    }

    /// Seals `payload` for `action_id` as `bind` does (a fixed test key ring, no expiry).
    pub fn seal(action_id: &str, payload: &[u8]) -> String {
        crate::seal::seal(ring(), crate::wire::BOUND_PURPOSE, action_id, payload, None)
    }

    /// Opens a seal made by [`seal`] as the handler does (`None` when it does not open).
    pub fn open(action_id: &str, sealed: &str) -> Option<Vec<u8>> {
        let now = SystemTime::now();
        crate::seal::open(ring(), crate::wire::BOUND_PURPOSE, action_id, sealed, now).ok()
    }
}
