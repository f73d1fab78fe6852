//! A server for black-box tests of actum from outside:
//!
//! ```text
//! cargo run -p actum-conformance -- --port 4000 [--test-endpoints] [--allow-non-browser] [--deploy 2]
//! ```
//!
//! It prints `listening on http://127.0.0.1:N` once it accepts connections. Body limit 1 MiB,
//! action time limit 2 s, key from `ACTUM_SECRET_KEY` when set. `GET /` renders one form per
//! action (no JavaScript needed); `GET /__log` (with `--test-endpoints`) counts how many times each
//! action's body ran. `--deploy 2` starts the next "deploy" of the app: the note form's action
//! has a new signature, hence a new ID (see `resilience.rs`).

// A binary: `pub` marks what the actions module exposes to the rest of the crate.
#![allow(unreachable_pub)]

mod actions;
mod page;
mod policies;
mod resilience;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actum::{ActionsLayer, RouterExt};
use axum::Router;
use axum::routing::get;

/// The fixture's state: items, the counter, and how often each action ran.
#[derive(Clone, Default)]
pub struct Fixture {
    inner: Arc<Mutex<Data>>,
}

/// What the fixture keeps.
#[derive(Default)]
pub struct Data {
    /// Items by id.
    pub items: BTreeMap<u64, String>,
    /// The counter.
    pub total: i64,
    /// How many times each action's body ran.
    pub runs: BTreeMap<&'static str, u64>,
}

impl Fixture {
    fn new() -> Self {
        let mut data = Data::default();
        for (id, title) in [(1, "First item"), (2, "Second item"), (3, "Third item")] {
            data.items.insert(id, title.to_owned());
        }
        Self {
            inner: Arc::new(Mutex::new(data)),
        }
    }

    /// Locks the data (a poisoned lock still holds plain data).
    pub fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one run of an action's body.
    pub fn ran(&self, action: &'static str) {
        *self.data().runs.entry(action).or_default() += 1;
    }
}

struct Args {
    port: u16,
    test_endpoints: bool,
    allow_non_browser: bool,
    deploy: u8,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        test_endpoints: false,
        allow_non_browser: false,
        deploy: 1,
    };
    let mut iter = std::env::args().skip(1);
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--port" => {
                let value = iter.next().ok_or("--port needs a value")?;
                args.port = value
                    .parse()
                    .map_err(|_| format!("invalid port: {value}"))?;
            }
            "--test-endpoints" => args.test_endpoints = true,
            "--allow-non-browser" => args.allow_non_browser = true,
            "--deploy" => {
                let value = iter.next().ok_or("--deploy needs a value")?;
                args.deploy = value
                    .parse()
                    .map_err(|_| format!("invalid deploy: {value}"))?;
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(args)
}

/// The fixture's router.
fn app(fixture: Fixture, test_endpoints: bool, allow_non_browser: bool) -> Router {
    let mut router = Router::new()
        .route("/", get(page::home))
        .actions(actions::mount)
        .actions(policies::mount)
        .actions(resilience::mount);
    if test_endpoints {
        router = router.route("/__log", get(page::log));
    }
    // `wrap` (rather than `Router::layer`) lets a script's call come back with the page.
    ActionsLayer::new()
        .body_limit(1024 * 1024)
        .time_limit(Duration::from_secs(2))
        .allow_non_browser(allow_non_browser)
        .wrap(router.with_state(fixture))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "actum=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = match parse_args() {
        Ok(args) => args,
        Err(err) => {
            eprintln!(
                "actum-conformance: {err}\nusage: actum-conformance --port N [--test-endpoints] [--allow-non-browser] [--deploy N]"
            );
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!(
                "actum-conformance: cannot listen on 127.0.0.1:{}: {err}",
                args.port
            );
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    resilience::set_deploy(args.deploy);
    let app = app(Fixture::new(), args.test_endpoints, args.allow_non_browser);
    println!("listening on http://127.0.0.1:{port}");
    if let Err(err) = actum::serve(listener, app).await {
        eprintln!("actum-conformance: {err}");
        std::process::exit(1);
    }
}
