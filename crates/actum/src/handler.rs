//! One action request, from the route to the answer. The steps run in this order, and every
//! refusal happens before the action's body runs:
//!
//! 1. only POST reaches here (the method router answers 405 with `Allow: POST` to the rest);
//! 2. an unknown ID never reaches here (the layer answers 404 `actum-answer: unknown-action`);
//! 3. origin check, before the body is read (403);
//! 4. body limit: a `Content-Length` over it is refused at once, a streamed body as soon as its
//!    count passes it (413);
//! 5. content type: urlencoded, multipart or JSON (415 for anything else, and for a compressed
//!    body; 501 for a transfer coding besides `chunked`);
//! 6. decoding into the input type (400 malformed, 413 over a budget, 422 naming the field);
//! 7. bound arguments opened (400, the same for every kind of failure);
//! 8. extractors, then the action, under its time limit (503 past it); a client that goes away
//!    does not cancel it half-way (see `completion`; an action that takes a `Cancellation` is
//!    told, see `cancel`), and a panic answers 500 with a digest.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::action::{Action, ActionHandler, ActionInfo};
use crate::answer::{self, Envelope, ErrorBody, FieldError, Mode};
use crate::completion::Completion;
use crate::config::Config;
use crate::context::{self, RequestContext};
use crate::decode::{self, DecodeError};
use crate::error::{ActionError, new_digest};
use crate::form_state::{Submission, SubmissionError};
use crate::idempotency;
use crate::known_headers::{Known, KnownHeaders};
use crate::wire;

/// Serves one request to `action`.
///
/// A plain function that returns a small [`Serve`] future around the boxed request future: axum
/// moves and boxes a handler's future whole, and an `async fn` here would hold the request's
/// future twice (before and while it is awaited), about 9 KiB copied several times per request.
pub(crate) fn serve<M, A, S>(action: A, state: S, req: Request) -> Serve
where
    M: 'static,
    A: ActionHandler<M, S>,
    S: Clone + Send + Sync + 'static,
{
    let span = tracing::info_span!(
        "action",
        name = action.info().name(),
        id = action.id(),
        outcome = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
        trace_id = tracing::field::Empty,
        parent_span_id = tracing::field::Empty,
    );
    crate::trace_context::continue_trace(&span, req.headers());
    // The clock is read only for a span something records (it measures the call's duration).
    let started = (!span.is_disabled()).then(Instant::now);
    let (parts, body) = req.into_parts();
    let config = parts
        .extensions
        .get::<Arc<Config>>()
        .cloned()
        .unwrap_or_else(Config::global_default);
    // Every header the call reads, found in one walk; what they say is worked out here, so that
    // the request's future holds the answers rather than a borrow of the headers.
    let known = KnownHeaders::scan(&parts.headers);
    let head = read_head(&parts, &known, &config);
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let origin = config
        .origin
        .check_found(crate::origin::Found::known(&known), &parts, peer);
    // Who calls (session, rate-limit key), for the policies.
    let keyed = idempotency::is_keyed(known.contains(Known::Idempotency), &parts.uri);
    let caller = crate::policy::Caller::of(&config, action.info(), &parts, keyed);
    let new_session = caller.new_session();
    // The call's context, shared with the guard below: made now rather than when the action
    // begins, so that the guard needs no cell of its own to learn of it.
    let ctx = Arc::new(RequestContext::new(
        Arc::clone(&config),
        &parts.headers,
        Some(head.page.clone()),
        head.secure,
    ));
    // Outside the completion below: a client that leaves fires the action's token even when an
    // exactly-once call goes on without it.
    let departure = crate::cancel::CancelOnDrop::new(Arc::clone(&ctx));
    // In the span: `Serve` enters it around every poll of this future, and around its drop.
    let call = Call {
        config,
        head,
        origin,
        keyed,
        caller,
        ctx,
    };
    let answering: Pin<Box<dyn Future<Output = Answered> + Send>> =
        Box::pin(run(action, state, parts, body, call));
    // A call with an exactly-once key records its outcome even if the client goes away (a
    // double click cancels the first post): the second call waits for that outcome.
    let answering = match keyed {
        true => Answering::Completing(Completion::boxed(answering)),
        false => Answering::Inline(answering),
    };
    Serve {
        answering: Some(answering),
        span,
        started,
        departure: Some(departure),
        new_session,
    }
}

