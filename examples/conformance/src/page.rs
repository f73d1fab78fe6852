//! `GET /`: one form per action, each showing its last outcome; `GET /__log`: run counts.

use actum::prelude::*;
use actum::{FormState, Submission};
use axum::Json;
use axum::extract::State;
use maud::{DOCTYPE, Markup, html};

use crate::Fixture;
use crate::actions::{
    boom, counter_add, delete_item, echo, go_to, rename_item, set_cookie, slow, upload,
};
use crate::policies::{add_slowly, limited, slow_drop, slow_latest, slow_serial};

/// The home page.
pub async fn home(State(fx): State<Fixture>, state: FormState) -> Markup {
    let theme = actum::cookies().get("theme").unwrap_or_default();
    let (items, total) = {
        let data = fx.data();
        (data.items.clone(), data.total)
    };
    let last = state.last();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "actum conformance" }
                (maud::PreEscaped(actum::client_script_tag()))
            }
            body data-theme=(theme) {
                h1 { "actum conformance fixture" }
                div id="error-boundary" data-actum-error-boundary role="alert" hidden {}
                p { "Total: " output id="total" { (total) } }
                @if let Some(sub) = last { (outcome(sub)) }

                form id="counter_add" method="post" action=(counter_add.url()) {
                    input name="n" type="number" value=(value(state.for_action(counter_add), "n", "1"));
                    button { "Add" }
                }

                ul id="items" {
                    @for (id, title) in &items {
                        li id=(format!("item-{id}")) { (title) }
                    }
                }
                @for id in items.keys() {
                    @let row = state.for_bound(rename_item, id);
                    form id=(format!("rename_item-{id}")) method="post" action=(rename_item.bind(*id)) {
                        @let error_id = format!("rename_item-{id}-error");
                        input name="title" value=(value(row, "title", &items[id]))
                            aria-invalid=[row.and_then(|s| s.field_error("title")).map(|_| "true")]
                            aria-describedby=[row.and_then(|s| s.field_error("title")).map(|_| error_id.as_str())];
                        @if let Some(error) = row.and_then(|s| s.field_error("title")) {
                            span class="error" id=(error_id) { (error) }
                        }
                        button { "Rename" }
                    }
                    form id=(format!("delete_item-{id}")) method="post" action=(delete_item.bind(*id)) {
                        button { "Delete" }
                    }
                }

                form id="echo" method="post" action=(echo.url()) {
                    input name="text" value="hello";
                    input name="tags" value="a"; input name="tags" value="b";
                    input name="nested[a]" type="number" value="1";
                    select name="nested[b]" { option value="" { "-" } option value="true" { "yes" } option value="false" { "no" } }
                    button { "Echo" }
                }
                form id="go_to" method="post" action=(go_to.url()) {
                    input name="to" value="/";
                    button { "Go" }
                }
                @let cookie_state = state.for_action(set_cookie);
                form id="set_cookie" method="post" action=(set_cookie.url()) {
                    input name="name" value=(value(cookie_state, "name", "theme"));
                    input name="value" value=(value(cookie_state, "value", "dark"));
                    @if let Some(error) = cookie_state.and_then(|s| s.field_error("name")) {
                        span class="error" id="set_cookie-error" { (error) }
                    }
                    button { "Set cookie" }
                }
                form id="upload" method="post" action=(upload.url()) enctype="multipart/form-data" {
                    input name="file" type="file";
                    input name="note" value="a note";
                    button { "Upload" }
                }
                form id="slow" method="post" action=(slow.url()) {
                    input name="ms" type="number" value="100";
                    button { "Sleep" }
                }
                form id="boom" method="post" action=(boom.url()) {
                    button { "Panic" }
                }

                // Policies (docs/policies.md): two forms per concurrency policy, so that two
                // calls of one action can be pending at once.
                @for (id, url) in [
                    ("slow_serial", slow_serial.url()), ("slow_serial-2", slow_serial.url()),
                    ("slow_latest", slow_latest.url()), ("slow_latest-2", slow_latest.url()),
                    ("slow_drop", slow_drop.url()), ("slow_drop-2", slow_drop.url()),
                ] {
                    form id=(id) method="post" action=(url) data-actum-concurrent {
                        input name="ms" type="number" value="300";
                        button { "Sleep (" (id) ")" }
                    }
                }
                form id="add_slowly" method="post" action=(add_slowly.url()) {
                    input name="n" type="number" value="1";
                    button { "Add slowly" }
                }
                form id="limited" method="post" action=(limited.url()) {
                    input name="n" type="number" value="1";
                    button { "Limited" }
                }
                (crate::resilience::section(&state))
            }
        }
    }
}

/// The last outcome, whichever form it came from.
fn outcome(sub: &Submission) -> Markup {
    html! {
        @match sub.error() {
            Some(error) => div id="error" role="alert" data-status=(error.status) {
                (error.message)
                @if let Some(digest) = &error.digest { " (digest " code { (digest) } ")" }
            },
            None => output id="result" {
                (sub.result_json().unwrap_or_default())
            },
        }
    }
}

/// What a field shows: the value typed in the last submission, else `default`.
fn value(sub: Option<&Submission>, field: &str, default: &str) -> String {
    sub.and_then(|s| s.value(field))
        .unwrap_or(default)
        .to_owned()
}

/// `GET /__log`: how many times each action's body ran.
pub async fn log(State(fx): State<Fixture>) -> Json<serde_json::Value> {
    let runs = fx.data().runs.clone();
    Json(serde_json::to_value(runs).unwrap_or_default())
}
