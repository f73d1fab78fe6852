//! Time limits whose timer is made only when it is needed.
//!
//! `tokio::time::timeout` makes its timer up front (a handle to the runtime's driver, a timer
//! entry, and their drop), and its future holds the timer inline. Most action calls never wait:
//! the body is already in memory and the action answers on its first poll. Here the limit is an
//! instant, and the timer is made (boxed) the first time the bounded work is not ready, so a call
//! that does not wait pays for reading the clock only (BENCHMARKS.md). The instant is tokio's, so
//! a paused clock (`tokio::time::pause`) governs it as it governs `timeout`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// The bounded work did not finish in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimedOut;

/// The instant `limit` from now (far in the future if that overflows).
pub(crate) fn after(limit: Duration) -> Instant {
    let now = Instant::now();
    // About 30 years: `Instant` cannot hold "never".
    now.checked_add(limit)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30))
}

/// A timer for `at`, made on first use.
#[derive(Debug)]
pub(crate) struct LazyTimer {
    at: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl LazyTimer {
    pub(crate) fn new(at: Instant) -> Self {
        Self { at, timer: None }
    }

    /// Ready once `at` has passed; registers the waker otherwise. Called when the bounded work
    /// is not ready, as `timeout` polls its timer.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let at = self.at;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        timer.as_mut().poll(cx)
    }
}

/// `future`, given up at `at`. The future must be `Unpin` (a boxed one): pinning it in place
/// would take `unsafe`.
pub(crate) fn until<F: Future + Unpin>(at: Instant, future: F) -> Deadline<F> {
    Deadline {
        future,
        timer: LazyTimer::new(at),
    }
}

/// The future of [`until`].
#[derive(Debug)]
pub(crate) struct Deadline<F> {
    future: F,
    timer: LazyTimer,
}

impl<F: Future + Unpin> Future for Deadline<F> {
    type Output = Result<F::Output, TimedOut>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // The work first, as `timeout` does: work that is ready is never refused.
        if let Poll::Ready(output) = Pin::new(&mut this.future).poll(cx) {
            return Poll::Ready(Ok(output));
        }
        ready!(this.timer.poll_expired(cx));
        Poll::Ready(Err(TimedOut))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ready_work_passes_and_slow_work_times_out() {
        let at = after(Duration::from_millis(50));
        assert_eq!(until(at, Box::pin(async { 7 })).await, Ok(7));
        let slow = Box::pin(tokio::time::sleep(Duration::from_secs(5)));
        let started = Instant::now();
        assert_eq!(until(at, slow).await, Err(TimedOut));
        assert!(Instant::now() >= at);
        assert!(Instant::now() - started < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn work_that_waits_but_finishes_in_time_passes() {
        let at = after(Duration::from_secs(5));
        let waits = Box::pin(async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            3
        });
        assert_eq!(until(at, waits).await, Ok(3));
    }

    #[test]
    fn an_enormous_limit_does_not_overflow() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            assert!(after(Duration::MAX) > Instant::now());
        });
    }
}
