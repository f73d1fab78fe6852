//! The fixture's resilience actions (`docs/resilience.md`): a note form whose action changes
//! between deploys (`--deploy 1` or `--deploy 2`), an action that stops when its caller goes away,
//! one that always finishes, and a large upload with a progress bar.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use actum::prelude::*;
use actum::{ActionError, Cancellation, FormState, RouterExt, Submission, UploadedFile};
use axum::Router;
use axum::extract::State;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use crate::Fixture;

/// Which deploy of the app this process is: the note form's action differs between 1 and 2.
static DEPLOY: AtomicU8 = AtomicU8::new(1);

/// Sets the deploy (from `--deploy N`), before the router is built.
pub fn set_deploy(deploy: u8) {
    DEPLOY.store(deploy, Ordering::Relaxed);
}

fn deploy() -> u8 {
    DEPLOY.load(Ordering::Relaxed)
}

/// The largest upload `upload_large` takes.
const LARGE_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The first deploy's note action.
pub mod v1 {
    use super::*;

    /// Saves a note (deploy 1).
    #[actum::action]
    pub async fn save_note(State(fx): State<Fixture>, input: Note) -> Saved {
        fx.ran("save_note");
        Saved { title: input.title }
    }
}

/// The second deploy's note action: a new signature, hence a new ID. A page rendered by deploy 1
/// posts to an ID deploy 2 does not know.
pub mod v2 {
    use super::*;

    /// Saves a note (deploy 2): it may now refuse an empty title.
    #[actum::action]
    pub async fn save_note(State(fx): State<Fixture>, input: Note) -> Result<Saved, ActionError> {
        fx.ran("save_note");
        if input.title.is_empty() {
            return Err(ActionError::invalid("title", "a title is required"));
        }
        Ok(Saved { title: input.title })
    }
}

/// Waits `ms` milliseconds unless the caller goes away first; counts how it ended
/// (`wait_or_cancel:finished` or `wait_or_cancel:cancelled` in `/__log`).
#[actum::action]
pub async fn wait_or_cancel(
    State(fx): State<Fixture>,
    cancel: Cancellation,
    input: Wait,
) -> Result<Waited, ActionError> {
    fx.ran("wait_or_cancel");
    tokio::select! {
        () = tokio::time::sleep(Duration::from_millis(input.ms)) => {
            fx.ran("wait_or_cancel:finished");
            Ok(Waited { waited: input.ms })
        }
        () = cancel.cancelled() => {
            fx.ran("wait_or_cancel:cancelled");
            Err(ActionError::new(axum::http::StatusCode::CONFLICT, "cancelled: the caller went away"))
        }
    }
}

/// Sleeps `ms` milliseconds, then adds `n` to the counter: it takes no cancellation token, so it
/// finishes even when its caller goes away.
#[actum::action]
pub async fn slow_add(State(fx): State<Fixture>, input: SlowAdd) -> Added {
    fx.ran("slow_add");
    tokio::time::sleep(Duration::from_millis(input.ms)).await;
    let total = {
        let mut data = fx.data();
        data.total += input.n;
        data.total
    };
    fx.ran("slow_add:finished");
    Added { total }
}

/// Receives a large file (up to 32 MiB, 30 s); answers its name and size.
#[actum::action(body_limit = LARGE_BODY_LIMIT, time_limit = Duration::from_secs(30))]
pub async fn upload_large(State(fx): State<Fixture>, input: BigUpload) -> Received {
    fx.ran("upload_large");
    Received {
        name: input.file.file_name().unwrap_or_default().to_owned(),
        size: input.file.len() as u64,
        note: input.note,
    }
}

/// Mounts the resilience actions: the note action of this deploy, and the others.
pub fn mount(router: Router<Fixture>) -> Router<Fixture> {
    let router = router
        .action(wait_or_cancel)
        .action(slow_add)
        .action(upload_large);
    match deploy() {
        2 => router.action(v2::save_note),
        _ => router.action(v1::save_note),
    }
}

/// The forms of the resilience actions, for the home page.
pub fn section(state: &FormState) -> Markup {
    let (action, note) = match deploy() {
        2 => (v2::save_note.url(), state.for_action(v2::save_note)),
        _ => (v1::save_note.url(), state.for_action(v1::save_note)),
    };
    let typed = |field| note.and_then(|s: &Submission| s.value(field));
    html! {
        form id="note" method="post" action=(action) data-deploy=(deploy()) {
            @if let Some(error) = note.and_then(Submission::error) {
                p id="note-error" role="alert" { (error.message) }
            }
            input name="title" value=(typed("title").unwrap_or_default());
            textarea name="body" { (typed("body").unwrap_or_default()) }
            input type="checkbox" name="pinned" checked[typed("pinned").is_some()];
            select name="color" {
                @for color in ["red", "green", "blue"] {
                    option value=(color) selected[typed("color") == Some(color)] { (color) }
                }
            }
            input type="password" name="password";
            button { "Save note" }
        }
        form id="wait_or_cancel" method="post" action=(wait_or_cancel.url()) {
            input name="ms" type="number" value="1500";
            button { "Wait" }
        }
        form id="slow_add" method="post" action=(slow_add.url()) {
            input name="ms" type="number" value="500";
            input name="n" type="number" value="1";
            button { "Add slowly" }
        }
        form id="upload_large" method="post" action=(upload_large.url())
            enctype="multipart/form-data" data-actum-progress="#upload_large-progress" {
            input name="file" type="file";
            input name="note" value="large";
            button { "Upload" }
        }
        progress id="upload_large-progress" value="0" max="1" {}
    }
}

/// `save_note` input (only the title is used: the rest is there to be typed and kept).
#[derive(Deserialize)]
#[allow(dead_code)]
pub struct Note {
    title: String,
    body: String,
    #[serde(default)]
    pinned: bool,
    color: String,
    #[serde(default)]
    password: String,
}

/// `save_note` output.
#[derive(Serialize)]
pub struct Saved {
    title: String,
}

/// `wait_or_cancel` input.
#[derive(Deserialize)]
pub struct Wait {
    ms: u64,
}

/// `wait_or_cancel` output.
#[derive(Serialize)]
pub struct Waited {
    waited: u64,
}

/// `slow_add` input.
#[derive(Deserialize)]
pub struct SlowAdd {
    ms: u64,
    n: i64,
}

/// `slow_add` output.
#[derive(Serialize)]
pub struct Added {
    total: i64,
}

/// `upload_large` input.
#[derive(Deserialize)]
pub struct BigUpload {
    file: UploadedFile,
    note: String,
}

/// `upload_large` output.
#[derive(Serialize)]
pub struct Received {
    name: String,
    size: u64,
    note: String,
}
