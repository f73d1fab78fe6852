//! What a cache read costs: a hit and a miss in memory, and on Redis the added latency per
//! request (one round trip to a real `redis-server` on 127.0.0.1). Not a test: run it with
//!
//! ```text
//! cargo bench -p actum-cache --features redis --bench cache
//! ```
//!
//! Each figure is the median of 15 rounds of many operations, in nanoseconds per operation.
//! No benchmark framework: the quantities are a few microseconds and a tight loop with a
//! median says what BENCHMARKS.md needs, without adding criterion's dependencies to the crate.

use std::hint::black_box;
use std::time::{Duration, Instant};

use actum_cache::Cache;
use actum_testkit::RedisServer;

const ROUNDS: usize = 15;

/// A value the size of a short list of posts.
fn posts() -> Vec<String> {
    (0..20).map(|i| format!("post number {i}")).collect()
}

async fn median_ns<F, Fut>(ops: u32, mut op: F) -> f64
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut rounds = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS as u32 {
        let started = Instant::now();
        for i in 0..ops {
            op(round * ops + i).await;
        }
        rounds.push(started.elapsed().as_nanos() as f64 / f64::from(ops));
    }
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}

async fn hit(cache: &Cache, ops: u32) -> f64 {
    let load = || async { Ok::<_, std::io::Error>(posts()) };
    let _ = cache.entry("hot").tag("posts").load(load).await;
    median_ns(ops, |_| async {
        let value = cache.entry("hot").tag("posts").load(load).await;
        black_box(value.map(|v| v.len()).unwrap_or(0));
    })
    .await
}

/// A miss: a new key each time, so the loader runs and the value is kept.
async fn miss(cache: &Cache, ops: u32) -> f64 {
    let load = || async { Ok::<_, std::io::Error>(posts()) };
    median_ns(ops, |i| async move {
        let value = cache
            .entry(format!("cold-{i}"))
            .tag("posts")
            .load(load)
            .await;
        black_box(value.map(|v| v.len()).unwrap_or(0));
    })
    .await
}

/// A read of an entry another instance loaded: not in this process, found fresh in Redis.
async fn shared_hit(writer: &Cache, reader: &Cache, ops: u32) -> f64 {
    let load = || async { Ok::<_, std::io::Error>(posts()) };
    for i in 0..ops * ROUNDS as u32 {
        let _ = writer.entry(format!("shared-{i}")).load(load).await;
    }
    median_ns(ops, |i| async move {
        let value = reader.entry(format!("shared-{i}")).load(load).await;
        black_box(value.map(|v| v.len()).unwrap_or(0));
    })
    .await
}

/// A hit whose value is an `Arc`: what the hit costs without cloning the value.
async fn hit_arc(cache: &Cache, ops: u32) -> f64 {
    let load = || async { Ok::<_, std::io::Error>(std::sync::Arc::new(posts())) };
    let _ = cache.entry("hot-arc").tag("posts").load(load).await;
    median_ns(ops, |_| async {
        let value = cache.entry("hot-arc").tag("posts").load(load).await;
        black_box(value.map(|v| v.len()).unwrap_or(0));
    })
    .await
}

async fn mark(cache: &Cache, ops: u32) -> f64 {
    median_ns(ops, |_| async { cache.revalidate_tag("posts").await }).await
}

fn report(name: &str, ns: f64) {
    if ns >= 10_000.0 {
        println!("{name:<44} {:>10.1} µs", ns / 1000.0);
    } else {
        println!("{name:<44} {ns:>10.0} ns");
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let memory = Cache::memory();
    report(
        "memory: hit (a Vec of 20 Strings, cloned)",
        hit(&memory, 20_000).await,
    );
    report("memory: hit (an Arc)", hit_arc(&memory, 20_000).await);
    report(
        "memory: miss (load and keep)",
        miss(&Cache::memory(), 5_000).await,
    );
    report("memory: revalidate_tag", mark(&memory, 20_000).await);

    let redis = RedisServer::start();
    let url = redis.url();
    let instance = || {
        Cache::builder()
            .redis(&url)
            .map(|b| b.redis_timeout(Duration::from_secs(1)).build())
            .unwrap_or_else(|_| Cache::memory())
    };
    let (shared, other) = (instance(), instance());
    report(
        "redis: hit (kept here, checked in Redis)",
        hit(&shared, 2_000).await,
    );
    report(
        "redis: hit (from Redis, another instance's)",
        shared_hit(&shared, &other, 500).await,
    );
    report(
        "redis: miss (load, keep, share)",
        miss(&shared, 1_000).await,
    );
    report("redis: revalidate_tag", mark(&shared, 2_000).await);
    drop(redis);
}
