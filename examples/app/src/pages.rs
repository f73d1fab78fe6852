//! The pages, rendered on the server with maud, and what they share: the frame (who is signed in,
//! the theme, the last form submitted), the layout, error pages and form helpers.
//!
//! Every form posts natively to an action URL, so the whole app works with JavaScript switched
//! off; `client.js`, loaded by the layout, upgrades the forms when JavaScript is on.

mod home;
mod invoices;
mod post;
mod seeds;
mod thread;

pub(crate) use home::home;
pub(crate) use invoices::invoices_page;
pub(crate) use post::{edit_page, post_page};
pub(crate) use seeds::seeds_page;
pub(crate) use thread::thread_page;

use actum::{Action, FormState, Submission};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::AppState;
use crate::auth::{AuthRejection, MaybeUser, sign_in, sign_out};
use crate::db::User;
use crate::theme::{Theme, set_theme};

/// A few lines of CSS, so the demo is readable without a stylesheet file.
const STYLE: &str = "html{color-scheme:light}body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;\
margin:1.5rem auto;padding:0 1rem}\
html[data-theme=dark]{color-scheme:dark;background:#15171c;color:#e4e4e7}\
html[data-theme=dark] a{color:#8ab4f8}html[data-theme=dark] .note{color:#a1a1aa}\
header{display:flex;justify-content:space-between;align-items:center;gap:.5rem 1rem;flex-wrap:wrap}\
nav a{margin-right:.75rem}form.inline{display:inline}label{display:block;margin-top:.5rem}\
fieldset{border:0;padding:0;margin:.5rem 0}fieldset label{display:inline;margin-right:1rem}\
input[type=text],textarea,select{width:100%;box-sizing:border-box;font:inherit}textarea{min-height:7rem}\
button{font:inherit;margin-top:.5rem}.error{color:#c5221f}.note{color:#555;font-size:.9rem}\
ul.posts,ol.messages{padding:0;list-style:none}ul.posts li,ol.messages li{padding:.4rem 0;\
border-bottom:1px solid #8884}.body{white-space:pre-wrap}.pending{opacity:.55}\
[aria-busy=true] button{cursor:progress}table{border-collapse:collapse;width:100%}\
td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #8884}\
[data-actum-error-boundary]:not(:has(*)){color:#c5221f;border:1px solid;padding:.5rem;border-radius:4px}";

/// A page handler's error: the database failed. Answers a 500 page; the log has the cause.
#[derive(Debug)]
pub(crate) struct PageError(sqlx::Error);

impl From<sqlx::Error> for PageError {
    fn from(err: sqlx::Error) -> Self {
        Self(err)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        internal_error(&self.0)
    }
}

/// What every page's frame needs: who is signed in, the theme, and the last form submitted from
/// the page (after a native post, or in the page re-rendered into a script's answer).
pub(crate) struct Frame {
    /// The signed-in user, if any.
    pub(crate) user: Option<User>,
    /// The theme the cookie names.
    pub(crate) theme: Theme,
    /// The outcome of the last action submitted from this page.
    pub(crate) form: FormState,
}

impl FromRequestParts<AppState> for Frame {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, AuthRejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let Ok(form) = FormState::from_request_parts(parts, state).await;
        Ok(Self {
            user,
            theme: Theme::of_request(parts),
            form,
        })
    }
}

impl Frame {
    /// The page with this frame: header, navigation, error boundary, heading and content.
    pub(crate) fn page(&self, title: &str, content: Markup) -> Html<String> {
        Html(layout(self, title, content).into_string())
    }
}

/// The answer to a path no route matches.
pub(crate) async fn not_found_page() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "there is no page at this address",
    )
}

/// A page that only says what went wrong, with a way back home.
pub(crate) fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (heading) }
                style { (STYLE) }
            }
            body { h1 { (heading) } p { (message) } p { a href="/" { "Back to the posts" } } }
        }
    };
    (status, Html(page.into_string())).into_response()
}

/// A 500 page; the cause goes to the log only.
pub(crate) fn internal_error(cause: &dyn std::error::Error) -> Response {
    tracing::error!(error = %cause, "page failed");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "please try again later",
    )
}