/// What [`serve`] works out before the request's future, for [`run`].
struct Call {
    config: Arc<Config>,
    head: Head,
    /// The origin check's verdict (logged and answered by [`run`]).
    origin: Result<(), crate::origin::OriginRejection>,
    /// Whether the call carries an exactly-once key.
    keyed: bool,
    caller: crate::policy::Caller,
    /// The call's context (see [`RequestContext`]).
    ctx: Arc<RequestContext>,
}

/// What [`run`] answers: the outcome (for the log) and the response.
type Answered = (&'static str, Response);

/// The future of one action request (see [`serve`]), in the request's span (as
/// [`tracing::Instrument`] would, without growing the boxed future).
pub(crate) struct Serve {
    /// `None` once answered.
    answering: Option<Answering>,
    span: tracing::Span,
    /// When the call began, if its span is recorded.
    started: Option<Instant>,
    /// Taken (disarmed) once the request has answered.
    departure: Option<crate::cancel::CancelOnDrop>,
    /// The session cookie the call made, if it needed one.
    new_session: Option<crate::policy::NewSession>,
}

/// How the request's future runs: inline (dropped with the request), or to completion.
enum Answering {
    Inline(Pin<Box<dyn Future<Output = Answered> + Send>>),
    Completing(Completion<Answered>),
}

impl Future for Serve {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = &mut *self;
        let entered = this.span.enter();
        let Some(answering) = &mut this.answering else {
            let message = "the action's answer was polled after it was sent";
            return Poll::Ready(answer::refusal(
                Mode::Native,
                StatusCode::INTERNAL_SERVER_ERROR,
                message,
                None,
            ));
        };
        let (outcome, response) = match answering {
            Answering::Inline(answering) => {
                let (outcome, mut response) = ready!(answering.as_mut().poll(cx));
                if let Some(cookie) = &this.new_session {
                    cookie.set_on(&mut response);
                }
                (outcome, response)
            }
            Answering::Completing(completion) => match ready!(Pin::new(completion).poll(cx)) {
                Ok((outcome, mut response)) => {
                    if let Some(cookie) = &this.new_session {
                        cookie.set_on(&mut response);
                    }
                    (outcome, response)
                }
                Err(panic) => {
                    tracing::error!(panic, "an action's answer panicked");
                    let message = "something went wrong";
                    let status = StatusCode::INTERNAL_SERVER_ERROR;
                    let response = answer::refusal(Mode::Native, status, message, None);
                    ("panic", response)
                }
            },
        };
        drop(entered);
        this.answering = None;
        if let Some(departure) = this.departure.take() {
            departure.disarm();
        }
        let span = &this.span;
        span.record("outcome", outcome);
        span.record("status", response.status().as_u16());
        if let Some(started) = this.started {
            span.record("duration_ms", started.elapsed().as_secs_f64() * 1000.0);
        }
        span.in_scope(|| {
            tracing::info!(
                outcome,
                status = response.status().as_u16(),
                "action answered"
            )
        });
        Poll::Ready(response)
    }
}

impl Drop for Serve {
    /// A request dropped before it answered (its client left) drops its future in its span, so
    /// that what that logs (the action moving to a task, its token firing) is the request's.
    fn drop(&mut self) {
        if self.answering.is_some() {
            let _entered = self.span.enter();
            self.answering = None;
            self.departure = None;
        }
    }
}

/// What the request is about, read from its head.
struct Head {
    mode: Mode,
    page: String,
    sealed: Option<String>,
    secure: bool,
    /// The body's kind, from `Content-Type`, read once.
    kind: BodyKind,
    /// Whether the body is a form (urlencoded or multipart): its state goes back to the page.
    is_form: bool,
    /// `Content-Length`, when it is a number.
    declared_length: Option<u64>,
    /// A coding of the body that actum does not undo.
    coding: Option<Coding>,
}

