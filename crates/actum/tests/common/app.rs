//! The app the HTTP tests and the attack suite run against: a handful of actions that count every
//! run of their body, served on 127.0.0.1 on a free port for the duration of one test.
//!
//! Shared by two test crates (`tests/http`, `tests/attacks`), each of which uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actum::{Action, ActionError, ActionsLayer, FormState, RouterExt, UploadedFile, action};
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// Shared state: run counts and a tiny store.
#[derive(Clone, Default)]
pub struct App {
    inner: Arc<Mutex<Data>>,
}

/// Everything the app holds: a copy of it before an attack, compared with one after, proves that
/// no action ran and no data changed.
#[derive(Default, Clone, Debug, PartialEq)]
pub struct Data {
    pub runs: BTreeMap<&'static str, u64>,
    pub total: i64,
    pub items: BTreeMap<u64, String>,
}

impl App {
    pub fn new() -> Self {
        let app = Self::default();
        for id in 1..=3 {
            app.data().items.insert(id, format!("item {id}"));
        }
        app
    }

    pub fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn ran(&self, name: &'static str) {
        *self.data().runs.entry(name).or_default() += 1;
    }

    /// A copy of everything the app holds now (run counts included).
    pub fn snapshot(&self) -> Data {
        self.data().clone()
    }

    /// How many times the body of `name` ran.
    pub fn runs(&self, name: &str) -> u64 {
        self.data().runs.get(name).copied().unwrap_or(0)
    }
}

#[derive(Deserialize)]
pub struct Add {
    pub n: i64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Total {
    pub total: i64,
}

#[action]
pub async fn add(State(app): State<App>, input: Add) -> Total {
    app.ran("add");
    let mut data = app.data();
    data.total += input.n;
    Total { total: data.total }
}

#[derive(Deserialize)]
pub struct Rename {
    pub title: String,
}

#[action]
pub async fn rename(
    State(app): State<App>,
    #[bound] id: u64,
    input: Rename,
) -> Result<String, ActionError> {
    app.ran("rename");
    if input.title.is_empty() || input.title.chars().count() > 100 {
        return Err(ActionError::invalid("title", "must be 1 to 100 characters"));
    }
    let mut data = app.data();
    let Some(title) = data.items.get_mut(&id) else {
        return actum::not_found();
    };
    title.clone_from(&input.title);
    Ok(format!("{id}:{}", input.title))
}

#[action]
pub async fn remove(State(app): State<App>, #[bound] id: u64) -> Result<u64, ActionError> {
    app.ran("remove");
    app.data()
        .items
        .remove(&id)
        .map(|_| id)
        .ok_or_else(ActionError::not_found)
}

#[derive(Deserialize)]
pub struct GoTo {
    pub to: String,
}

#[action]
pub async fn go(State(app): State<App>, input: GoTo) -> Result<(), ActionError> {
    app.ran("go");
    actum::redirect(input.to)
}

#[derive(Deserialize)]
pub struct Theme {
    pub theme: String,
}

#[action]
pub async fn set_theme(State(app): State<App>, input: Theme) {
    app.ran("set_theme");
    actum::cookies().set("theme", input.theme);
    actum::revalidate_path("/");
    actum::revalidate_tag("theme");
}

#[derive(Deserialize)]
pub struct Sleep {
    pub ms: u64,
}

#[action]
pub async fn sleep(State(app): State<App>, input: Sleep) -> u64 {
    tokio::time::sleep(Duration::from_millis(input.ms)).await;
    app.ran("sleep");
    input.ms
}

#[action(time_limit = Duration::from_millis(200))]
pub async fn quick(State(app): State<App>, input: Sleep) -> u64 {
    tokio::time::sleep(Duration::from_millis(input.ms)).await;
    app.ran("quick");
    input.ms
}

#[action]
pub async fn boom(State(app): State<App>, _: ()) {
    app.ran("boom");
    panic!("boom on purpose");
}

#[action]
pub async fn fail(State(app): State<App>, _: ()) -> Result<(), ActionError> {
    app.ran("fail");
    Err(std::io::Error::other("database password is hunter2"))?;
    Ok(())
}

#[derive(Deserialize)]
pub struct Upload {
    pub file: UploadedFile,
    pub note: String,
}

#[action(body_limit = 2048)]
pub async fn upload(State(app): State<App>, input: Upload) -> (String, usize, String) {
    app.ran("upload");
    (
        input.file.file_name().unwrap_or_default().to_owned(),
        input.file.len(),
        input.note,
    )
}

#[derive(Deserialize, Serialize)]
pub struct Echo {
    pub text: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub nested: Nested,
}

#[derive(Deserialize, Serialize)]
pub struct Nested {
    pub a: u32,
    pub b: Option<bool>,
}

#[action]
pub async fn echo(State(app): State<App>, input: Echo) -> Echo {
    app.ran("echo");
    input
}

/// Any flat map of names to text, echoed back: keys like `__proto__` are plain data.
#[action]
pub async fn echo_map(
    State(app): State<App>,
    input: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    app.ran("echo_map");
    input
}

/// An input validated with garde before the action runs (with actum's `garde` feature).
#[cfg(feature = "garde")]
#[derive(Deserialize, garde::Validate)]
pub struct SignUp {
    #[garde(length(chars, min = 3, max = 20))]
    pub name: String,
    #[garde(range(min = 18))]
    pub age: u32,
}

#[cfg(feature = "garde")]
#[action]
pub async fn sign_up(State(app): State<App>, input: SignUp) -> String {
    app.ran("sign_up");
    input.name
}

/// The signed-in user, from the `x-user` header (a stand-in for a session extractor).
pub struct User(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for User {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        match parts.headers.get("x-user").and_then(|v| v.to_str().ok()) {
            Some(name) => Ok(User(name.to_owned())),
            None => Err((StatusCode::UNAUTHORIZED, "sign in first")),
        }
    }
}

#[action]
pub async fn whoami(State(app): State<App>, user: User, _: ()) -> String {
    app.ran("whoami");
    user.0
}

/// An action behind the admin router's auth layer.
#[action]
pub async fn admin_only(State(app): State<App>, _: ()) -> &'static str {
    app.ran("admin_only");
    "secret"
}

