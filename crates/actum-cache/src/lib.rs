//! # actum-cache — the data cache and page cache behind `revalidate_tag` and `revalidate_path`
//!
//! An action ends with `actum::revalidate_tag("posts")`, and the page that comes back in its
//! answer already shows fresh data. This crate is the cache that makes those words mean
//! something:
//!
//! - **Data cache.** [`Cache::entry`] loads a value once and keeps it, under a key, with tags
//!   and an optional lifetime. Concurrent misses for one key load once. Entries are bounded in
//!   memory ([moka](https://docs.rs/moka)).
//! - **Revalidation.** Give the cache to the actions layer with
//!   [`ActionsLayer::cache`](actum::ActionsLayer::cache): what an action marks with
//!   [`revalidate_tag`](actum::revalidate_tag), [`revalidate_path`](actum::revalidate_path) or
//!   [`revalidate_layout`](actum::revalidate_layout) is dropped before its answer is sent, so
//!   the page re-rendered in that answer, and every request after it, reads fresh data. Other
//!   server code calls [`Cache::revalidate_tag`] and friends directly.
//! - **Page cache.** [`Cache::pages`] is a layer for public GET routes: whole responses cached by
//!   path and tags, never a response that sets a cookie or a request that carries one (unless
//!   the page is keyed by it), with `ETag`, `Cache-Control` and `Vary`.
//! - **Several instances.** With the `redis` feature, [`Cache::redis`] shares entries and
//!   revalidation between server instances: once an action's answer is sent, a request on any
//!   instance sees fresh data. When Redis is down or slow, reads are misses within a bounded
//!   time, actions still succeed, and the cache resumes when Redis is back.
//!
//! ```
//! use actum::ActionsLayer;
//! use actum_cache::Cache;
//! use axum::{Router, extract::State, routing::get};
//!
//! #[derive(Clone)]
//! struct App { cache: Cache }
//!
//! async fn count_posts() -> Result<u64, std::io::Error> { Ok(3) } // a database query
//!
//! async fn home(State(app): State<App>) -> Result<String, String> {
//!     let posts = app.cache.entry("post-count").tag("posts")
//!         .load(count_posts).await
//!         .map_err(|e| e.to_string())?;
//!     Ok(format!("{posts} posts"))
//! }
//!
//! #[actum::action]
//! async fn publish(_: ()) {
//!     // … write the post, then:
//!     actum::revalidate_tag("posts");
//! }
//!
//! # use actum::RouterExt;
//! let cache = Cache::memory();
//! let app: Router = ActionsLayer::new().cache(cache.clone()).wrap(
//!     Router::new()
//!         .route("/", get(home))
//!         .action(publish)
//!         .with_state(App { cache }),
//! );
//! ```
//!
//! How it works: `docs/cache.md` in the repository. Revalidating never walks the entries: it
//! records when a tag or path was marked, and an entry read later is checked against the marks
//! of its tags and of the page reading it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
#[cfg(feature = "redis")]
use std::time::Duration;

#[cfg(feature = "redis")]
mod action_store;
mod core;
mod entry;
mod marks;
mod page;
#[cfg(feature = "redis")]
mod redis;
mod store;

pub use crate::core::Cacheable;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use action_store::RedisActionStore;
pub use entry::Entry;
pub use page::{CACHE_STATUS, DEFAULT_MAX_PAGE_BYTES, PageCache, PageCacheService};

use crate::core::{Backend, Core};
use crate::store::MemoryMarks;

/// The default bound on the number of entries kept in this process.
pub const DEFAULT_MAX_ENTRIES: u64 = 10_000;

/// A tagged data cache and page cache; cheap to clone (clones share everything).
///
/// ```
/// let cache = actum_cache::Cache::memory();
/// let layer = actum::ActionsLayer::new().cache(cache.clone());
/// ```
#[derive(Clone)]
pub struct Cache {
    core: Arc<Core>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self.core.backend {
            Backend::Memory(_) => "memory",
            #[cfg(feature = "redis")]
            Backend::Redis(_) => "redis",
        };
        f.debug_struct("Cache").field("backend", &backend).finish()
    }
}