/// The frame of every page.
fn layout(frame: &Frame, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" data-theme=(frame.theme.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (STYLE) }
                // Optional: forms work without it; with it they submit without a reload.
                (PreEscaped(actum::client_script_tag()))
            }
            body {
                header {
                    nav {
                        a href="/" { strong { "actum posts" } }
                        a href="/thread" { "Thread" }
                        a href="/invoices" { "Invoices" }
                        a href="/seeds" { "Seeds" }
                    }
                    (theme_toggle(frame.theme))
                    (account_box(frame))
                }
                // Errors that no field explains land here when JavaScript is on (client.js fills
                // the nearest boundary, else this one).
                div #page-error data-actum-error-boundary role="alert" hidden {}
                h1 { (title) }
                (content)
            }
        }
    }
}

/// The theme switch: one button that names the other theme.
fn theme_toggle(theme: Theme) -> Markup {
    let next = theme.other();
    html! {
        form.inline #theme method="post" action=(set_theme.url()) {
            button name="theme" value=(next.as_str()) { "Use the " (next.as_str()) " theme" }
        }
    }
}

/// Who is signed in and the sign-out button, or the sign-in form.
fn account_box(frame: &Frame) -> Markup {
    match &frame.user {
        Some(user) => html! {
            div #account {
                "Signed in as " strong { (user.name) } " "
                form.inline #sign-out method="post" action=(sign_out.url()) {
                    button { "Sign out" }
                }
            }
        },
        None => sign_in_form(frame.form.for_action(sign_in)),
    }
}

/// The sign-in form, with the last attempt's name and error.
fn sign_in_form(last: Option<&Submission>) -> Markup {
    html! {
        form #sign-in method="post" action=(sign_in.url()) {
            label for="name" { "Your name" }
            input #name type="text" name="name" required maxlength="40" value=(typed(last, "name"));
            (field_error(last, "name"))
            button { "Sign in" }
            p.note { "No password: this is a demo, and anyone can sign in under any name." }
        }
    }
}

/// What signed-out visitors see instead of a form.
pub(crate) fn sign_in_first(what: &str) -> Markup {
    html! { p.note { "Sign in (at the top of the page) to " (what) "." } }
}

/// The value the user typed in a field in the last attempt, or nothing.
pub(crate) fn typed<'a>(last: Option<&'a Submission>, field: &str) -> &'a str {
    last.and_then(|sub| sub.value(field)).unwrap_or_default()
}

/// The value typed in the last attempt when it failed, else `current`: after a success the
/// form shows what the server has.
pub(crate) fn typed_or<'a>(last: Option<&'a Submission>, field: &str, current: &'a str) -> &'a str {
    match last.filter(|sub| !sub.is_ok()) {
        Some(sub) => sub.value(field).unwrap_or_default(),
        None => current,
    }
}

/// The error next to a field, when the last attempt had one.
pub(crate) fn field_error(last: Option<&Submission>, field: &str) -> Markup {
    html! {
        @if let Some(message) = last.and_then(|sub| sub.field_error(field)) {
            span.error id={ (field) "-error" } { (message) }
        }
    }
}

/// The error of the last attempt that no field explains (a server error, with its digest).
pub(crate) fn form_error(last: Option<&Submission>) -> Markup {
    let error = last
        .and_then(Submission::error)
        .filter(|err| err.fields.is_empty());
    html! {
        @if let Some(error) = error {
            p.error role="alert" {
                (error.message)
                @if let Some(digest) = &error.digest { " (digest " code { (digest) } ")" }
            }
        }
    }
}

/// The last submission of any of these actions (a form with two buttons, two actions).
pub(crate) fn last_of<'a>(form: &'a FormState, ids: &[&str]) -> Option<&'a Submission> {
    form.last().filter(|sub| ids.contains(&sub.action_id()))
}

/// The ID of an action, for [`last_of`].
pub(crate) fn id_of<M, A: Action<M>>(action: A) -> &'static str {
    action.id()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_form_says_it_is_a_demo() {
        assert!(
            sign_in_form(None)
                .into_string()
                .contains("No password: this is a demo")
        );
    }

    #[test]
    fn error_pages_keep_their_status() {
        let response = error_page(StatusCode::UNAUTHORIZED, "Sign in first", "x");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn the_toggle_offers_the_other_theme() {
        let html = theme_toggle(Theme::Light).into_string();
        assert!(html.contains(r#"value="dark""#), "{html}");
    }

    #[test]
    fn no_submission_shows_the_current_value() {
        assert_eq!(typed_or(None, "title", "saved"), "saved");
        assert_eq!(typed(None, "title"), "");
    }
}