/// A module-level form: both functions are actions, mounted with `.actions(module::mount)`.
#[actum::actions]
pub mod counters {
    use super::*;

    pub async fn incr(State(app): State<App>, _: ()) -> i64 {
        app.ran("counters::incr");
        let mut data = app.data();
        data.total += 1;
        data.total
    }

    pub async fn decr(State(app): State<App>, _: ()) -> i64 {
        app.ran("counters::decr");
        let mut data = app.data();
        data.total -= 1;
        data.total
    }

    /// Not public: not an action.
    #[allow(dead_code)]
    async fn helper() {}
}

pub async fn require_auth(req: Request, next: Next) -> Response {
    if req.headers().get("x-user").is_some_and(|v| v == "admin") {
        next.run(req).await
    } else {
        (StatusCode::UNAUTHORIZED, "sign in").into_response()
    }
}

/// A page with one rename form per item and the outcome of the last submission.
async fn home(State(app): State<App>, state: FormState) -> Html<String> {
    let theme = actum::cookies().get("theme").unwrap_or_default();
    let mut html = format!("<body data-theme=\"{theme}\">");
    let items = app.data().items.clone();
    for (id, title) in &items {
        let row = state.for_bound(rename, id);
        let value = row.and_then(|s| s.value("title")).unwrap_or(title);
        let error = row.and_then(|s| s.field_error("title")).unwrap_or("");
        html += &format!(
            "<form id=\"rename-{id}\" method=\"post\" action=\"{}\"><input name=\"title\" value=\"{value}\"><span class=\"error\">{error}</span></form>",
            rename.bind(*id)
        );
    }
    if let Some(sub) = state.for_action(add) {
        html += &format!(
            "<output id=\"added\">{}</output>",
            sub.result::<Total>().map_or(0, |t| t.total)
        );
    }
    Html(html)
}

/// The test app's router, with `layer` as its actions layer.
pub fn router(app: App, layer: ActionsLayer) -> Router {
    routes().layer(layer).with_state(app)
}

/// The test app wrapped whole by `layer` (`ActionsLayer::wrap`): scripts get the page back.
pub fn wrapped_router(app: App, layer: ActionsLayer) -> Router {
    layer.wrap(routes().with_state(app))
}

/// Every route and action of the test app, without a layer.
fn routes() -> Router<App> {
    let admin = Router::new()
        .action(admin_only)
        .route_layer(middleware::from_fn(require_auth));
    let routes = Router::new()
        .route("/", get(home))
        .route("/page", get(home))
        .action(add)
        .action(rename)
        .action(remove)
        .action(go)
        .action(set_theme)
        .action(sleep)
        .action(quick)
        .action(boom)
        .action(fail)
        .action(upload)
        .action(echo)
        .action(echo_map)
        .action(whoami)
        .actions(counters::mount)
        .merge(admin);
    #[cfg(feature = "garde")]
    let routes = routes.action(sign_up);
    routes
}

/// Serves `router` on a free port of 127.0.0.1 until the test ends.
pub async fn serve_router(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).await.expect("serve");
    });
    addr
}

/// Serves the test app with `layer`; returns its address and its state.
pub async fn serve_with(layer: ActionsLayer) -> (SocketAddr, App) {
    let app = App::new();
    let addr = serve_router(router(app.clone(), layer)).await;
    (addr, app)
}

/// Serves the test app with the default layer.
pub async fn serve() -> (SocketAddr, App) {
    serve_with(ActionsLayer::new()).await
}
