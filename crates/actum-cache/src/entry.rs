//! [`Entry`]: one cached value, loaded once.

use std::future::Future;
use std::time::Duration;

use crate::core::{Cacheable, Core, MAX_LIFETIME, Read, names_for};

/// One entry of a [`Cache`](crate::Cache), from [`Cache::entry`](crate::Cache::entry): give it
/// tags and a lifetime, then [`load`](Entry::load) it.
///
/// ```
/// # async fn demo(cache: actum_cache::Cache) -> Result<(), std::io::Error> {
/// let count: u64 = cache.entry("post-count").tag("posts")
///     .load(|| async { Ok::<_, std::io::Error>(42) })
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "an entry does nothing until .load() is awaited"]
pub struct Entry<'a> {
    core: &'a Core,
    key: String,
    tags: Vec<String>,
    lifetime: Duration,
    page: Option<String>,
}

impl<'a> Entry<'a> {
    pub(crate) fn new(core: &'a Core, key: String) -> Self {
        Self {
            core,
            key,
            tags: Vec::new(),
            lifetime: MAX_LIFETIME,
            page: actum::current_path(),
        }
    }

    /// Tags the entry: [`revalidate_tag`](actum::revalidate_tag) with any of its tags drops it.
    ///
    /// ```
    /// # async fn demo(cache: actum_cache::Cache) -> Result<(), std::io::Error> {
    /// let n: u32 = cache.entry("n").tag("posts").tag("stats")
    ///     .load(|| async { Ok::<_, std::io::Error>(1) }).await?;
    /// # Ok(()) }
    /// ```
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Drops the entry this long after it was loaded, revalidated or not. Without it, an entry
    /// lives until revalidated or evicted (at most a day).
    ///
    /// ```
    /// # async fn demo(cache: actum_cache::Cache) -> Result<(), std::io::Error> {
    /// let rate: f64 = cache.entry("rate").lifetime(std::time::Duration::from_secs(300))
    ///     .load(|| async { Ok::<_, std::io::Error>(1.08) }).await?;
    /// # Ok(()) }
    /// ```
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Reads the entry as the page at `path` reads it. By default the page is the one being
    /// served ([`actum::current_path`]), so that [`revalidate_path`](actum::revalidate_path) of
    /// that page drops what it read; outside a request, only tags count.
    ///
    /// ```
    /// # async fn demo(cache: actum_cache::Cache) -> Result<(), std::io::Error> {
    /// let n: u32 = cache.entry("n").for_page("/stats")
    ///     .load(|| async { Ok::<_, std::io::Error>(1) }).await?;
    /// # Ok(()) }
    /// ```
    pub fn for_page(mut self, path: impl Into<String>) -> Self {
        self.page = Some(path.into());
        self
    }

    /// The cached value when it is there and fresh; else runs `loader`, keeps its value and
    /// returns it. While one load of a key is under way, other callers for that key wait for it
    /// and get its value (one query however many requests miss at once). An error from `loader`
    /// is returned and nothing is kept. When the cache's store cannot be reached (Redis down),
    /// `loader` runs and nothing is kept.
    ///
    /// ```
    /// # async fn demo(cache: actum_cache::Cache) -> Result<(), std::io::Error> {
    /// let titles: Vec<String> = cache.entry("titles").tag("posts")
    ///     .load(|| async { Ok::<_, std::io::Error>(vec!["Hello".into()]) })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn load<T, E, F, Fut>(self, loader: F) -> Result<T, E>
    where
        T: Cacheable,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let names = names_for(&self.tags, self.page.as_deref());
        match self.core.read::<T>(&self.key, &names).await {
            Read::Hit(value) => return Ok(value),
            Read::Unavailable => return loader().await,
            Read::Miss { .. } => {}
        }
        let _loading = self.core.loading(&self.key).await;
        // Read again: the load this one waited for has likely kept a fresh value.
        let made = match self.core.read::<T>(&self.key, &names).await {
            Read::Hit(value) => return Ok(value),
            Read::Unavailable => return loader().await,
            Read::Miss { made } => made,
        };
        let value = loader().await?;
        self.core
            .write(&self.key, &value, made, self.lifetime)
            .await;
        Ok(value)
    }
}