/// The request, from its head to its answer. Awaits that most calls skip (a rate limit, an
/// exactly-once key, a concurrency gate, an extractor's refusal) are boxed, so that this future
/// stays small for the calls that do not need them.
#[expect(
    clippy::manual_async_fn,
    reason = "an `async fn` would hold its arguments twice in its future"
)]
fn run<M, A, S>(
    action: A,
    state: S,
    parts: Parts,
    body: Body,
    call: Call,
) -> impl Future<Output = Answered> + Send
where
    A: ActionHandler<M, S>,
    S: Clone + Send + Sync + 'static,
{
    // An `async` block rather than an `async fn`: the function's arguments would be held twice.
    async move {
        // Borrowed, not moved out: the block keeps its captures whole, and a copy would be held
        // next to them.
        let (config, head, caller) = (&call.config, &call.head, &call.caller);
        if let Err(rejection) = &call.origin {
            tracing::warn!(reason = %rejection, "action refused: origin");
            let message = "forbidden: this action only accepts requests from its own site";
            return (
                "rejected",
                answer::refusal(head.mode, StatusCode::FORBIDDEN, message, None),
            );
        }

        // The concurrency cap: a permit is held from here until the action ends (in its own task if
        // the client goes away), so a flood is refused before its bodies are read.
        let permit = match config
            .concurrency
            .as_ref()
            .map(|cap| Arc::clone(cap).try_acquire_owned())
        {
            Some(Err(_)) => {
                tracing::warn!("action refused: the concurrency cap is reached");
                return ("rejected", answer::busy(head.mode));
            }
            Some(Ok(permit)) => Some(permit),
            None => None,
        };

        let limit = action.info().body_limit().unwrap_or(config.body_limit);
        let time_limit = action.info().time_limit().unwrap_or(config.time_limit);

        // The rate limit, before the body is read.
        let (info, id, mode) = (action.info(), action.id(), head.mode);
        if config.rate_limit_for(info).is_some() {
            let check = crate::rate_limit::check(config, info, id, caller, mode);
            if let Err(response) = Box::pin(check).await {
                return ("rate-limited", response);
            }
        }
        // A body that trickles in is bounded by the action's time limit too.
        // Not boxed: multipart's large state is boxed inside, and the rest is small.
        let body_deadline = crate::deadline::after(time_limit);
        let decoding =
            decode_input::<A::Input>(&parts.headers, head, body, limit, config, body_deadline);
        let decoded = match decoding.await {
            Ok(Ok(decoded)) => decoded,
            Ok(Err(err)) => return ("rejected", refuse_input(config, action, head, err)),
            Err(crate::deadline::TimedOut) => {
                let message = "the request body took too long to arrive";
                return (
                    "rejected",
                    answer::refusal(head.mode, StatusCode::REQUEST_TIMEOUT, message, None),
                );
            }
        };

        // Exactly once: a call whose key (and form) a call before it had gets that call's answer.
        // A call without a key (most) has nothing to look up.
        let once = match call.keyed && info.exactly_once() {
            false => None,
            true => {
                let call = idempotency::Call {
                    config,
                    info,
                    action_id: id,
                    parts: &parts,
                    caller,
                    mode,
                    page: &head.page,
                    time_limit,
                    values: &decoded.values,
                };
                match Box::pin(idempotency::begin(call)).await {
                    // Boxed: this future stays small for calls without a key.
                    idempotency::Begin::Run(once) => once.map(Box::new),
                    idempotency::Begin::Answer(outcome, response) => return (outcome, response),
                }
            }
        };

        let opened = open_seal(config, action.info(), action.id(), head.sealed.as_deref());
        let Some((bound, bound_key)) = opened.and_then(|json| parse_bound::<A::Bound>(&json))
        else {
            let message = "invalid bound arguments (the page may be out of date: reload it)";
            return (
                "rejected",
                answer::refusal(head.mode, StatusCode::BAD_REQUEST, message, None),
            );
        };

        // The action's concurrency policy: wait (serial), refuse (drop), or cancel the older (latest).
        let pass = match info.concurrency() {
            crate::Concurrency::Parallel => crate::policy::Pass::parallel(),
            policy => match Box::pin(config.gates.enter(policy, id, caller.session())).await {
                Ok(pass) => pass,
                Err(_dropped) => return ("dropped", crate::policy::dropped(head.mode)),
            },
        };

        let ctx = &call.ctx;
        ctx.begin_action();
        let calling = action.call(parts, state, bound, decoded.input);
        let revalidator = config.revalidator.clone();
        let scope = Arc::clone(ctx);
        let task = Completion::new(
            async move {
                // Made here rather than captured, so that the block holds it once.
                let limited = crate::deadline::until(crate::deadline::after(time_limit), calling);
                let scoped = context::scope(Arc::clone(&scope), limited);
                // `None` when a newer call of a `latest` action cancelled this one.
                let output = match pass.can_be_superseded() {
                    true => Box::pin(pass.run(scoped)).await,
                    false => {
                        let output = scoped.await;
                        drop(pass);
                        Some(output)
                    }
                };
                // Inside the completion, so that a client hanging up cannot skip it.
                if let Some(revalidator) = revalidator {
                    Box::pin(revalidate(revalidator, &scope)).await;
                }
                drop(permit);
                output
            }
            .in_current_span(),
        );
        let output = task.await;
        let run = Run {
            config,
            ctx,
            head,
            action_id: action.id(),
            bound_key,
        };
        let (outcome, response) = match output {
            Err(panic) => ("panic", run.panicked(&panic)),
            Ok(None) => ("superseded", crate::policy::superseded(head.mode)),
            Ok(Some(Err(crate::deadline::TimedOut))) => {
                tracing::warn!(
                    limit_ms = time_limit.as_millis() as u64,
                    "action passed its time limit"
                );
                let message = "the action took too long and was stopped";
                (
                    "timeout",
                    answer::refusal(head.mode, StatusCode::SERVICE_UNAVAILABLE, message, None),
                )
            }
            Ok(Some(Ok(Err(rejection)))) => {
                let refused = Box::pin(extractor_refused(head.mode, rejection)).await;
                ("rejected", refused)
            }
            Ok(Some(Ok(Ok(result)))) => run.answer(result, decoded.values),
        };
        // The action ran (or began): its answer is the key's outcome. An extractor's refusal
        // releases the key (dropping `once`), so a retry runs.
        match once {
            Some(once) if outcome != "rejected" => {
                (outcome, Box::pin((*once).record(response, mode)).await)
            }
            _ => (outcome, response),
        }
    }
}

