//! The log of a Redis outage: one line when Redis goes, one when it is back, however many
//! requests meet it meanwhile. Its own test binary: tracing's per-thread subscribers are not
//! reliable while other tests log from other threads.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actum_testkit::RedisServer;
use common::{Counter, redis_cache};

async fn load(cache: &actum_cache::Cache, counter: &Counter) -> usize {
    let entry = cache.entry("posts").tag("posts");
    entry.load(|| counter.load()).await.expect("loaded")
}

/// A writer the test reads back: the log lines of the cache.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log")).into_owned()
    }
}

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_log_says_once_that_redis_is_down_and_once_that_it_is_back() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut redis = RedisServer::start();
    let cache = redis_cache(&redis.url());
    let counter = Counter::default();
    load(&cache, &counter).await;
    redis.kill();
    for _ in 0..3 {
        load(&cache, &counter).await;
        tokio::time::sleep(Duration::from_millis(600)).await; // past the retry delay twice
    }
    redis.restart();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    load(&cache, &counter).await;
    load(&cache, &counter).await;

    let text = log.text();
    assert_eq!(text.matches("Redis is unreachable").count(), 1, "{text}");
    assert_eq!(
        text.matches("Redis is reachable again").count(),
        1,
        "{text}"
    );
}
