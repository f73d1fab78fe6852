//! [`RedisActionStore`]: actum's [`ActionStore`] on Redis, so that exactly-once keys and rate
//! limits hold across every instance of an app.
//!
//! Keys, under a namespace (`actum` by default): `<ns>:once:<hash>` holds `R` while the first
//! call runs (expiring with its lease) and then `D` followed by its outcome (expiring with the
//! exactly-once lifetime); `<ns>:rate:<hash>` is a counter that expires with its window. Each
//! operation is one atomic script, so two instances claiming one key at once get one claim.
//!
//! When Redis cannot be reached within the timeout, the store answers an error and actum lets
//! the call run (the log says so): availability over exactly-once while Redis is down.

use std::sync::Mutex;
use std::time::Duration;

use actum::{ActionStore, Claim, Hits, StoreError, StoreFuture};
use redis::aio::MultiplexedConnection;

/// Returns the value under `KEYS[1]`, or claims it with `R` for `ARGV[1]` ms and returns nil.
const CLAIM: &str = "local v = redis.call('GET', KEYS[1]) \
    if v then return v end \
    redis.call('SET', KEYS[1], 'R', 'PX', ARGV[1]) \
    return false";

/// Deletes `KEYS[1]` if it is still a claim (not an outcome).
const ABANDON: &str = "if redis.call('GET', KEYS[1]) == 'R' then redis.call('DEL', KEYS[1]) end \
    return 1";

/// Counts one hit; the window starts with the first. Returns the count and the ms left.
const HIT: &str = "local n = redis.call('INCR', KEYS[1]) \
    if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end \
    local ttl = redis.call('PTTL', KEYS[1]) \
    if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end \
    return {n, ttl}";

/// An [`ActionStore`] on Redis, shared by every instance that uses the same URL and namespace.
///
/// ```
/// # #[cfg(feature = "redis")] {
/// let store = actum_cache::RedisActionStore::new("redis://127.0.0.1:6379/").unwrap()
///     .namespace("blog");
/// let layer = actum::ActionsLayer::new().store(store);
/// # }
/// ```
pub struct RedisActionStore {
    client: redis::Client,
    namespace: String,
    timeout: Duration,
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl std::fmt::Debug for RedisActionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisActionStore")
            .field("namespace", &self.namespace)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RedisActionStore {
    /// A store on the Redis at `url`, namespace `actum`, timeout 100 ms. Fails only on a
    /// malformed URL: Redis being down at startup is the same as Redis going down later.
    ///
    /// ```
    /// # #[cfg(feature = "redis")] {
    /// assert!(actum_cache::RedisActionStore::new("not a url").is_err());
    /// # }
    /// ```
    pub fn new(url: &str) -> Result<Self, crate::CacheError> {
        let client = redis::Client::open(url)
            .map_err(|err| crate::CacheError(format!("invalid Redis URL `{url}`: {err}")))?;
        Ok(Self {
            client,
            namespace: "actum".to_owned(),
            timeout: crate::redis::DEFAULT_TIMEOUT,
            connection: Mutex::new(None),
        })
    }

    /// The prefix of every key (default `actum`): apps sharing one Redis use different ones.
    ///
    /// ```
    /// # #[cfg(feature = "redis")] {
    /// let store = actum_cache::RedisActionStore::new("redis://127.0.0.1/").unwrap().namespace("shop");
    /// # }
    /// ```
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// How long one call to Redis may take (default 100 ms); past it the call runs as if the
    /// store were not there.
    ///
    /// ```
    /// # #[cfg(feature = "redis")] {
    /// let store = actum_cache::RedisActionStore::new("redis://127.0.0.1/").unwrap()
    ///     .timeout(std::time::Duration::from_millis(50));
    /// # }
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.namespace)
    }

    /// Runs one script within the timeout, on a kept connection (or a new one).
    async fn eval<T: redis::FromRedisValue>(
        &self,
        script: &str,
        key: &str,
        args: &[&[u8]],
    ) -> Result<T, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(1).arg(self.key(key));
        for arg in args {
            cmd.arg(*arg);
        }
        let kept = self.lock().clone();
        let work = async {
            if let Some(mut connection) = kept
                && let Ok(value) = cmd.query_async::<T>(&mut connection).await
            {
                return Ok(value);
            }
            // No connection yet, or it died with a Redis restart: one more try on a new one.
            let mut connection = self
                .client
                .get_multiplexed_async_connection()
                .await
                .map_err(|e| StoreError::new(format!("redis: {e}")))?;
            *self.lock() = Some(connection.clone());
            cmd.query_async::<T>(&mut connection)
                .await
                .map_err(|e| StoreError::new(format!("redis: {e}")))
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(result) => result,
            Err(_) => {
                *self.lock() = None;
                Err(StoreError::new(format!(
                    "redis: no answer within {} ms",
                    self.timeout.as_millis()
                )))
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<MultiplexedConnection>> {
        // A connection handle: a panic elsewhere cannot leave it half-written.
        self.connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn millis(duration: Duration) -> Vec<u8> {
    duration.as_millis().max(1).to_string().into_bytes()
}

impl ActionStore for RedisActionStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        Box::pin(async move {
            let value: Option<Vec<u8>> = self.eval(CLAIM, key, &[&millis(lease)]).await?;
            Ok(match value {
                None => Claim::Claimed,
                Some(value) => match value.split_first() {
                    Some((b'D', outcome)) => Claim::Done(outcome.to_vec()),
                    _ => Claim::Running,
                },
            })
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        outcome: Vec<u8>,
        lifetime: Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut value = Vec::with_capacity(outcome.len() + 1);
            value.push(b'D');
            value.extend_from_slice(&outcome);
            let script = "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1";
            let _: i64 = self.eval(script, key, &[&value, &millis(lifetime)]).await?;
            Ok(())
        })
    }

    fn abandon<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let _: i64 = self.eval(ABANDON, key, &[]).await?;
            Ok(())
        })
    }

    fn hit<'a>(&'a self, key: &'a str, window: Duration) -> StoreFuture<'a, Hits> {
        Box::pin(async move {
            let (count, left): (u64, i64) = self.eval(HIT, key, &[&millis(window)]).await?;
            Ok(Hits {
                count,
                resets_in: Duration::from_millis(left.max(0) as u64),
            })
        })
    }

    fn keep<'a>(&'a self, key: &'a str, value: Vec<u8>, lifetime: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut kept = Vec::with_capacity(value.len() + 1);
            kept.push(b'K');
            kept.extend_from_slice(&value);
            let script = "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1";
            let _: i64 = self.eval(script, key, &[&kept, &millis(lifetime)]).await?;
            Ok(())
        })
    }

    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            // GET and DEL in one step: of two instances asking at once, one gets it.
            let script = "local v = redis.call('GET', KEYS[1]) \
                if v and string.sub(v, 1, 1) == 'K' then redis.call('DEL', KEYS[1]) return v end \
                return false";
            let value: Option<Vec<u8>> = self.eval(script, key, &[]).await?;
            Ok(value.and_then(|v| v.split_first().map(|(_, rest)| rest.to_vec())))
        })
    }

    fn is_shared(&self) -> bool {
        true
    }
}
