//! `GET /thread`: the message thread (the seeds' `Thread` with `useOptimistic`): while a message
//! is on its way, a copy of it is already in the list, marked as pending.

use actum::Action;
use axum::extract::State;
use axum::response::Html;
use maud::html;

use super::{Frame, PageError, field_error, form_error};
use crate::AppState;
use crate::db::messages;
use crate::thread::{MESSAGE_MAX_CHARS, send_message};

/// `GET /thread`.
pub(crate) async fn thread_page(
    State(st): State<AppState>,
    frame: Frame,
) -> Result<Html<String>, PageError> {
    // Cached for this page: `send_message` ends with `revalidate_path("/thread")`.
    let messages = st
        .cache
        .entry("messages")
        .for_page("/thread")
        .load(|| messages::latest(&st.db))
        .await?;
    let last = frame.form.for_action(send_message);
    // After a failed send the message comes back into the field; after a success it is empty.
    let typed = last
        .filter(|sub| !sub.is_ok())
        .and_then(|sub| sub.value("message"))
        .unwrap_or_default();
    let content = html! {
        ol.messages #messages {
            @for message in &messages {
                li id={ "message-" (message.id) } {
                    strong { (message.author_name) } " " span.text { (message.body) }
                    span.note { " " (message.created_at) }
                }
            }
        }
        @if messages.is_empty() {
            p.note #no-messages { "No messages yet: write the first one." }
        }
        @if let Some(user) = &frame.user {
            // `data-actum-reset`: after a successful send the field is emptied, as it is after a
            // native post's page load.
            form #send-message method="post" action=(send_message.url()) data-actum-reset {
                (form_error(last))
                label for="message" { "Message" }
                input #message type="text" name="message" required maxlength=(MESSAGE_MAX_CHARS)
                    value=(typed) autocomplete="off";
                (field_error(last, "message"))
                button { "Send" }
                // While the send is in flight client.js appends a copy of this to the list, with
                // the typed text in `data-actum-field="message"`; the server's list replaces it.
                template data-actum-optimistic="#messages" {
                    li.pending data-optimistic {
                        strong { (user.name) } " " span.text data-actum-field="message" {}
                        span.note { " sending…" }
                    }
                }
            }
        } @else {
            (super::sign_in_first("write in the thread"))
        }
    };
    Ok(frame.page("Thread", content))
}
