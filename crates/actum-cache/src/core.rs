//! The machinery behind [`Cache`](crate::Cache): entries in this process's memory (moka), the
//! marks in the store, one load at a time per key.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::marks;
use crate::store::{MemoryMarks, Stamp};

/// The longest any entry lives, whatever its lifetime says. It bounds how long Redis must keep
/// a mark (`store`), and the memory of entries nobody revalidates.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// What a value kept in the cache must be: cloned out on a hit, and serialized when it is shared
/// through Redis (required on one process too, so that moving to Redis changes no code).
pub trait Cacheable: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {}

impl<T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static> Cacheable for T {}

/// One entry in this process's memory.
pub(crate) struct Local {
    value: Arc<dyn Any + Send + Sync>,
    /// The counter when the entry's load began.
    made: u64,
    expires: Instant,
}

/// An entry as Redis keeps it, for every instance.
#[derive(Serialize, serde::Deserialize)]
pub(crate) struct Shared<T> {
    pub(crate) made: u64,
    /// Milliseconds since the Unix epoch when the entry expires.
    pub(crate) expires_at: u64,
    pub(crate) value: T,
}

/// What reading a key found.
pub(crate) enum Read<T> {
    Hit(T),
    /// Not there or stale: load, and record `made` with what is loaded.
    Miss {
        made: u64,
    },
    /// The store cannot be reached: load without caching.
    Unavailable,
}

pub(crate) enum Backend {
    Memory(MemoryMarks),
    #[cfg(feature = "redis")]
    Redis(Box<crate::redis::RedisStore>),
}

pub(crate) struct Core {
    local: moka::sync::Cache<String, Arc<Local>>,
    loading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    pub(crate) backend: Backend,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("entries", &self.local.entry_count())
            .finish_non_exhaustive()
    }
}

impl Core {
    pub(crate) fn new(max_entries: u64, backend: Backend) -> Self {
        let local = moka::sync::Cache::builder()
            .max_capacity(max_entries)
            .time_to_live(MAX_LIFETIME)
            .build();
        Self {
            local,
            loading: Mutex::new(HashMap::new()),
            backend,
        }
    }

    /// Reads `key`, checked against `names` (see [`marks::checked`]).
    pub(crate) async fn read<T: Cacheable>(&self, key: &str, names: &[String]) -> Read<T> {
        let local = self.local.get(key).filter(|l| l.expires > Instant::now());
        match &self.backend {
            Backend::Memory(marks) => {
                let stamp = marks.stamp(names);
                local
                    .and_then(|l| hit::<T>(&l, stamp))
                    .map_or(Read::Miss { made: stamp.now }, Read::Hit)
            }
            #[cfg(feature = "redis")]
            Backend::Redis(store) => self.read_shared(store, key, names, local).await,
        }
    }

    #[cfg(feature = "redis")]
    async fn read_shared<T: Cacheable>(
        &self,
        store: &crate::redis::RedisStore,
        key: &str,
        names: &[String],
        local: Option<Arc<Local>>,
    ) -> Read<T> {
        if let Some(local) = local {
            let Some(stamp) = store.stamp(self, names).await else {
                return Read::Unavailable;
            };
            return hit::<T>(&local, stamp).map_or(Read::Miss { made: stamp.now }, Read::Hit);
        }
        let Some((stamp, bytes)) = store.stamp_and_get(self, key, names).await else {
            return Read::Unavailable;
        };
        let shared = bytes.and_then(|b| serde_json::from_slice::<Shared<T>>(&b).ok());
        match shared {
            Some(shared) if stamp.fresh(shared.made) => {
                let expires = instant_of(shared.expires_at);
                self.keep(key, shared.value.clone(), shared.made, expires);
                Read::Hit(shared.value)
            }
            _ => Read::Miss { made: stamp.now },
        }
    }

    /// Keeps `value`, loaded from counter value `made`, for at most `lifetime`.
    pub(crate) async fn write<T: Cacheable>(
        &self,
        key: &str,
        value: &T,
        made: u64,
        lifetime: Duration,
    ) {
        let lifetime = lifetime.min(MAX_LIFETIME);
        self.keep(key, value.clone(), made, Instant::now() + lifetime);
        #[cfg(feature = "redis")]
        if let Backend::Redis(store) = &self.backend {
            let expires_at = unix_millis(SystemTime::now() + lifetime);
            let shared = Shared {
                made,
                expires_at,
                value,
            };
            match serde_json::to_vec(&shared) {
                Ok(bytes) => store.put(self, key, bytes, lifetime).await,
                Err(err) => {
                    tracing::warn!(key, %err, "cache entry not shared: it does not serialize")
                }
            }
        }
    }

