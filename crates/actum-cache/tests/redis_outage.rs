//! Redis down, slow, or emptied: reads are misses within a bounded time, marks are not lost, the
//! log says so once, and the cache resumes when Redis is back. Against a real `redis-server`
//! that each test kills, freezes (SIGSTOP) or restarts.

mod common;

use std::time::{Duration, Instant};

use actum_testkit::RedisServer;
use common::{Counter, redis_cache};

async fn load(cache: &actum_cache::Cache, counter: &Counter) -> usize {
    let entry = cache.entry("posts").tag("posts");
    entry.load(|| counter.load()).await.expect("loaded")
}

#[tokio::test]
async fn reads_are_misses_within_the_timeout_while_redis_is_down() {
    let mut redis = RedisServer::start();
    let cache = redis_cache(&redis.url()); // timeout 200 ms
    let counter = Counter::default();
    assert_eq!(load(&cache, &counter).await, 1);
    redis.kill();

    let started = Instant::now();
    assert_eq!(load(&cache, &counter).await, 2, "a miss: the loader runs");
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert_eq!(load(&cache, &counter).await, 3, "nothing is kept meanwhile");
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "an unavailable Redis is not waited for again at once: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_frozen_redis_bounds_reads_and_marks_by_the_timeout() {
    let redis = RedisServer::start();
    let cache = redis_cache(&redis.url());
    let counter = Counter::default();
    load(&cache, &counter).await;
    redis.pause();
    let started = Instant::now();
    assert_eq!(load(&cache, &counter).await, 2);
    cache.revalidate_tag("posts").await;
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    redis.resume();
}

#[tokio::test]
async fn marks_made_while_redis_is_frozen_reach_other_instances_when_it_thaws() {
    let redis = RedisServer::start();
    let (a, b) = (redis_cache(&redis.url()), redis_cache(&redis.url()));
    let counter = Counter::default();
    assert_eq!(load(&b, &counter).await, 1);
    assert_eq!(load(&b, &counter).await, 1, "kept on B");

    redis.pause(); // Redis keeps its data, but answers nothing
    a.revalidate_tag("posts").await; // fails within the timeout; the mark waits
    redis.resume();
    // A writes its waiting marks within a second or so, without any request of its own.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    assert_eq!(load(&b, &counter).await, 2, "B sees A's mark");
}

#[tokio::test]
async fn caching_resumes_when_a_restarted_redis_is_back() {
    let mut redis = RedisServer::start();
    let cache = redis_cache(&redis.url());
    let counter = Counter::default();
    assert_eq!(load(&cache, &counter).await, 1);
    redis.restart(); // empty: the counter starts over
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let after = load(&cache, &counter).await;
    assert!(
        after >= 2,
        "what was kept before the restart is not trusted"
    );
    assert_eq!(load(&cache, &counter).await, after, "kept again");
    cache.revalidate_tag("posts").await;
    assert_eq!(load(&cache, &counter).await, after + 1, "marks work again");
}

#[tokio::test]
async fn a_cache_started_while_redis_is_down_works_once_it_is_up() {
    let mut redis = RedisServer::start();
    redis.kill();
    let cache = redis_cache(&redis.url());
    let counter = Counter::default();
    assert_eq!(load(&cache, &counter).await, 1);
    redis.restart();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let value = load(&cache, &counter).await;
    assert_eq!(load(&cache, &counter).await, value, "kept");
}
