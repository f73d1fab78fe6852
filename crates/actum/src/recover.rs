//! Deploys break no open tab: a native post to an action this server does not know (the page was
//! rendered by the previous deploy) comes back to its form with what the user typed and a clear
//! message, instead of a 404 page that loses the input.
//!
//! The layer cannot know whether an ID is mounted before the router answers, and the router's 404
//! drops the request. So, for a native form post only, the layer keeps the body in a [`Stash`]
//! the router reads through; when the router answers 404 without reading it, the stash still
//! holds the body, and [`Stash::recover`] turns the typed values into a *stale* form state (see
//! [`Submission::is_stale`](crate::Submission::is_stale)) and a 303 back to the page.
//!
//! The page's [`FormState`](crate::FormState) gives that state to the form whose fields match
//! ([`fits`]): the action's input type names its fields, read through serde by [`input_fields`].

use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue, REFERER};
use http::{HeaderMap, Method, Uri};
use http_body::{Frame, SizeHint};
use serde::de::{DeserializeOwned, Visitor};

use crate::config::Config;
use crate::form_state::{Submission, SubmissionError};
use crate::wire;

/// What the user reads on the form after a stale post, with JavaScript off or on.
pub(crate) const STALE_MESSAGE: &str =
    "this page was out of date: it has been reloaded; check and submit again";

/// The status of a stale submission's error: the page conflicts with the server's current code.
const STALE_STATUS: u16 = 409;

type Slot = Arc<Mutex<Option<Body>>>;

/// The head and (untouched) body of a native form post, kept aside while the router answers.
pub(crate) struct Stash {
    uri: Uri,
    headers: HeaderMap,
    peer: Option<ConnectInfo<SocketAddr>>,
    body: Slot,
}

impl Stash {
    /// For a native form post (no `actum-request`, a form content type), moves the body into a
    /// stash and gives the request a body that reads from it. Other requests are left alone.
    pub(crate) fn keep(req: &mut Request) -> Option<Self> {
        let native = !req.headers().contains_key(wire::REQUEST);
        if req.method() != Method::POST || !native || form_kind(req.headers()).is_none() {
            return None;
        }
        let body = std::mem::take(req.body_mut());
        let hint = http_body::Body::size_hint(&body);
        let slot: Slot = Arc::new(Mutex::new(Some(body)));
        *req.body_mut() = Body::new(Deferred {
            slot: Arc::clone(&slot),
            taken: None,
            hint,
        });
        Some(Self {
            uri: req.uri().clone(),
            headers: req.headers().clone(),
            peer: req.extensions().get::<ConnectInfo<SocketAddr>>().cloned(),
            body: slot,
        })
    }

    /// The answer to a stale post: 303 back to its page with the typed values kept under a
    /// form-state token. `None` (the plain `unknown-action` 404) when the router read the body,
    /// the origin check refuses, there is no page to go back to, or the body does not decode.
    pub(crate) async fn recover(self, config: &Config, old_id: &str) -> Option<Response> {
        let body = self
            .body
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()?;
        let mut head = Request::new(());
        *head.method_mut() = Method::POST;
        *head.uri_mut() = self.uri;
        *head.headers_mut() = self.headers;
        let peer = self.peer.map(|info| info.0);
        let (parts, ()) = head.into_parts();
        if config.origin.check(&parts, peer).is_err() {
            return None;
        }
        let page = return_page(&parts.uri, &parts.headers)?;
        let reading = read_values(&parts.headers, body, config);
        let values = tokio::time::timeout(config.time_limit, reading)
            .await
            .ok()??;
        let bound_key = sealed_param(&parts.uri)
            .and_then(|sealed| open_old_seal(config, old_id, &sealed))
            .filter(|json| json != "null");
        let submission = Submission::stale(old_id, bound_key, values, stale_error());
        let token = config.form_states.put(&page, submission);
        let secure = crate::layer::is_secure(config, &parts.headers);
        tracing::info!(
            id = old_id,
            page,
            "stale page: the typed values go back to the form"
        );
        let mut response = crate::answer::see_other(&page, Some(token.as_str()), secure);
        response.headers_mut().insert(
            wire::ANSWER,
            HeaderValue::from_static(wire::ANSWER_UNKNOWN_ACTION),
        );
        Some(response)
    }
}