/// Hands what the action marked stale to the layer's cache, before the answer is made: the page
/// re-rendered in it, and every request after it, then reads fresh data.
async fn revalidate(revalidator: crate::config::Revalidator, ctx: &RequestContext) {
    let marks = ctx.effects().revalidation.clone();
    if marks.drops_anything() {
        revalidator.0.revalidate(&marks).await;
    }
}

/// An extractor's refusal (401 from an auth extractor, say). A browser gets it as the extractor
/// made it; a script gets the same status and text in the JSON envelope, like every other error.
async fn extractor_refused(mode: Mode, rejection: Response) -> Response {
    if mode == Mode::Native {
        return answer::mark(rejection, wire::ANSWER_REJECTED);
    }
    let status = rejection.status();
    // An extractor's message is short; read at most 4 KiB of it.
    let bytes = crate::decode::read_body(rejection.into_body(), 4096)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let message = match text.trim() {
        "" => status.canonical_reason().unwrap_or("refused"),
        text => text,
    };
    answer::refusal(mode, status, message, None)
}

/// Reads the mode, the page to come back to, the sealed arguments and how the body comes from
/// the request head.
fn read_head(parts: &Parts, known: &KnownHeaders<'_>, config: &Config) -> Head {
    let mode = match known.contains(Known::Request) {
        true => Mode::Script,
        false => Mode::Native,
    };
    let mut sealed = None;
    let mut page_param = None;
    for pair in parts.uri.query().unwrap_or_default().split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key == wire::BOUND_PARAM {
            sealed = Some(value.to_owned());
        } else if key == wire::RETURN_PARAM {
            page_param = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .ok();
        }
    }
    let is_local = |p: &&str| crate::redirect_target::is_local_path(p);
    let page = known
        .text(Known::Page)
        .filter(is_local)
        .or(page_param.as_deref().filter(is_local))
        .or_else(|| referer_path(known.text(Known::Referer)?))
        .unwrap_or("/")
        .to_owned();
    let kind = body_kind(known.text(Known::ContentType).unwrap_or(""));
    let is_form = matches!(kind, BodyKind::Urlencoded | BodyKind::Multipart);
    let text = |header| known.text(header);
    let secure = crate::layer::is_secure_with(config, text(Known::Origin), text(Known::Referer));
    let declared_length = known
        .text(Known::ContentLength)
        .and_then(|v| v.parse::<u64>().ok());
    Head {
        mode,
        page,
        sealed,
        secure,
        kind,
        is_form,
        declared_length,
        coding: unsupported_coding(known),
    }
}