    fn keep<T: Cacheable>(&self, key: &str, value: T, made: u64, expires: Instant) {
        let local = Local {
            value: Arc::new(value),
            made,
            expires,
        };
        self.local.insert(key.to_owned(), Arc::new(local));
    }

    /// Records marks under `names`: every entry checked against one of them and made before now
    /// becomes stale, in this process and (on Redis) in every other.
    pub(crate) async fn mark(&self, names: &[String]) {
        if names.is_empty() {
            return;
        }
        match &self.backend {
            Backend::Memory(marks) => marks.mark(names),
            #[cfg(feature = "redis")]
            Backend::Redis(store) => store.mark(self, names).await,
        }
    }

    /// Forgets every entry kept in this process (the store's marks cannot vouch for them).
    pub(crate) fn forget_local(&self) {
        self.local.invalidate_all();
    }

    /// Waits until no other load of `key` is under way; the guard lets the next one in.
    pub(crate) async fn loading(&self, key: &str) -> LoadGuard<'_> {
        let lock = {
            let mut loading = lock(&self.loading);
            Arc::clone(loading.entry(key.to_owned()).or_default())
        };
        let guard = Arc::clone(&lock).lock_owned().await;
        LoadGuard {
            core: self,
            key: key.to_owned(),
            guard: Some(guard),
        }
    }
}

/// The value of `local` when it is fresh by `stamp` and of type `T`.
fn hit<T: Cacheable>(local: &Local, stamp: Stamp) -> Option<T> {
    if !stamp.fresh(local.made) {
        return None;
    }
    // Another type under the same key is a miss: the load that follows replaces the entry.
    local.value.downcast_ref::<T>().cloned()
}

/// Held while a key loads; on drop, removes the key's lock when nobody else waits on it.
pub(crate) struct LoadGuard<'a> {
    core: &'a Core,
    key: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for LoadGuard<'_> {
    fn drop(&mut self) {
        let mut loading = lock(&self.core.loading);
        self.guard = None;
        // One reference in the map and none elsewhere: no load waits, so forget the lock.
        if loading
            .get(&self.key)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            loading.remove(&self.key);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The map only holds locks; a panic elsewhere cannot leave it inconsistent.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The instant at `millis` since the Unix epoch (now, if that has passed).
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn instant_of(millis: u64) -> Instant {
    let left = millis.saturating_sub(unix_millis(SystemTime::now()));
    Instant::now() + Duration::from_millis(left).min(MAX_LIFETIME)
}

/// The names an entry read while serving `page` is checked against.
pub(crate) fn names_for(tags: &[String], page: Option<&str>) -> Vec<String> {
    marks::checked(tags, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core() -> Core {
        Core::new(100, Backend::Memory(MemoryMarks::default()))
    }

    #[tokio::test]
    async fn a_written_entry_is_a_hit_until_a_name_it_is_checked_against_is_marked() {
        let core = core();
        let names = names_for(&["posts".into()], Some("/"));
        let Read::<u32>::Miss { made } = core.read("k", &names).await else {
            panic!("empty cache")
        };
        core.write("k", &7u32, made, MAX_LIFETIME).await;
        assert!(matches!(core.read::<u32>("k", &names).await, Read::Hit(7)));
        core.mark(&[marks::tag("posts")]).await;
        assert!(matches!(
            core.read::<u32>("k", &names).await,
            Read::Miss { .. }
        ));
    }

    #[tokio::test]
    async fn another_type_under_the_same_key_is_a_miss() {
        let core = core();
        core.write("k", &7u32, 0, MAX_LIFETIME).await;
        assert!(matches!(
            core.read::<String>("k", &[]).await,
            Read::Miss { .. }
        ));
    }

    #[tokio::test]
    async fn an_expired_entry_is_a_miss() {
        let core = core();
        core.write("k", &7u32, 0, Duration::ZERO).await;
        assert!(matches!(
            core.read::<u32>("k", &[]).await,
            Read::Miss { .. }
        ));
    }

    #[tokio::test]
    async fn the_load_lock_is_forgotten_when_released() {
        let core = core();
        drop(core.loading("k").await);
        assert!(lock(&core.loading).is_empty());
    }
}
