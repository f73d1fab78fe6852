//! Running an action to completion without a task per request.
//!
//! A client that goes away must not cancel an action half-way. Spawning every action as a task
//! would guarantee that, but costs a cross-thread wake-up on every request. Instead the action
//! runs inline in the request's own future, and only if that future is dropped before the action
//! finished (hyper drops it when the connection closes) is the rest of the action moved into a
//! task of its own. Moving it is sound because the action is already pinned in a `Box`: the box
//! moves, the future does not. Panics are caught at each poll, as a task would catch them.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

type Action<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// An action that runs to completion even if its caller stops waiting.
pub(crate) struct Completion<T: Send + 'static> {
    action: Option<Action<T>>,
}

impl<T: Send + 'static> Completion<T> {
    pub(crate) fn new(action: impl Future<Output = T> + Send + 'static) -> Self {
        Self::boxed(Box::pin(action))
    }

    /// The same, for a future already boxed (not boxed a second time).
    pub(crate) fn boxed(action: Action<T>) -> Self {
        Self {
            action: Some(action),
        }
    }
}

/// A panic's message, for the log.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

impl<T: Send + 'static> Future for Completion<T> {
    /// The action's output, or the message of its panic.
    type Output = Result<T, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(action) = self.action.as_mut() else {
            return Poll::Ready(Err("the action was polled after it finished".to_owned()));
        };
        match catch_unwind(AssertUnwindSafe(|| action.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                self.action = None;
                Poll::Ready(Ok(output))
            }
            Err(payload) => {
                self.action = None;
                Poll::Ready(Err(panic_message(payload.as_ref())))
            }
        }
    }
}

impl<T: Send + 'static> Drop for Completion<T> {
    fn drop(&mut self) {
        let Some(action) = self.action.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                tracing::debug!("the caller went away: the action goes on in a task of its own");
                runtime.spawn(async move {
                    let _ = action.await;
                });
            }
            Err(_) => tracing::error!("an action was abandoned outside a tokio runtime"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn an_abandoned_action_finishes_in_a_task() {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let completion = Completion::new(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            flag.store(true, Ordering::SeqCst);
        });
        // Poll once, then drop it, as hyper does when the client hangs up.
        let _ = tokio::time::timeout(Duration::from_millis(5), completion).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(done.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_panic_becomes_its_message() {
        let result = Completion::new(async { panic!("on purpose") }).await;
        assert_eq!(result, Err::<(), _>("on purpose".to_owned()));
    }

    #[tokio::test]
    async fn output_passes_through() {
        assert_eq!(Completion::new(async { 7 }).await, Ok(7));
    }
}