/// The path of a same-origin `Referer`, the fallback page to come back to.
fn referer_path(referer: &str) -> Option<&str> {
    let after_scheme = after_scheme(referer)?;
    let path = &after_scheme[after_scheme.find('/')?..];
    crate::redirect_target::is_local_path(path).then_some(path)
}

/// What follows the first `://` (as `split_once("://")`, whose substring search costs about
/// 300 instructions to set up; this looks for `:` and checks what follows).
fn after_scheme(url: &str) -> Option<&str> {
    let mut rest = url;
    loop {
        let colon = rest.find(':')?;
        match rest[colon..].strip_prefix("://") {
            Some(after) => return Some(after),
            None => rest = &rest[colon + 1..],
        }
    }
}

/// The three kinds of body an action accepts, from `Content-Type` (case-insensitive, parameters
/// ignored), and everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Urlencoded,
    Multipart,
    Json,
    Other,
}

/// The body's kind, from the whole `Content-Type`.
fn body_kind(content_type: &str) -> BodyKind {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        BodyKind::Urlencoded
    } else if essence.eq_ignore_ascii_case("multipart/form-data") {
        BodyKind::Multipart
    } else if essence.eq_ignore_ascii_case("application/json") {
        BodyKind::Json
    } else {
        BodyKind::Other
    }
}

/// The decoded input and the text values the user typed (kept for the form's state).
struct Decoded<T> {
    input: T,
    values: Vec<(String, String)>,
}

/// Why the input could not be decoded.
enum InputError {
    UnsupportedType,
    /// A `Content-Encoding` other than `identity`. Browsers never compress a request body, and
    /// inflating one would let a small body grow past every budget (a zip bomb), so compressed
    /// bodies are refused (415) rather than decoded.
    Compressed,
    /// A transfer coding besides `chunked` (`gzip, chunked`): hyper takes the chunked framing
    /// off and nothing else, so the body would reach the decoder still compressed.
    TransferCoding,
    Decode(DecodeError, Vec<(String, String)>),
}

/// A coding of the body that actum does not undo (see [`InputError`]).
#[derive(Debug, Clone, Copy)]
enum Coding {
    Compressed,
    TransferCoding,
}