impl Cache {
    /// A cache in this process's memory, for one server instance, bounded to
    /// [`DEFAULT_MAX_ENTRIES`] entries.
    ///
    /// ```
    /// let cache = actum_cache::Cache::memory();
    /// ```
    pub fn memory() -> Self {
        Self::builder().build()
    }

    /// Settings for a cache: its bound, and Redis.
    ///
    /// ```
    /// let cache = actum_cache::Cache::builder().max_entries(1_000).build();
    /// ```
    pub fn builder() -> CacheBuilder {
        CacheBuilder {
            max_entries: DEFAULT_MAX_ENTRIES,
            #[cfg(feature = "redis")]
            redis: None,
        }
    }

    /// A cache shared through Redis by every server instance that uses the same `url`, with the
    /// default settings (see [`CacheBuilder::redis`]). Fails only on a malformed URL: Redis being
    /// down at startup is the same as Redis going down later.
    ///
    /// ```
    /// # #[cfg(feature = "redis")] {
    /// let cache = actum_cache::Cache::redis("redis://127.0.0.1:6379/").unwrap();
    /// # }
    /// ```
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis(url: &str) -> Result<Self, CacheError> {
        Ok(Self::builder().redis(url)?.build())
    }

    /// The entry under `key`: say its tags and lifetime, then [`Entry::load`] it.
    ///
    /// ```
    /// # async fn demo(cache: actum_cache::Cache) -> Result<(), std::io::Error> {
    /// let titles: Vec<String> = cache
    ///     .entry("titles")
    ///     .tag("posts")
    ///     .lifetime(std::time::Duration::from_secs(60))
    ///     .load(|| async { Ok::<_, std::io::Error>(vec!["Hello".to_owned()]) })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn entry(&self, key: impl Into<String>) -> Entry<'_> {
        Entry::new(&self.core, key.into())
    }

    /// A layer that caches whole responses of the GET routes it wraps (see [`PageCache`]).
    ///
    /// ```
    /// use axum::{Router, routing::get};
    ///
    /// let cache = actum_cache::Cache::memory();
    /// let app: Router = Router::new()
    ///     .route("/posts", get(|| async { "the posts" }))
    ///     .route_layer(cache.pages().tag("posts"));
    /// ```
    pub fn pages(&self) -> PageCache {
        PageCache::new(Arc::clone(&self.core))
    }

    /// Drops every entry and page tagged `tag`, here and on every instance sharing the cache.
    ///
    /// ```
    /// # async fn demo(cache: actum_cache::Cache) {
    /// cache.revalidate_tag("posts").await;
    /// # }
    /// ```
    pub async fn revalidate_tag(&self, tag: &str) {
        self.core.mark(&[marks::tag(tag)]).await;
    }

    /// Drops the page at `path` and what it read (matched exactly, without its query).
    ///
    /// ```
    /// # async fn demo(cache: actum_cache::Cache) {
    /// cache.revalidate_path("/posts/7").await;
    /// # }
    /// ```
    pub async fn revalidate_path(&self, path: &str) {
        self.core.mark(&[marks::path(path)]).await;
    }

    /// Drops the pages at and under `prefix`, and what they read (`/` reaches every page).
    ///
    /// ```
    /// # async fn demo(cache: actum_cache::Cache) {
    /// cache.revalidate_layout("/posts").await;
    /// # }
    /// ```
    pub async fn revalidate_layout(&self, prefix: &str) {
        self.core.mark(&[marks::layout(prefix)]).await;
    }

    /// Drops everything, here and on every instance sharing the cache.
    ///
    /// ```
    /// # async fn demo(cache: actum_cache::Cache) {
    /// cache.revalidate_all().await;
    /// # }
    /// ```
    pub async fn revalidate_all(&self) {
        self.core.mark(&[marks::EVERYTHING.to_owned()]).await;
    }
}

impl actum::Revalidate for Cache {
    fn revalidate<'a>(
        &'a self,
        marks: &'a actum::Revalidation,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move { self.core.mark(&marks::marked(marks)).await })
    }
}

