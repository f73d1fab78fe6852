//! The Redis store: marks and entries shared by every server instance.
//!
//! Keys, under a namespace (`actum` by default):
//! - `<ns>:counter` — the counter marks take their values from (`INCR`);
//! - `<ns>:mark:<name>` — when `name` was last marked, kept [`MARK_TTL`];
//! - `<ns>:entry:<key>` — an entry as JSON, kept until it expires (at most a day);
//! - `<ns>:incarnation` — a random id written once: when it changes, Redis lost its data (a
//!   restart without persistence), the counter started over, and this instance forgets its own
//!   entries, which the new counter cannot vouch for.
//!
//! Every read costs one round trip (`MGET` of the counter and the marks, pipelined with the
//! entry's `GET` when the entry is not in this process). Marking is one `EVAL` that takes the
//! next counter value and records it under each name atomically.
//!
//! **When Redis is down or slow.** Each call waits at most the timeout (100 ms by default). A
//! failed call makes the store *unavailable*: the log says so once; reads are misses (the loader
//! runs, nothing is cached) and cost nothing for a second; then one request tries Redis again.
//! Marks that could not be written are kept and written when Redis is back (or, if too many,
//! everything is marked stale), this instance's own entries are forgotten, and the log says Redis
//! is back.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

use crate::core::{Core, MAX_LIFETIME};
use crate::marks::EVERYTHING;
use crate::store::Stamp;

/// How long a mark is kept: longer than any entry lives, so no entry outlives the mark that
/// makes it stale.
const MARK_TTL: Duration = Duration::from_secs(MAX_LIFETIME.as_secs() + 60 * 60);

/// How long an unavailable Redis is left alone before one request tries it again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Past this many marks waiting for Redis to come back, everything is marked stale instead.
const MAX_PENDING: usize = 10_000;

/// Takes the next counter value and records it under every name given (`KEYS[2..]`).
const MARK_SCRIPT: &str = "local n = redis.call('INCR', KEYS[1]) \
    for i = 2, #KEYS do redis.call('SET', KEYS[i], n, 'EX', ARGV[1]) end \
    return n";

/// The default time a call to Redis may take.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_millis(100);

pub(crate) struct RedisStore {
    client: redis::Client,
    namespace: String,
    timeout: Duration,
    state: Mutex<State>,
    /// This instance's id for the data it wrote into Redis (see the module's docs).
    incarnation: String,
}

#[derive(Default)]
struct State {
    connection: Option<MultiplexedConnection>,
    /// Set while Redis is unavailable: when the next request may try it.
    retry_at: Option<Instant>,
    /// The incarnation last seen in Redis.
    seen_incarnation: Option<String>,
    pending: BTreeSet<String>,
    pending_overflow: bool,
}

/// Why a call did not reach Redis.
enum Unreachable {
    /// Redis is known to be unavailable and not retried yet.
    Resting,
    Failed(String),
}