/// The error of a stale submission: the message the page shows.
fn stale_error() -> SubmissionError {
    SubmissionError {
        status: STALE_STATUS,
        message: STALE_MESSAGE.to_owned(),
        fields: Vec::new(),
        digest: None,
    }
}

/// A body that reads the stashed one, taking it from the stash on its first poll: until then
/// the stash still owns it.
struct Deferred {
    slot: Slot,
    taken: Option<Body>,
    hint: SizeHint,
}

impl http_body::Body for Deferred {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.taken.is_none() {
            let body = self
                .slot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            self.taken = Some(body.unwrap_or_default());
        }
        match self.taken.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.hint
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormKind {
    Urlencoded,
    Multipart,
}

/// The form kind of a body, from `Content-Type` (case-insensitive, parameters ignored).
fn form_kind(headers: &HeaderMap) -> Option<FormKind> {
    let content_type = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Some(FormKind::Urlencoded)
    } else if essence.eq_ignore_ascii_case("multipart/form-data") {
        Some(FormKind::Multipart)
    } else {
        None
    }
}

/// The text values of a form body (files are not kept), within the layer's limits.
async fn read_values(
    headers: &HeaderMap,
    body: Body,
    config: &Config,
) -> Option<Vec<(String, String)>> {
    let limits = &config.form_limits;
    let form = match form_kind(headers)? {
        FormKind::Urlencoded => {
            let bytes = crate::decode::read_body(body, config.body_limit)
                .await
                .ok()?;
            crate::decode::parse_urlencoded(&bytes, limits).ok()?
        }
        FormKind::Multipart => {
            let content_type = headers.get(CONTENT_TYPE)?.to_str().ok()?;
            let boundary = crate::decode::multipart_boundary(content_type).ok()?;
            crate::decode::read_multipart(body, &boundary, config.body_limit, limits)
                .await
                .ok()?
        }
    };
    Some(form.text_pairs())
}

/// The page a stale post goes back to: `r`, else the path of `Referer`; only safe local paths.
/// Unlike a known action, never `/`: a stale post with no page of its own gets the 404.
fn return_page(uri: &Uri, headers: &HeaderMap) -> Option<String> {
    let from_query = query_param(uri, wire::RETURN_PARAM).and_then(|value| {
        let decoded = percent_encoding::percent_decode_str(&value).decode_utf8();
        decoded.ok().map(|page| page.into_owned())
    });
    let from_referer = || {
        let referer = headers.get(REFERER)?.to_str().ok()?;
        let after_scheme = referer.split_once("://")?.1;
        Some(after_scheme[after_scheme.find('/')?..].to_owned())
    };
    from_query
        .filter(|page| crate::redirect_target::is_local_path(page))
        .or_else(|| from_referer().filter(|page| crate::redirect_target::is_local_path(page)))
}

fn sealed_param(uri: &Uri) -> Option<String> {
    query_param(uri, wire::BOUND_PARAM)
}

fn query_param(uri: &Uri, name: &str) -> Option<String> {
    uri.query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| value.to_owned())
    })
}

/// The bound arguments the stale page sealed for the old ID, as JSON: the key of a per-row form's
/// state, so that [`FormState::for_bound`](crate::FormState::for_bound) finds the row.
fn open_old_seal(config: &Config, old_id: &str, sealed: &str) -> Option<String> {
    let now = std::time::SystemTime::now();
    let json = crate::seal::open(config.key_ring(), wire::BOUND_PURPOSE, old_id, sealed, now);
    String::from_utf8(json.ok()?).ok()
}

