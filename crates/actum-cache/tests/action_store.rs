#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // in tests a failed unwrap is a failed test
//! actum's `ActionStore` on Redis: one contract run against the memory store and the Redis one,
//! then two app instances on one real redis-server, where a retry that reaches the other
//! instance still runs the action once, a double post split across them runs once, and a rate
//! limit counts calls on both; with Redis down, calls still run.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actum::prelude::*;
use actum::{ActionStore, ActionsLayer, Claim, MemoryStore, action};
use actum_cache::RedisActionStore;
use actum_testkit::{RedisServer, Req, Resp};
use axum::Router;
use axum::extract::State;
use serde_json::json;

/// What every store must do: claims are exclusive, outcomes are kept and returned, abandoned
/// claims free the key, leases and lifetimes expire, counters count within their window.
async fn contract(a: &dyn ActionStore, b: &dyn ActionStore) {
    let minute = Duration::from_secs(60);
    assert_eq!(a.claim("once:k1", minute).await, Ok(Claim::Claimed));
    assert_eq!(b.claim("once:k1", minute).await, Ok(Claim::Running));
    a.complete("once:k1", b"first".to_vec(), minute)
        .await
        .unwrap();
    assert_eq!(
        b.claim("once:k1", minute).await,
        Ok(Claim::Done(b"first".to_vec()))
    );
    b.abandon("once:k1").await.unwrap();
    assert_eq!(
        a.claim("once:k1", minute).await,
        Ok(Claim::Done(b"first".to_vec())),
        "abandon leaves an outcome alone"
    );

    assert_eq!(a.claim("once:k2", minute).await, Ok(Claim::Claimed));
    a.abandon("once:k2").await.unwrap();
    assert_eq!(b.claim("once:k2", minute).await, Ok(Claim::Claimed));

    let short = Duration::from_millis(100);
    assert_eq!(a.claim("once:k3", short).await, Ok(Claim::Claimed));
    a.complete("once:k3", b"x".to_vec(), short).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        b.claim("once:k3", short).await,
        Ok(Claim::Claimed),
        "expired"
    );

    let window = Duration::from_millis(300);
    assert_eq!(a.hit("rate:r", window).await.unwrap().count, 1);
    let second = b.hit("rate:r", window).await.unwrap();
    assert_eq!(second.count, 2);
    assert!(second.resets_in <= window && second.resets_in > Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        b.hit("rate:r", window).await.unwrap().count,
        1,
        "a new window"
    );

    // Kept values (form state) are taken once, by whichever instance asks first.
    a.keep("fs:t1", b"state".to_vec(), minute).await.unwrap();
    assert_eq!(b.take("fs:t1").await, Ok(Some(b"state".to_vec())));
    assert_eq!(a.take("fs:t1").await, Ok(None), "taken once");
    assert_eq!(a.take("fs:never").await, Ok(None));
    a.keep("fs:t2", b"x".to_vec(), short).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(b.take("fs:t2").await, Ok(None), "expired");
    assert_eq!(
        b.take("once:k1").await,
        Ok(None),
        "an exactly-once outcome is not a kept value"
    );
}

#[tokio::test]
async fn the_memory_store_keeps_the_contract() {
    let store = MemoryStore::default();
    contract(&store, &store).await;
}

#[tokio::test]
async fn two_redis_stores_on_one_redis_keep_the_contract() {
    let redis = RedisServer::start();
    let a = RedisActionStore::new(&redis.url()).unwrap();
    let b = RedisActionStore::new(&redis.url()).unwrap();
    contract(&a, &b).await;
    // Namespaces keep apps apart.
    let other = RedisActionStore::new(&redis.url())
        .unwrap()
        .namespace("other");
    let minute = Duration::from_secs(60);
    assert_eq!(other.claim("once:k1", minute).await, Ok(Claim::Claimed));
}

/// Runs of `charge` across both instances.
#[derive(Clone, Default)]
struct Runs(Arc<AtomicU64>);

#[derive(serde::Deserialize)]
struct Charge {
    cents: u64,
}

#[action]
async fn charge(State(runs): State<Runs>, input: Charge) -> u64 {
    runs.0.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    actum::cookies().set("receipt", input.cents.to_string());
    input.cents
}

/// At most three calls a minute per client address.
#[action(rate_limit = "3/min")]
async fn quota(State(runs): State<Runs>, _: ()) -> u64 {
    runs.0.fetch_add(1, Ordering::SeqCst) + 1
}

async fn instance(redis: &RedisServer, runs: Runs) -> SocketAddr {
    let store = RedisActionStore::new(&redis.url()).unwrap();
    let router: Router = ActionsLayer::new()
        .store(store)
        .wrap(Router::new().action(charge).action(quota).with_state(runs));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).await.unwrap();
    });
    addr
}

fn charge_call(key: &str) -> Req {
    Req::post(charge.url().to_string())
        .script()
        .cookies("sid=one-browser")
        .header("actum-idempotency-key", key)
        .json(json!({ "cents": 250 }))
}

async fn sent(req: Req, addr: SocketAddr) -> Resp {
    req.send(addr).await
}

#[tokio::test]
async fn a_retry_on_another_instance_runs_once_and_gets_the_first_answer() {
    let redis = RedisServer::start();
    let runs = Runs::default();
    let one = instance(&redis, runs.clone()).await;
    let two = instance(&redis, runs.clone()).await;

    let first = sent(charge_call("retry-key-000000001"), one).await;
    assert_eq!(first.status, 200);
    let retry = sent(charge_call("retry-key-000000001"), two).await;
    assert_eq!(retry.status, 200);
    assert_eq!(retry.header("actum-policy"), Some("replayed"));
    assert_eq!(retry.json()["result"], 250);
    assert_eq!(retry.all("set-cookie"), first.all("set-cookie"));
    assert_eq!(runs.0.load(Ordering::SeqCst), 1);

    // A double post split across the instances: the second waits for the first's outcome.
    let a = tokio::spawn(sent(charge_call("double-key-00000001"), one));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let b = sent(charge_call("double-key-00000001"), two).await;
    let a = a.await.unwrap();
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.json()["result"], b.json()["result"]);
    assert_eq!(b.header("actum-policy"), Some("replayed"));
    assert_eq!(runs.0.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_rate_limit_counts_calls_on_every_instance() {
    let redis = RedisServer::start();
    let runs = Runs::default();
    let one = instance(&redis, runs.clone()).await;
    let two = instance(&redis, runs.clone()).await;
    let call = || {
        Req::post(quota.url().to_string())
            .script()
            .json(json!(null))
    };
    assert_eq!(sent(call(), one).await.status, 200);
    assert_eq!(sent(call(), two).await.status, 200);
    assert_eq!(sent(call(), one).await.status, 200);
    let over = sent(call(), two).await;
    assert_eq!(over.status, 429);
    assert!(over.header("retry-after").is_some());
    assert_eq!(runs.0.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn with_redis_down_calls_still_run() {
    let mut redis = RedisServer::start();
    let runs = Runs::default();
    let one = instance(&redis, runs.clone()).await;
    redis.kill();
    let resp = sent(charge_call("outage-key-00000001"), one).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(runs.0.load(Ordering::SeqCst), 1);
    // Back up (empty): keys work again.
    redis.restart();
    let first = sent(charge_call("after-key-000000001"), one).await;
    let retry = sent(charge_call("after-key-000000001"), one).await;
    assert_eq!((first.status, retry.status), (200, 200));
    assert_eq!(retry.header("actum-policy"), Some("replayed"));
    assert_eq!(runs.0.load(Ordering::SeqCst), 2);
}
