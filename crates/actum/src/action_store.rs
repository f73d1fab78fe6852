//! [`ActionStore`]: where the outcomes of exactly-once calls and the counters of rate limits
//! live, in this process ([`MemoryStore`], the default) or shared by every instance
//! (`actum_cache::RedisActionStore`, with the cache's `redis` feature).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A future returned by an [`ActionStore`] method.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// What [`ActionStore::claim`] found under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nothing: the key is now claimed by this call, for the lease given.
    Claimed,
    /// Another call claimed it and has not finished.
    Running,
    /// Another call finished: its recorded outcome, as given to [`ActionStore::complete`].
    Done(Vec<u8>),
}

/// A rate-limit counter after one more hit: how many calls its window has seen, and when the
/// window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    /// The calls counted in the current window, this one included.
    pub count: u64,
    /// How long until the window ends (and the count starts over).
    pub resets_in: Duration,
}

/// A store that could not answer (Redis down, say). The layer then lets the call run: during
/// an outage a retry may run twice and rate limits do not apply; the log says so.
///
/// ```
/// let err = actum::StoreError::new("redis: connection refused");
/// assert_eq!(err.to_string(), "the action store failed: redis: connection refused");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(String);

impl StoreError {
    /// An error saying what failed.
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the action store failed: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// Where the outcomes of exactly-once calls and the counters of rate limits are kept, set with
/// [`ActionsLayer::store`](crate::ActionsLayer::store). Keys are made by actum (hashes, at most
/// 80 ASCII characters); values are opaque bytes.
///
/// Each method must be atomic across every instance sharing the store: two calls that claim the
/// same key at once get one [`Claim::Claimed`] between them.
///
/// ```
/// use actum::{ActionStore, Claim, Hits, MemoryStore, StoreFuture};
/// use std::time::Duration;
///
/// /// A store that logs, in front of another.
/// struct Logged(MemoryStore);
///
/// impl ActionStore for Logged {
///     fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
///         println!("claim {key}");
///         self.0.claim(key, lease)
///     }
///     fn complete<'a>(&'a self, key: &'a str, outcome: Vec<u8>, lifetime: Duration) -> StoreFuture<'a, ()> {
///         self.0.complete(key, outcome, lifetime)
///     }
///     fn abandon<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
///         self.0.abandon(key)
///     }
///     fn keep<'a>(&'a self, key: &'a str, value: Vec<u8>, lifetime: Duration) -> StoreFuture<'a, ()> {
///         self.0.keep(key, value, lifetime)
///     }
///     fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
///         self.0.take(key)
///     }
///     fn hit<'a>(&'a self, key: &'a str, window: Duration) -> StoreFuture<'a, Hits> {
///         self.0.hit(key, window)
///     }
/// }
///
/// let layer = actum::ActionsLayer::new().store(Logged(MemoryStore::default()));
/// ```
pub trait ActionStore: Send + Sync + 'static {
    /// Claims `key` for `lease` if nothing is under it; else says what is.
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim>;

    /// Records the outcome of the call that claimed `key`, kept for `lifetime`.
    fn complete<'a>(
        &'a self,
        key: &'a str,
        outcome: Vec<u8>,
        lifetime: Duration,
    ) -> StoreFuture<'a, ()>;

    /// Releases a claim whose call did not run (refused before the action's body), so that a
    /// retry runs it. Leaves a recorded outcome alone.
    fn abandon<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;

    /// Counts one call under `key` in a window of `window` that starts with its first call.
    fn hit<'a>(&'a self, key: &'a str, window: Duration) -> StoreFuture<'a, Hits>;

    /// Keeps `value` under `key` for `lifetime`, for one [`ActionStore::take`]: the form state
    /// of a native post waiting for the GET its 303 leads to (which may reach another instance).
    fn keep<'a>(&'a self, key: &'a str, value: Vec<u8>, lifetime: Duration) -> StoreFuture<'a, ()>;

    /// Removes and returns what [`ActionStore::keep`] put under `key`, if it is there and has not
    /// expired; at most one caller gets it.
    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;

    /// Whether every server instance sees this store (Redis, say), so that the form state of
    /// native posts goes through it too. `false` by default: in one process, form state stays
    /// in the layer's own memory, which is faster.
    fn is_shared(&self) -> bool {
        false
    }
}

/// The default [`ActionStore`]: this process's memory, bounded (the oldest outcomes go first
/// past [`MemoryStore::DEFAULT_CAPACITY`] keys). Enough for one instance; several instances
/// share a store on Redis instead.
///
/// ```
/// # tokio_test_block(async {
/// use actum::{ActionStore, Claim, MemoryStore};
/// use std::time::Duration;
///
/// let store = MemoryStore::default();
/// let minute = Duration::from_secs(60);
/// assert_eq!(store.claim("k", minute).await.unwrap(), Claim::Claimed);
/// assert_eq!(store.claim("k", minute).await.unwrap(), Claim::Running);
/// store.complete("k", b"outcome".to_vec(), minute).await.unwrap();
/// assert_eq!(store.claim("k", minute).await.unwrap(), Claim::Done(b"outcome".to_vec()));
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<Memory>>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Memory {
    values: HashMap<String, (Value, Instant)>,
    /// Keys in the order they were written, to evict the oldest.
    order: VecDeque<String>,
}

