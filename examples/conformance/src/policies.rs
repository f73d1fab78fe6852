//! The fixture's actions with policies (docs/policies.md): one per concurrency policy, one
//! exactly-once counter that takes its time, one under a rate limit. Each counts its start, and
//! the `slow_*` ones their end and the most bodies that ran at once, in `GET /__log`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::Fixture;

#[actum::actions]
pub mod all {
    use super::*;

    /// Sleeps `ms`, one call at a time per session.
    #[action(concurrency = "serial")]
    pub async fn slow_serial(State(fx): State<Fixture>, input: Sleep) -> Slept {
        work(&fx, "slow_serial", &SERIAL, input.ms).await
    }

    /// Sleeps `ms`; a newer call of the session cancels this one.
    #[action(concurrency = "latest")]
    pub async fn slow_latest(State(fx): State<Fixture>, input: Sleep) -> Slept {
        work(&fx, "slow_latest", &LATEST, input.ms).await
    }

    /// Sleeps `ms`; a call while one of the session runs is refused.
    #[action(concurrency = "drop")]
    pub async fn slow_drop(State(fx): State<Fixture>, input: Sleep) -> Slept {
        work(&fx, "slow_drop", &DROP, input.ms).await
    }

    /// Adds `n` to the counter after 300 ms (time for a double click to send twice).
    pub async fn add_slowly(State(fx): State<Fixture>, input: Add) -> Total {
        fx.ran("add_slowly");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut data = fx.data();
        data.total += input.n;
        Total { total: data.total }
    }

    /// Answers `n`, at most twice a minute per client address.
    #[action(rate_limit = "2/min")]
    pub async fn limited(State(fx): State<Fixture>, input: Add) -> Total {
        fx.ran("limited");
        Total { total: input.n }
    }
}

pub use all::mount;
pub(crate) use all::{add_slowly, limited, slow_drop, slow_latest, slow_serial};

/// How many bodies of one action run now, and the most that ran at once.
pub struct Overlap {
    now: AtomicU64,
    most: AtomicU64,
}

static SERIAL: Overlap = Overlap::new();
static LATEST: Overlap = Overlap::new();
static DROP: Overlap = Overlap::new();

impl Overlap {
    const fn new() -> Self {
        Self {
            now: AtomicU64::new(0),
            most: AtomicU64::new(0),
        }
    }
}

/// Takes a body off `now` when it ends or is cancelled.
struct Running(&'static Overlap);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Sleeps `ms`, counting `<name>` when it starts, `<name>.done` when it ends, and the most
/// bodies at once in `<name>.most`.
async fn work(fx: &Fixture, name: &'static str, overlap: &'static Overlap, ms: u64) -> Slept {
    fx.ran(name);
    let now = overlap.now.fetch_add(1, Ordering::SeqCst) + 1;
    let most = overlap.most.fetch_max(now, Ordering::SeqCst).max(now);
    let _running = Running(overlap);
    let key: &'static str = match name {
        "slow_serial" => "slow_serial.most",
        "slow_latest" => "slow_latest.most",
        _ => "slow_drop.most",
    };
    fx.data().runs.insert(key, most);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    let done: &'static str = match name {
        "slow_serial" => "slow_serial.done",
        "slow_latest" => "slow_latest.done",
        _ => "slow_drop.done",
    };
    fx.ran(done);
    Slept { slept: ms }
}

/// The input of the `slow_*` actions.
#[derive(Deserialize)]
pub struct Sleep {
    ms: u64,
}

/// What they answer.
#[derive(Serialize)]
pub struct Slept {
    slept: u64,
}

/// `add_slowly` and `limited` input.
#[derive(Deserialize)]
pub struct Add {
    n: i64,
}

/// `add_slowly` and `limited` output.
#[derive(Serialize)]
pub struct Total {
    total: i64,
}
