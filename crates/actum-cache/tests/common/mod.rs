//! What the cache's test suites share: the two backends, a counting loader, and a small app
//! served on 127.0.0.1 whose pages read through the cache.

#![allow(dead_code, unreachable_pub)] // each test binary uses part of it

pub mod app;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actum_cache::Cache;
use actum_testkit::RedisServer;

/// One backend under test, and a way to get a second instance sharing its store.
pub struct Backend {
    pub cache: Cache,
    pub redis: Option<RedisServer>,
}

impl Backend {
    pub fn memory() -> Self {
        Self {
            cache: Cache::memory(),
            redis: None,
        }
    }

    pub fn redis() -> Self {
        let redis = RedisServer::start();
        let cache = redis_cache(&redis.url());
        Self {
            cache,
            redis: Some(redis),
        }
    }

    /// Another server instance's cache: its own memory, the same store. In memory, the only
    /// instance there is.
    pub fn another_instance(&self) -> Cache {
        match &self.redis {
            Some(redis) => redis_cache(&redis.url()),
            None => self.cache.clone(),
        }
    }
}

pub fn redis_cache(url: &str) -> Cache {
    Cache::builder()
        .redis(url)
        .expect("a valid Redis URL")
        .redis_timeout(Duration::from_millis(200))
        .build()
}

/// A loader that counts its runs and returns the count.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn runs(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Loads the number of runs so far (1 on the first run), as a database query would.
    pub async fn load(&self) -> Result<usize, std::io::Error> {
        Ok(self.0.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// As [`Counter::load`], taking `delay` first.
    pub async fn load_slowly(&self, delay: Duration) -> Result<usize, std::io::Error> {
        tokio::time::sleep(delay).await;
        self.load().await
    }
}
