#![allow(unreachable_pub, missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // in tests a failed unwrap is a failed test
//! The attack suite: every attack of the hardening issue is a named test against a real server on
//! 127.0.0.1, one module per class. Each test sends the attack as an attacker would (byte for
//! byte where framing matters), checks the answer, and proves with [`Untouched`] that no action
//! ran and no data changed. Where the action is meant to run (it is the one redirecting, or the
//! one storing a file), the test says so and proves instead that the attack had no effect.

#[path = "../common/app.rs"]
mod app;

mod csrf;
mod decoding;
mod framing;
mod hygiene;
mod multipart;
mod overload;
mod redirects;
mod resolution;
mod seals;

use std::net::SocketAddr;
use std::time::Duration;

use actum::Action;
use app::{App, Data};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The path of an action's endpoint.
pub fn url<M, A: Action<M>>(action: A) -> String {
    action.url().to_string()
}

/// What the app held before an attack; [`Untouched::check`] fails the test if anything ran or
/// changed since.
pub struct Untouched {
    app: App,
    before: Data,
}

impl Untouched {
    /// Remembers what `app` holds now.
    pub fn from(app: &App) -> Self {
        Self {
            app: app.clone(),
            before: app.snapshot(),
        }
    }

    /// Fails unless the app holds exactly what it held when this was made: no action ran (the
    /// run counts are part of the data) and nothing changed.
    #[track_caller]
    pub fn check(&self) {
        assert_eq!(
            self.app.snapshot(),
            self.before,
            "an action ran or data changed"
        );
    }
}

/// Writes `request` on a fresh connection exactly as given (no `Connection: close` added, so
/// keep-alive and pipelining can be tried), then reads until the server closes the connection or
/// `quiet` passes without a byte.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8], quiet: Duration) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_until_quiet(&mut stream, quiet).await
}

/// Reads what the server sends until it closes the connection or stays silent for `quiet`.
pub async fn read_until_quiet(stream: &mut tokio::net::TcpStream, quiet: Duration) -> Vec<u8> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match tokio::time::timeout(quiet, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return answer,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
        }
    }
}

/// The status codes of every answer in `raw` (answers read off one connection), interim
/// `100 Continue` answers included.
pub fn statuses(raw: &[u8]) -> Vec<u16> {
    let text = String::from_utf8_lossy(raw);
    text.match_indices("HTTP/1.1 ")
        .filter_map(|(at, _)| text.get(at + 9..at + 12)?.parse().ok())
        .collect()
}