/// The codings the body comes in that actum does not undo: a `Content-Encoding` other than
/// `identity`, or a transfer coding other than `chunked`.
fn unsupported_coding(known: &KnownHeaders<'_>) -> Option<Coding> {
    let codings = |header| {
        known
            .all(header)
            .flat_map(|value| value.as_bytes().split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
    };
    if codings(Known::ContentEncoding).any(|c| !c.eq_ignore_ascii_case(b"identity")) {
        return Some(Coding::Compressed);
    }
    if codings(Known::TransferEncoding).any(|c| !c.eq_ignore_ascii_case(b"chunked")) {
        return Some(Coding::TransferCoding);
    }
    None
}

/// Reads and decodes the body; `Err(TimedOut)` when it has not all arrived by `deadline` (a body
/// that trickles in is bounded by the action's time limit too).
async fn decode_input<T: DeserializeOwned>(
    headers: &HeaderMap,
    head: &Head,
    body: Body,
    limit: usize,
    config: &Config,
    deadline: tokio::time::Instant,
) -> Result<Result<Decoded<T>, InputError>, crate::deadline::TimedOut> {
    if head.declared_length.is_some_and(|len| len > limit as u64) {
        // The same words as a body found too long while streaming: the limit, for the user.
        let error = DecodeError::body_too_large(limit);
        return Ok(Err(InputError::Decode(error, Vec::new())));
    }
    match head.coding {
        Some(Coding::Compressed) => return Ok(Err(InputError::Compressed)),
        Some(Coding::TransferCoding) => return Ok(Err(InputError::TransferCoding)),
        None => {}
    }
    let limits = &config.form_limits;
    let no_values = |e| InputError::Decode(e, Vec::new());
    let mut timer = crate::deadline::LazyTimer::new(deadline);
    let form = match head.kind {
        BodyKind::Json => {
            let bytes = decode::read_body_before(body, limit, &mut timer).await?;
            let input = bytes.and_then(|bytes| decode::from_json(&bytes, limits));
            let decoded = input.map(|input| Decoded {
                input,
                values: Vec::new(),
            });
            return Ok(decoded.map_err(no_values));
        }
        BodyKind::Urlencoded => {
            let bytes = decode::read_body_before(body, limit, &mut timer).await?;
            bytes.and_then(|bytes| decode::parse_urlencoded(&bytes, limits))
        }
        BodyKind::Multipart => {
            let content_type = headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            match decode::multipart_boundary(content_type) {
                Ok(boundary) => {
                    // Boxed: multer's state is large, and most posts are not multipart.
                    let reading = decode::read_multipart(body, &boundary, limit, limits);
                    crate::deadline::until(deadline, Box::pin(reading)).await?
                }
                Err(err) => Err(err),
            }
        }
        BodyKind::Other => return Ok(Err(InputError::UnsupportedType)),
    };
    let form = match form {
        Ok(form) => form,
        Err(err) => return Ok(Err(no_values(err))),
    };
    let values = form.text_pairs();
    Ok(match decode::from_form(form, limits) {
        Ok(input) => Ok(Decoded { input, values }),
        Err(err) => Err(InputError::Decode(err, values)),
    })
}

/// The answer to an input that could not be decoded. A native post whose values do not fit the
/// type (422) goes back to its form with the error and what was typed, like a validation error.
fn refuse_input<M, A: Action<M>>(
    config: &Config,
    action: A,
    head: &Head,
    err: InputError,
) -> Response {
    let (status, message, field, values) = match &err {
        InputError::UnsupportedType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the input as application/x-www-form-urlencoded, multipart/form-data or application/json",
            None,
            None,
        ),
        InputError::Compressed => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request body uncompressed (no content-encoding)",
            None,
            None,
        ),
        InputError::TransferCoding => (
            StatusCode::NOT_IMPLEMENTED,
            "transfer codings other than chunked are not supported",
            None,
            None,
        ),
        InputError::Decode(err, values) => (err.status(), err.message(), err.field(), Some(values)),
    };
    tracing::info!(
        status = status.as_u16(),
        message,
        field,
        "action refused: input"
    );
    if head.mode == Mode::Native && status == StatusCode::UNPROCESSABLE_ENTITY {
        let error = SubmissionError {
            status: status.as_u16(),
            message: message.to_owned(),
            fields: field
                .map(|f| vec![(f.to_owned(), message.to_owned())])
                .unwrap_or_default(),
            digest: None,
        };
        let values = values.cloned().unwrap_or_default();
        // The row's key, so a per-row form finds its own state (see `FormState::for_bound`).
        let bound_key = open_seal(config, action.info(), action.id(), head.sealed.as_deref())
            .and_then(|json| String::from_utf8(json.into_owned()).ok())
            .filter(|_| head.sealed.is_some());
        let submission = Submission::new(action.id(), bound_key, values, Err(error));
        let token = config.form_states.put(&head.page, submission);
        return answer::see_other(&head.page, Some(token.as_str()), head.secure);
    }
    answer::refusal(head.mode, status, message, field)
}

/// Opens the sealed bound arguments into their JSON text; `None` for every kind of failure
/// (they all answer the same). No seal is JSON `null`, accepted only by actions without bound
/// parameters.
fn open_seal(
    config: &Config,
    info: &ActionInfo,
    action_id: &str,
    sealed: Option<&str>,
) -> Option<std::borrow::Cow<'static, [u8]>> {
    let Some(sealed) = sealed else {
        if info.has_bound() {
            tracing::warn!("action refused: bound arguments missing");
            return None;
        }
        // Borrowed: most actions have no bound arguments, and this is every call of theirs.
        return Some(std::borrow::Cow::Borrowed(b"null"));
    };
    let now = std::time::SystemTime::now();
    match crate::seal::open(
        config.key_ring(),
        wire::BOUND_PURPOSE,
        action_id,
        sealed,
        now,
    ) {
        Ok(json) => Some(std::borrow::Cow::Owned(json)),
        Err(err) => {
            tracing::warn!(reason = %err, "action refused: bound arguments");
            None
        }
    }
}