#[derive(Debug, Clone)]
enum Value {
    Running,
    Done(Vec<u8>),
    Count(u64),
    Kept(Vec<u8>),
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }
}

impl MemoryStore {
    /// How many keys the default store keeps at most.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// A store that keeps at most `capacity` keys (outcomes and counters).
    ///
    /// ```
    /// let store = actum::MemoryStore::with_capacity(1_000);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        // Plain data: a panic elsewhere cannot leave it half-written.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Memory {
    fn live(&mut self, key: &str, now: Instant) -> Option<&mut (Value, Instant)> {
        if self.values.get(key).is_some_and(|(_, until)| *until <= now) {
            self.values.remove(key);
        }
        self.values.get_mut(key)
    }

    fn insert(&mut self, key: &str, value: Value, until: Instant, capacity: usize) {
        if self.values.insert(key.to_owned(), (value, until)).is_none() {
            self.order.push_back(key.to_owned());
        }
        while self.values.len() > capacity {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.values.remove(&oldest);
        }
        // Keys removed by expiry or abandon linger in `order`; drop them when it doubles.
        if self.order.len() > 2 * capacity {
            let values = &self.values;
            self.order.retain(|key| values.contains_key(key));
        }
    }
}

impl ActionStore for MemoryStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        let now = Instant::now();
        let mut memory = self.lock();
        let claim = match memory.live(key, now) {
            Some((Value::Done(outcome), _)) => Claim::Done(outcome.clone()),
            Some(_) => Claim::Running,
            None => {
                memory.insert(key, Value::Running, now + lease, self.capacity);
                Claim::Claimed
            }
        };
        Box::pin(std::future::ready(Ok(claim)))
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        outcome: Vec<u8>,
        lifetime: Duration,
    ) -> StoreFuture<'a, ()> {
        let until = Instant::now() + lifetime;
        self.lock()
            .insert(key, Value::Done(outcome), until, self.capacity);
        Box::pin(std::future::ready(Ok(())))
    }

    fn abandon<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        let mut memory = self.lock();
        if matches!(memory.values.get(key), Some((Value::Running, _))) {
            memory.values.remove(key);
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn hit<'a>(&'a self, key: &'a str, window: Duration) -> StoreFuture<'a, Hits> {
        let now = Instant::now();
        let mut memory = self.lock();
        let hits = match memory.live(key, now) {
            Some((Value::Count(count), until)) => {
                *count += 1;
                Hits {
                    count: *count,
                    resets_in: until.saturating_duration_since(now),
                }
            }
            _ => {
                let window = window.max(Duration::from_millis(1));
                memory.insert(key, Value::Count(1), now + window, self.capacity);
                Hits {
                    count: 1,
                    resets_in: window,
                }
            }
        };
        Box::pin(std::future::ready(Ok(hits)))
    }

    fn keep<'a>(&'a self, key: &'a str, value: Vec<u8>, lifetime: Duration) -> StoreFuture<'a, ()> {
        let until = Instant::now() + lifetime;
        self.lock()
            .insert(key, Value::Kept(value), until, self.capacity);
        Box::pin(std::future::ready(Ok(())))
    }

    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let mut memory = self.lock();
        let kept = match memory.live(key, Instant::now()) {
            Some((Value::Kept(_), _)) => match memory.values.remove(key) {
                Some((Value::Kept(value), _)) => Some(value),
                _ => None,
            },
            _ => None,
        };
        Box::pin(std::future::ready(Ok(kept)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_claim_expires_with_its_lease() {
        let store = MemoryStore::default();
        let short = Duration::from_millis(20);
        assert_eq!(store.claim("k", short).await, Ok(Claim::Claimed));
        assert_eq!(store.claim("k", short).await, Ok(Claim::Running));
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(store.claim("k", short).await, Ok(Claim::Claimed));
    }

    #[tokio::test]
    async fn abandon_releases_a_claim_but_not_an_outcome() {
        let store = MemoryStore::default();
        let minute = Duration::from_secs(60);
        assert_eq!(store.claim("a", minute).await, Ok(Claim::Claimed));
        assert_eq!(store.abandon("a").await, Ok(()));
        assert_eq!(store.claim("a", minute).await, Ok(Claim::Claimed));
        assert_eq!(store.complete("a", vec![1], minute).await, Ok(()));
        assert_eq!(store.abandon("a").await, Ok(()));
        assert_eq!(store.claim("a", minute).await, Ok(Claim::Done(vec![1])));
    }

    #[tokio::test]
    async fn counters_count_within_their_window() {
        let store = MemoryStore::default();
        let window = Duration::from_millis(30);
        assert_eq!(store.hit("r", window).await.map(|h| h.count), Ok(1));
        assert_eq!(store.hit("r", window).await.map(|h| h.count), Ok(2));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(store.hit("r", window).await.map(|h| h.count), Ok(1));
    }

    #[tokio::test]
    async fn the_oldest_keys_go_first() {
        let store = MemoryStore::with_capacity(2);
        let minute = Duration::from_secs(60);
        for key in ["a", "b", "c"] {
            assert_eq!(store.claim(key, minute).await, Ok(Claim::Claimed));
        }
        assert_eq!(store.claim("a", minute).await, Ok(Claim::Claimed));
        assert_eq!(store.claim("c", minute).await, Ok(Claim::Running));
    }
}
