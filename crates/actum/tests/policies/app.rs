//! The app the policy tests run against: actions that record how many of their bodies started,
//! finished and ran at once, served on 127.0.0.1 on a free port for one test.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actum::{ActionError, ActionsLayer, Authenticated, FormState, RouterExt, action};
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::response::Html;
use axum::routing::get;
use http::StatusCode;
use http::request::Parts;
use serde::{Deserialize, Serialize};

/// What the actions did.
#[derive(Clone, Default)]
pub struct App {
    inner: Arc<Mutex<Data>>,
}

#[derive(Default)]
pub struct Data {
    /// Bodies started, by action.
    pub started: BTreeMap<&'static str, u64>,
    /// Bodies that ran to their end, by action.
    pub finished: BTreeMap<&'static str, u64>,
    /// Bodies running now, and the most at once, by action.
    pub running: BTreeMap<&'static str, u64>,
    pub most_at_once: BTreeMap<&'static str, u64>,
    /// The counter `bump` adds to.
    pub total: i64,
}

impl App {
    pub fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a body that starts (and runs until its end, unless it is `work`).
    fn start(&self, name: &'static str) {
        let mut data = self.data();
        *data.started.entry(name).or_default() += 1;
        let running = data.running.entry(name).or_default();
        *running += 1;
        let now = *running;
        let most = data.most_at_once.entry(name).or_default();
        *most = (*most).max(now);
    }

    fn finish(&self, name: &'static str) {
        *self.data().finished.entry(name).or_default() += 1;
    }

    pub fn started(&self, name: &str) -> u64 {
        self.data().started.get(name).copied().unwrap_or(0)
    }

    pub fn finished(&self, name: &str) -> u64 {
        self.data().finished.get(name).copied().unwrap_or(0)
    }

    pub fn most_at_once(&self, name: &str) -> u64 {
        self.data().most_at_once.get(name).copied().unwrap_or(0)
    }

    /// Works for `ms`, counted as running meanwhile; the end is not reached if the call is
    /// cancelled.
    async fn work(&self, name: &'static str, ms: u64) {
        self.start(name);
        let _running = Running(self.clone(), name);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.finish(name);
    }
}

/// Takes a body off the running count when it ends, cancelled or not.
struct Running(App, &'static str);

impl Drop for Running {
    fn drop(&mut self) {
        *self.0.data().running.entry(self.1).or_default() -= 1;
    }
}

#[derive(Deserialize)]
pub struct Work {
    pub ms: u64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Worked {
    pub ms: u64,
}

#[action]
pub async fn parallel(State(app): State<App>, input: Work) -> Worked {
    app.work("parallel", input.ms).await;
    Worked { ms: input.ms }
}

#[action(concurrency = "serial")]
pub async fn serial(State(app): State<App>, input: Work) -> Worked {
    app.work("serial", input.ms).await;
    Worked { ms: input.ms }
}

#[action(concurrency = "latest")]
pub async fn latest(State(app): State<App>, input: Work) -> Worked {
    app.work("latest", input.ms).await;
    Worked { ms: input.ms }
}

#[action(concurrency = "drop")]
pub async fn dropping(State(app): State<App>, input: Work) -> Worked {
    app.work("dropping", input.ms).await;
    Worked { ms: input.ms }
}

#[derive(Deserialize)]
pub struct Bump {
    pub n: i64,
}

/// Adds to the counter and sets a cookie: its answer has a body and a `Set-Cookie` to replay.
#[action]
pub async fn bump(State(app): State<App>, input: Bump) -> Result<i64, ActionError> {
    app.start("bump");
    if input.n == 0 {
        app.finish("bump");
        return Err(ActionError::new(
            StatusCode::CONFLICT,
            "zero changes nothing",
        ));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let total = {
        let mut data = app.data();
        data.total += input.n;
        data.total
    };
    actum::cookies().set("last_bump", total.to_string());
    app.finish("bump");
    Ok(total)
}

/// Like `bump`, without exactly-once.
#[action(exactly_once = false)]
pub async fn bump_always(State(app): State<App>, input: Bump) -> i64 {
    app.start("bump_always");
    let mut data = app.data();
    data.total += input.n;
    data.total
}

#[action(rate_limit = "2/min")]
pub async fn limited(State(app): State<App>, input: Bump) -> i64 {
    app.start("limited");
    input.n
}

/// Limited only by the layer's rate limit, when a test sets one.
#[action]
pub async fn unlimited(State(app): State<App>, _: ()) -> u64 {
    app.start("unlimited");
    1
}

/// A signed-in user: the `x-user` header (the tests' stand-in for a session).
pub struct User(pub String);

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get("x-user").and_then(|v| v.to_str().ok()) {
            Some(user) => Ok(User(user.to_owned())),
            None => Err((StatusCode::UNAUTHORIZED, "sign in first")),
        }
    }
}

impl Authenticated for User {}

#[action]
pub async fn rename(State(app): State<App>, user: User, #[bound] id: u64, input: Bump) -> String {
    app.start("rename");
    format!("{}:{id}:{}", user.0, input.n)
}

/// The page: one native form for `bump`.
async fn page(form: FormState) -> Html<String> {
    let last = form
        .for_action(bump)
        .and_then(|s| s.result::<i64>())
        .map(|total| total.to_string())
        .unwrap_or_default();
    Html(format!(
        r#"<!doctype html><form id="bump" method="post" action="{}"><input name="n" value="1"><button>Bump</button></form><output id="total">{last}</output>"#,
        actum::Action::url(&bump),
    ))
}

pub fn router(app: App, layer: ActionsLayer) -> Router {
    layer.wrap(
        Router::new()
            .route("/", get(page))
            .action(parallel)
            .action(serial)
            .action(latest)
            .action(dropping)
            .action(bump)
            .action(bump_always)
            .action(limited)
            .action(unlimited)
            .action(rename)
            .with_state(app),
    )
}

/// Serves the app with `layer`; returns its address and state.
pub async fn serve_with(layer: ActionsLayer) -> (SocketAddr, App) {
    let app = App::default();
    let router = router(app.clone(), layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).await.expect("serve");
    });
    (addr, app)
}

pub async fn serve() -> (SocketAddr, App) {
    serve_with(ActionsLayer::new()).await
}
