//! Cooperative cancellation: an action that asks for a [`Cancellation`] learns when its caller
//! went away, and may stop early.
//!
//! An action runs to completion by default, even when the client hangs up (see `completion`):
//! stopping a write half-way is worse than finishing it unseen. An action that can stop cleanly (a
//! long search, a report, an export) takes the token and checks it at its own safe points.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::FromRequestParts;
use http::request::Parts;
use tokio::sync::Notify;

use crate::context::RequestContext;

/// Fires when the client that called the action goes away (it closed the connection: the user
/// left the page, `AbortSignal`, a network failure). An extractor: put it among an action's
/// parameters.
///
/// Hand-written rather than `tokio_util`'s `CancellationToken`: a flag and a [`Notify`] are all
/// it needs, and tokio-util is not otherwise a dependency.
///
/// ```
/// use actum::{ActionError, Cancellation};
/// use std::time::Duration;
///
/// #[derive(serde::Deserialize)]
/// struct Report { months: u32 }
///
/// #[actum::action]
/// async fn build_report(cancel: Cancellation, input: Report) -> Result<u32, ActionError> {
///     let mut done = 0;
///     for _ in 0..input.months {
///         // A safe point: stop between months, never half-way through one.
///         if cancel.is_cancelled() {
///             return Err(ActionError::new(http::StatusCode::CONFLICT, "cancelled"));
///         }
///         tokio::select! {
///             _ = tokio::time::sleep(Duration::from_millis(1)) => done += 1,
///             _ = cancel.cancelled() => break,
///         }
///     }
///     Ok(done)
/// }
///
/// # tokio_test(async {
/// // Called as a function (a unit test), it takes a token that fires only when told to.
/// let cancel = Cancellation::new();
/// assert_eq!(build_report(cancel.clone(), Report { months: 3 }).await.ok(), Some(3));
/// cancel.cancel();
/// assert!(build_report(cancel, Report { months: 3 }).await.is_err());
/// # });
/// # fn tokio_test(f: impl std::future::Future) {
/// #     tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f);
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cancellation {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    notify: Notify,
}

impl Cancellation {
    /// A token that has not fired. actum gives each action call its own; make one yourself to
    /// call an action as a function.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fires the token: [`is_cancelled`](Self::is_cancelled) turns true and every
    /// [`cancelled`](Self::cancelled) future completes. actum calls it when the client goes away.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// Whether the client has gone away.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once the client has gone away (at once if it already has); for `select!`.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.notify.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the flag is read, so a `cancel` in between is not missed.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// Reads the call's token (kept in the request's context, which the action runs in). Outside an
/// action call (a page handler, a route without actum) it is a token that never fires.
impl<S: Send + Sync> FromRequestParts<S> for Cancellation {
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(crate::context::current()
            .map(|ctx| ctx.cancellation().clone())
            .unwrap_or_default())
    }
}

/// Fires the action's token when the request's future is dropped before it answered: hyper drops
/// it when the client closes the connection, and the action goes on in a task of its own.
///
/// It is made where the request's future begins ([`crate::handler`]'s `serve`), outside the
/// completion that keeps an exactly-once call running after its client left, and holds the
/// call's context, which says whether the action has begun (only then is there a token to fire).
#[derive(Debug)]
pub(crate) struct CancelOnDrop {
    ctx: Arc<RequestContext>,
    armed: bool,
}

impl CancelOnDrop {
    /// An armed guard for the call whose context is `ctx`.
    pub(crate) fn new(ctx: Arc<RequestContext>) -> Self {
        Self { ctx, armed: true }
    }

    /// The request answered with its caller still there: nothing to fire.
    pub(crate) fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.armed || !self.ctx.action_began() {
            return;
        }
        tracing::debug!("the caller went away: the action's cancellation token fires");
        // Made here if the action has not asked yet: it then gets a token already fired.
        self.ctx.cancellation().cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn cancelled_completes_after_cancel_and_at_once_after_it() {
        let token = Cancellation::new();
        let waiter = tokio::spawn({
            let token = token.clone();
            async move { token.cancelled().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        token.cancel();
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .unwrap()
            .unwrap();
        assert!(token.is_cancelled());
        tokio::time::timeout(Duration::from_millis(10), token.cancelled())
            .await
            .unwrap();
    }

    fn context() -> Arc<RequestContext> {
        let config = crate::config::Config::global_default();
        Arc::new(RequestContext::new(
            config,
            &http::HeaderMap::new(),
            None,
            false,
        ))
    }

    #[test]
    fn a_dropped_guard_fires_and_a_disarmed_one_does_not() {
        let ctx = context();
        let token = ctx.cancellation().clone();
        ctx.begin_action();
        let guard = CancelOnDrop::new(Arc::clone(&ctx));
        guard.disarm();
        assert!(!token.is_cancelled());
        let guard = CancelOnDrop::new(Arc::clone(&ctx));
        drop(guard);
        assert!(token.is_cancelled());
    }

    #[test]
    fn a_guard_dropped_before_the_action_began_fires_nothing() {
        let ctx = context();
        drop(CancelOnDrop::new(Arc::clone(&ctx)));
        assert!(!ctx.cancellation().is_cancelled());
    }

    #[test]
    fn a_token_asked_for_after_the_caller_left_has_already_fired() {
        let ctx = context();
        ctx.begin_action();
        drop(CancelOnDrop::new(Arc::clone(&ctx)));
        assert!(ctx.cancellation().is_cancelled());
    }
}