/// Decodes opened bound arguments; also returns their JSON text, the key of the form's state.
fn parse_bound<B: DeserializeOwned>(json: &[u8]) -> Option<(B, Option<String>)> {
    match serde_json::from_slice(json) {
        Ok(bound) => {
            let key = (json != b"null").then(|| String::from_utf8_lossy(json).into_owned());
            Some((bound, key))
        }
        Err(err) => {
            tracing::warn!(reason = %err, "action refused: bound arguments do not fit");
            None
        }
    }
}

/// An action's result, serialized (see [`Run::write_result`]).
enum Written {
    /// A script's whole envelope.
    Envelope(answer::SuccessBody),
    /// The result alone, for a native post's form state.
    Json(String),
}

/// What the answer of an action that ran needs.
struct Run<'a> {
    config: &'a Config,
    ctx: &'a RequestContext,
    head: &'a Head,
    action_id: &'static str,
    bound_key: Option<String>,
}

impl Run<'_> {
    fn panicked(&self, detail: &str) -> Response {
        let digest = new_digest();
        tracing::error!(digest, panic = detail, "action panicked");
        let error = ActionError::new(StatusCode::INTERNAL_SERVER_ERROR, "something went wrong");
        self.error_answer(&error, &digest, Vec::new())
    }

    fn answer<T: serde::Serialize>(
        &self,
        result: Result<T, ActionError>,
        values: Vec<(String, String)>,
    ) -> (&'static str, Response) {
        let written = result.and_then(|value| self.write_result(&value));
        let mut response = match written {
            Ok(written) => ("ok", self.success(written, values)),
            Err(err) => match err.redirect_target() {
                Some(target) => ("redirect", self.redirect(target)),
                None => {
                    let digest = new_digest();
                    log_error(&err, &digest);
                    ("error", self.error_answer(&err, &digest, values))
                }
            },
        };
        self.ctx.write_cookies(response.1.headers_mut());
        response
    }

    /// The action's result as JSON, serialized once: into its envelope for a script, alone (for
    /// the form's state) for a native post.
    fn write_result<T: serde::Serialize>(&self, value: &T) -> Result<Written, ActionError> {
        let written = match self.head.mode {
            Mode::Script => {
                let effects = self.ctx.effects();
                answer::success_body(value, &effects.revalidation).map(Written::Envelope)
            }
            Mode::Native => serde_json::to_string(value).map(Written::Json),
        };
        written.map_err(ActionError::internal)
    }

    fn success(&self, written: Written, values: Vec<(String, String)>) -> Response {
        match written {
            Written::Envelope(body) => {
                // The form's state, for a page re-rendered into the answer (see `with_page`).
                let result =
                    (self.config.rerender && self.head.is_form).then(|| body.result().to_owned());
                let response = answer::success(body);
                let submission = result.map(|result| {
                    move || {
                        Submission::new(self.action_id, self.bound_key.clone(), values, Ok(result))
                    }
                });
                self.with_page(response, &self.head.page, submission, false)
            }
            Written::Json(result) => {
                let submission =
                    Submission::new(self.action_id, self.bound_key.clone(), values, Ok(result));
                let token = self.config.form_states.put(&self.head.page, submission);
                answer::see_other(&self.head.page, Some(token.as_str()), self.head.secure)
            }
        }
    }

    fn redirect(&self, target: &str) -> Response {
        match crate::redirect_target::validate_redirect(target, &self.config.redirect_hosts) {
            Ok(target) => match self.head.mode {
                Mode::Script => {
                    let response = self.envelope(StatusCode::OK, None, Some(&target));
                    match crate::redirect_target::is_local_path(&target) {
                        true => self.with_page(response, &target, None::<fn() -> Submission>, true),
                        false => response,
                    }
                }
                Mode::Native => answer::see_other(&target, None, self.head.secure),
            },
            Err(err) => {
                tracing::warn!(
                    reason = err.reason(),
                    target,
                    "action's redirect target refused"
                );
                let message = "the redirect target is not allowed";
                answer::refusal(self.head.mode, StatusCode::BAD_REQUEST, message, None)
            }
        }
    }

    fn error_answer(
        &self,
        err: &ActionError,
        digest: &str,
        values: Vec<(String, String)>,
    ) -> Response {
        let status = err.status();
        let message = user_message(err);
        match self.head.mode {
            Mode::Script => {
                let fields = err
                    .field_errors()
                    .map(|(field, message)| FieldError { field, message })
                    .collect();
                let error = ErrorBody {
                    status: status.as_u16(),
                    message: &message,
                    fields,
                    digest: Some(digest),
                };
                let response = self.envelope(status, Some(error), None);
                if !goes_back_to_form(status) {
                    return response;
                }
                let submission = || {
                    let error = SubmissionError {
                        status: status.as_u16(),
                        message: message.clone(),
                        fields: err
                            .field_errors()
                            .map(|(f, m)| (f.to_owned(), m.to_owned()))
                            .collect(),
                        digest: Some(digest.to_owned()),
                    };
                    Submission::new(self.action_id, self.bound_key.clone(), values, Err(error))
                };
                self.with_page(response, &self.head.page, Some(submission), false)
            }
            Mode::Native if goes_back_to_form(status) => {
                let error = SubmissionError {
                    status: status.as_u16(),
                    message,
                    fields: err
                        .field_errors()
                        .map(|(f, m)| (f.to_owned(), m.to_owned()))
                        .collect(),
                    digest: Some(digest.to_owned()),
                };
                let submission =
                    Submission::new(self.action_id, self.bound_key.clone(), values, Err(error));
                let token = self.config.form_states.put(&self.head.page, submission);
                answer::see_other(&self.head.page, Some(token.as_str()), self.head.secure)
            }
            Mode::Native => answer::error_page(status, &message, Some(digest)),
        }
    }

    /// Asks the layer to add `page`, re-rendered, to a script's answer, when the layer wraps the
    /// whole router and the page can have changed: a redirect (`always`), cookies or revalidation,
    /// or a form whose state the page shows.
    fn with_page(
        &self,
        mut response: Response,
        page: &str,
        submission: Option<impl FnOnce() -> Submission>,
        always: bool,
    ) -> Response {
        if !self.config.rerender {
            return response;
        }
        let has_form_state = self.head.is_form && submission.is_some();
        if always || has_form_state || self.ctx.changed_page() {
            let submission = submission.filter(|_| self.head.is_form).map(|make| make());
            let cookies = self.ctx.cookie_header();
            let page = page.to_owned();
            response.extensions_mut().insert(Rerender {
                page,
                cookies,
                submission,
            });
        }
        response
    }

    fn envelope(
        &self,
        status: StatusCode,
        error: Option<ErrorBody<'_>>,
        redirect: Option<&str>,
    ) -> Response {
        let effects = self.ctx.effects();
        let revalidated = &effects.revalidation;
        let ok = error.is_none();
        answer::envelope(
            status,
            &Envelope {
                ok,
                error,
                redirect,
                revalidated,
            },
        )
    }
}