/// Settings for a [`Cache`], from [`Cache::builder`].
#[derive(Debug)]
#[must_use = "call .build() to get the cache"]
pub struct CacheBuilder {
    max_entries: u64,
    #[cfg(feature = "redis")]
    redis: Option<RedisSettings>,
}

#[cfg(feature = "redis")]
#[derive(Debug)]
struct RedisSettings {
    url: String,
    namespace: String,
    timeout: Duration,
}

impl CacheBuilder {
    /// At most this many entries (pages included) are kept in this process; the least used go
    /// first. Default [`DEFAULT_MAX_ENTRIES`].
    ///
    /// ```
    /// let cache = actum_cache::Cache::builder().max_entries(500).build();
    /// ```
    pub fn max_entries(mut self, entries: u64) -> Self {
        self.max_entries = entries;
        self
    }

    /// Shares entries and revalidation through the Redis at `url` (`redis://host:port/db`).
    /// Every instance that must see the others' changes uses the same URL and namespace. Fails
    /// only on a malformed URL.
    ///
    /// ```
    /// # #[cfg(feature = "redis")] {
    /// let cache = actum_cache::Cache::builder()
    ///     .redis("redis://127.0.0.1:6379/")
    ///     .unwrap()
    ///     .redis_namespace("blog")
    ///     .redis_timeout(std::time::Duration::from_millis(50))
    ///     .build();
    /// # }
    /// ```
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis(mut self, url: &str) -> Result<Self, CacheError> {
        redis_crate_check(url)?;
        self.redis = Some(RedisSettings {
            url: url.to_owned(),
            namespace: "actum".to_owned(),
            timeout: crate::redis::DEFAULT_TIMEOUT,
        });
        Ok(self)
    }

    /// The prefix of every Redis key (default `actum`): apps sharing one Redis use different
    /// ones.
    ///
    /// ```
    /// # #[cfg(feature = "redis")] {
    /// let cache = actum_cache::Cache::builder().redis("redis://127.0.0.1/").unwrap()
    ///     .redis_namespace("shop").build();
    /// # }
    /// ```
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis_namespace(mut self, namespace: impl Into<String>) -> Self {
        if let Some(redis) = &mut self.redis {
            redis.namespace = namespace.into();
        }
        self
    }

    /// How long one call to Redis may take before Redis counts as unavailable (default 100 ms).
    ///
    /// ```
    /// # #[cfg(feature = "redis")] {
    /// let cache = actum_cache::Cache::builder().redis("redis://127.0.0.1/").unwrap()
    ///     .redis_timeout(std::time::Duration::from_millis(20)).build();
    /// # }
    /// ```
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis_timeout(mut self, timeout: Duration) -> Self {
        if let Some(redis) = &mut self.redis {
            redis.timeout = timeout;
        }
        self
    }

    /// The cache.
    ///
    /// ```
    /// let cache = actum_cache::Cache::builder().build();
    /// ```
    pub fn build(self) -> Cache {
        #[cfg(feature = "redis")]
        let backend = match self.redis {
            Some(settings) => {
                match crate::redis::RedisStore::new(
                    &settings.url,
                    settings.namespace,
                    settings.timeout,
                ) {
                    Ok(store) => Backend::Redis(Box::new(store)),
                    // The URL was checked by `redis()`.
                    Err(_) => Backend::Memory(MemoryMarks::default()),
                }
            }
            None => Backend::Memory(MemoryMarks::default()),
        };
        #[cfg(not(feature = "redis"))]
        let backend = Backend::Memory(MemoryMarks::default());
        Cache {
            core: Arc::new(Core::new(self.max_entries, backend)),
        }
    }
}

#[cfg(feature = "redis")]
fn redis_crate_check(url: &str) -> Result<(), CacheError> {
    ::redis::Client::open(url)
        .map(drop)
        .map_err(|err| CacheError(format!("invalid Redis URL `{url}`: {err}")))
}

/// A cache that cannot be made (a malformed Redis URL).
///
/// ```
/// # #[cfg(feature = "redis")] {
/// let err = actum_cache::Cache::redis("not a url").unwrap_err();
/// assert!(err.to_string().contains("invalid Redis URL"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheError(String);

impl std::fmt::Display for CacheError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CacheError {}