/// Whether a stale submission's values fit the input type `T`: every field sent (by its
/// top-level name, `a` for `a[b]`) is a field of `T`. An input whose fields cannot be known in
/// advance (a map, a flattened struct, an enum) fits every submission.
pub(crate) fn fits<T: DeserializeOwned>(values: &[(String, String)]) -> bool {
    let Some(fields) = input_fields::<T>() else {
        return true;
    };
    values.iter().all(|(name, _)| {
        let top = name.split('[').next().unwrap_or(name);
        fields.contains(&top)
    })
}

/// The field names of a struct input type, as serde knows them (renames applied); `Some(&[])`
/// for `()` and unit structs, `None` when the type does not deserialize as a struct.
///
/// Asks serde rather than the macro: the input type is any `Deserialize` type, perhaps defined in
/// another crate, and its `Deserialize` impl is the only place its wire names are known.
pub(crate) fn input_fields<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let mut fields = None;
    // The probe always stops the deserializer; only what it saw on the way matters.
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// A deserializer that records the field list serde passes to `deserialize_struct`, then stops.
struct Probe<'a>(&'a mut Option<&'static [&'static str]>);

/// The probe's only error: it stopped.
#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probe stopped")
    }
}

impl std::error::Error for Stop {}

impl serde::de::Error for Stop {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Stop
    }
}

impl<'de> serde::Deserializer<'de> for Probe<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        *self.0 = Some(fields);
        Err(Stop)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        *self.0 = Some(&[]);
        Err(Stop)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, Stop> {
        *self.0 = Some(&[]);
        Err(Stop)
    }

    /// A wrapper (`struct Form(Inner)`): the inner type's fields.
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Note {
        title: String,
        #[serde(rename = "body-text")]
        body: String,
        author: Option<Author>,
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Author {
        name: String,
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Wrapped(Note);

    #[derive(serde::Deserialize)]
    struct Nothing;

    fn pairs(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), "x".to_owned()))
            .collect()
    }

    #[test]
    fn struct_fields_are_read_through_serde() {
        assert_eq!(
            input_fields::<Note>(),
            Some(&["title", "body-text", "author"][..])
        );
        assert_eq!(
            input_fields::<Wrapped>(),
            Some(&["title", "body-text", "author"][..])
        );
        assert_eq!(input_fields::<()>(), Some(&[][..]));
        assert_eq!(input_fields::<Nothing>(), Some(&[][..]));
        assert_eq!(input_fields::<HashMap<String, String>>(), None);
        assert_eq!(input_fields::<u32>(), None);
    }

    #[test]
    fn values_fit_when_every_name_is_a_field() {
        assert!(fits::<Note>(&pairs(&["title", "body-text"])));
        assert!(fits::<Note>(&pairs(&["title", "author[name]"])));
        assert!(fits::<Note>(&pairs(&[])));
        assert!(!fits::<Note>(&pairs(&["title", "q"])));
        assert!(!fits::<()>(&pairs(&["title"])));
        assert!(fits::<HashMap<String, String>>(&pairs(&["anything"])));
    }

    #[test]
    fn the_return_page_is_r_else_the_referer_and_always_local() {
        let headers = |referer: &str| {
            let mut map = HeaderMap::new();
            map.insert(REFERER, referer.parse().unwrap());
            map
        };
        let uri: Uri = "/_actum/x?r=%2Fnotes%3Fp%3D2".parse().unwrap();
        assert_eq!(
            return_page(&uri, &HeaderMap::new()).as_deref(),
            Some("/notes?p=2")
        );
        let uri: Uri = "/_actum/x".parse().unwrap();
        let referer = headers("http://127.0.0.1:3000/form?a=1");
        assert_eq!(return_page(&uri, &referer).as_deref(), Some("/form?a=1"));
        assert_eq!(return_page(&uri, &HeaderMap::new()), None);
        let uri: Uri = "/_actum/x?r=%2F%2Fevil.example".parse().unwrap();
        assert_eq!(return_page(&uri, &HeaderMap::new()), None);
    }
}