/// A page to re-render into a script's answer, left on the response for the layer (which alone
/// can reach the whole router).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Rerender {
    /// The same-origin path and query of the page.
    pub(crate) page: String,
    /// The `Cookie` header the page sees: the request's cookies after the action.
    pub(crate) cookies: String,
    /// The form's state, for the page's `FormState`.
    pub(crate) submission: Option<Submission>,
}

/// Errors a user can act on in the form come back to it; the rest get their own page.
fn goes_back_to_form(status: StatusCode) -> bool {
    status.is_client_error()
        && ![
            StatusCode::UNAUTHORIZED,
            StatusCode::FORBIDDEN,
            StatusCode::NOT_FOUND,
        ]
        .contains(&status)
}

/// What the user sees: the message, and in debug builds the hidden cause of a server error.
fn user_message(err: &ActionError) -> String {
    match err.cause() {
        Some(cause) if cfg!(debug_assertions) => format!("{} ({cause})", err.message()),
        _ => err.message().to_owned(),
    }
}

fn log_error(err: &ActionError, digest: &str) {
    if err.is_server_error() {
        let cause = err.cause().map(|c| c.to_string());
        tracing::error!(
            digest,
            status = err.status().as_u16(),
            cause,
            "action failed"
        );
    } else {
        tracing::info!(
            digest,
            status = err.status().as_u16(),
            message = err.message(),
            "action refused"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_scheme_finds_what_split_once_finds() {
        for url in [
            "https://example.com/a?b",
            "http://x",
            "a:b://c/d",
            "://",
            "no scheme",
            "a:",
            "a:/b://c",
            ":::://",
            "é://x",
            "",
        ] {
            let expected = url.split_once("://").map(|(_, after)| after);
            assert_eq!(after_scheme(url), expected, "{url}");
        }
    }
}