impl RedisStore {
    pub(crate) fn new(
        url: &str,
        namespace: String,
        timeout: Duration,
    ) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        Ok(Self {
            client,
            namespace,
            timeout,
            state: Mutex::new(State::default()),
            incarnation: random_id(),
        })
    }

    fn key(&self, kind: &str, name: &str) -> String {
        format!("{}:{kind}:{name}", self.namespace)
    }

    fn mark_keys(&self, names: &[String]) -> Vec<String> {
        names.iter().map(|n| self.key("mark", n)).collect()
    }

    /// The counter and the latest of `names`' marks.
    pub(crate) async fn stamp(&self, core: &Core, names: &[String]) -> Option<Stamp> {
        let mut pipe = redis::pipe();
        self.add_stamp(&mut pipe, names);
        let (incarnation, counter, marks): (Option<String>, Option<u64>, Vec<Option<u64>>) =
            self.query(core, &pipe).await?;
        let lost_data = self.check_incarnation(core, incarnation).await;
        Some(stamp_of(counter, &marks, lost_data))
    }

    /// [`Self::stamp`] and the entry under `key`, in one round trip.
    pub(crate) async fn stamp_and_get(
        &self,
        core: &Core,
        key: &str,
        names: &[String],
    ) -> Option<(Stamp, Option<Vec<u8>>)> {
        let mut pipe = redis::pipe();
        self.add_stamp(&mut pipe, names);
        pipe.get(self.key("entry", key));
        type Answer = (
            Option<String>,
            Option<u64>,
            Vec<Option<u64>>,
            Option<Vec<u8>>,
        );
        let (incarnation, counter, marks, entry): Answer = self.query(core, &pipe).await?;
        let lost_data = self.check_incarnation(core, incarnation).await;
        Some((stamp_of(counter, &marks, lost_data), entry))
    }

    fn add_stamp(&self, pipe: &mut redis::Pipeline, names: &[String]) {
        pipe.get(self.key("meta", "incarnation"))
            .get(self.key("meta", "counter"));
        // MGET of no key is an error; `*` is always among the names, but stay safe.
        let keys = self.mark_keys(names);
        if keys.is_empty() {
            pipe.cmd("MGET").arg(self.key("mark", EVERYTHING));
        } else {
            pipe.cmd("MGET").arg(keys);
        }
    }

    /// Stores an entry for every instance.
    pub(crate) async fn put(&self, core: &Core, key: &str, bytes: Vec<u8>, lifetime: Duration) {
        let seconds = lifetime.as_secs().max(1);
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(self.key("entry", key))
            .arg(bytes)
            .arg("EX")
            .arg(seconds)
            .ignore();
        let _: Option<()> = self.query(core, &pipe).await;
    }

    /// Records marks under `names`; kept for later when Redis cannot be reached.
    pub(crate) async fn mark(&self, core: &Core, names: &[String]) {
        if self.write_marks(core, names).await.is_none() {
            let mut state = self.lock();
            if state.pending.len() + names.len() > MAX_PENDING {
                state.pending.clear();
                state.pending_overflow = true;
            } else {
                state.pending.extend(names.iter().cloned());
            }
        }
    }

    async fn write_marks(&self, core: &Core, names: &[String]) -> Option<u64> {
        let mut pipe = redis::pipe();
        pipe.cmd("EVAL")
            .arg(MARK_SCRIPT)
            .arg(names.len() + 1)
            .arg(self.key("meta", "counter"))
            .arg(self.mark_keys(names))
            .arg(MARK_TTL.as_secs());
        let (counter,): (u64,) = self.query(core, &pipe).await?;
        Some(counter)
    }

    /// Runs `pipe`, within the timeout; `None` when Redis cannot be reached (logged once).
    async fn query<T: redis::FromRedisValue>(
        &self,
        core: &Core,
        pipe: &redis::Pipeline,
    ) -> Option<T> {
        let was_down = self.lock().retry_at.is_some();
        match self.try_query(pipe).await {
            Ok(value) => {
                if was_down {
                    self.recovered(core).await;
                }
                Some(value)
            }
            Err(Unreachable::Resting) => None,
            Err(Unreachable::Failed(reason)) => {
                let mut state = self.lock();
                state.connection = None;
                if state.retry_at.is_none() {
                    tracing::warn!(
                        %reason,
                        "actum-cache: Redis is unreachable; reads are misses and marks wait until it is back"
                    );
                }
                state.retry_at = Some(Instant::now() + RETRY_AFTER);
                None
            }
        }
    }

    async fn try_query<T: redis::FromRedisValue>(
        &self,
        pipe: &redis::Pipeline,
    ) -> Result<T, Unreachable> {
        let connection = {
            let mut state = self.lock();
            match state.retry_at {
                Some(at) if Instant::now() < at => return Err(Unreachable::Resting),
                // This request tries; the others keep resting meanwhile.
                Some(_) => state.retry_at = Some(Instant::now() + RETRY_AFTER),
                None => {}
            }
            state.connection.clone()
        };
        let work = async {
            let mut connection = match connection {
                Some(connection) => connection,
                None => {
                    let connection = self
                        .client
                        .get_multiplexed_async_connection()
                        .await
                        .map_err(|e| Unreachable::Failed(e.to_string()))?;
                    self.lock().connection = Some(connection.clone());
                    connection
                }
            };
            pipe.query_async::<T>(&mut connection)
                .await
                .map_err(|e| Unreachable::Failed(e.to_string()))
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(Unreachable::Failed(format!(
                "no answer within {} ms",
                self.timeout.as_millis()
            ))),
        }
    }

    /// Redis answers again: write the marks that waited, and forget this instance's entries.
    async fn recovered(&self, core: &Core) {
        let (pending, overflow) = {
            let mut state = self.lock();
            if state.retry_at.take().is_none() {
                return; // another request got here first
            }
            let overflow = std::mem::take(&mut state.pending_overflow);
            (std::mem::take(&mut state.pending), overflow)
        };
        core.forget_local();
        let names: Vec<String> = match overflow {
            true => vec![EVERYTHING.to_owned()],
            false => pending.into_iter().collect(),
        };
        if !names.is_empty() && Box::pin(self.write_marks(core, &names)).await.is_none() {
            self.lock().pending.extend(names);
        }
        tracing::info!("actum-cache: Redis is reachable again; caching resumes");
    }

    /// Notices Redis losing its data (and then forgets this instance's entries), writing the
    /// incarnation when it is missing. Returns whether the data was lost.
    async fn check_incarnation(&self, core: &Core, incarnation: Option<String>) -> bool {
        let current = match incarnation {
            Some(current) => current,
            None => {
                let mut pipe = redis::pipe();
                pipe.cmd("SET")
                    .arg(self.key("meta", "incarnation"))
                    .arg(&self.incarnation)
                    .arg("NX")
                    .ignore()
                    .get(self.key("meta", "incarnation"));
                match Box::pin(self.query::<(Option<String>,)>(core, &pipe)).await {
                    Some((Some(current),)) => current,
                    _ => return false,
                }
            }
        };
        let changed = {
            let mut state = self.lock();
            let changed = state
                .seen_incarnation
                .as_ref()
                .is_some_and(|seen| *seen != current);
            state.seen_incarnation = Some(current);
            changed
        };
        if changed {
            tracing::warn!("actum-cache: Redis lost its data; this instance forgets its entries");
            core.forget_local();
        }
        changed
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain data; a panic elsewhere cannot leave it half-written.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The stamp of one read; when Redis lost its data, nothing read before can be fresh.
fn stamp_of(counter: Option<u64>, marks: &[Option<u64>], lost_data: bool) -> Stamp {
    let latest = match lost_data {
        true => u64::MAX,
        false => marks.iter().flatten().copied().max().unwrap_or(0),
    };
    Stamp {
        now: counter.unwrap_or(0),
        latest,
    }
}

/// A random id, from the OS through the standard library's hasher seeds (no extra dependency:
/// it only needs to differ between processes, not to be secret).
fn random_id() -> String {
    use std::hash::{BuildHasher, RandomState};
    let a = RandomState::new().hash_one(std::process::id());
    let b = RandomState::new().hash_one(Instant::now());
    format!("{a:016x}{b:016x}")
}
