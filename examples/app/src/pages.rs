//! The pages, rendered on the server with maud. Every form posts natively to an action URL, so
//! the whole app works with JavaScript switched off.

use actum::{Action, FormState, Submission};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::AppState;
use crate::auth::{MaybeUser, sign_in, sign_out};
use crate::db::{self, Post, User};
use crate::posts::{BODY_MAX_CHARS, TITLE_MAX_CHARS, create_post, delete_post};

/// A few lines of CSS, so the demo is readable without a stylesheet file.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}\
header{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}\
form.inline{display:inline}label{display:block;margin-top:.5rem}\
input[type=text],textarea{width:100%;box-sizing:border-box}textarea{min-height:8rem}\
.error{color:#b00020}.note{color:#555;font-size:.9rem}ul.posts{padding:0;list-style:none}\
ul.posts li{padding:.5rem 0;border-bottom:1px solid #ddd}.body{white-space:pre-wrap}";

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

/// What every page's frame needs: who is signed in, and the last form submitted from the page.
struct Frame {
    user: Option<User>,
    form: FormState,
}

/// `GET /`: the posts, and the create form for signed-in users.
pub(crate) async fn home(
    State(st): State<AppState>,
    MaybeUser(user): MaybeUser,
    form: FormState,
) -> Result<Html<String>, PageError> {
    let posts = db::list_posts(&st.db).await?;
    let frame = Frame { user, form };
    let content = html! {
        @if frame.user.is_some() {
            (create_form(frame.form.for_action(create_post)))
        }
        h2 { "Posts" }
        @if posts.is_empty() {
            p { "No posts yet." }
        } @else {
            ul.posts {
                @for post in &posts {
                    li { (post_summary(post, frame.user.as_ref())) }
                }
            }
        }
        (why_actions_check_the_user())
    };
    Ok(Html(layout(&frame, "actum example", content).into_string()))
}

/// `GET /posts/{id}`: one post, or a 404 page.
pub(crate) async fn post_page(
    State(st): State<AppState>,
    MaybeUser(user): MaybeUser,
    form: FormState,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let frame = Frame { user, form };
    let Some(post) = db::find_post(&st.db, id).await? else {
        let content = html! { p { "There is no post " (id) "." } p { a href="/" { "All posts" } } };
        let page = layout(&frame, "Post not found", content);
        return Ok((StatusCode::NOT_FOUND, Html(page.into_string())).into_response());
    };
    let content = html! {
        p.note { "by " (post.author_name) " · " (post.created_at) " UTC" }
        div.body { (post.body) }
        @if is_author(&post, frame.user.as_ref()) {
            p { (delete_form(&post)) }
        }
        p { a href="/" { "All posts" } }
    };
    Ok(Html(layout(&frame, &post.title, content).into_string()).into_response())
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
            head { meta charset="utf-8"; title { (heading) } style { (STYLE) } }
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

/// The frame of every page: the header with the sign-in state, the heading, the content.
fn layout(frame: &Frame, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (STYLE) }
                // Optional: forms work without it; with it they submit without a reload.
                (PreEscaped(actum::client_script_tag()))
            }
            body {
                div .error data-actum-error-boundary role="alert" hidden {}
                header {
                    a href="/" { strong { "actum posts" } }
                    (account_box(frame))
                }
                h1 { (title) }
                (content)
            }
        }
    }
}

/// Who is signed in and the sign-out button, or the sign-in form.
fn account_box(frame: &Frame) -> Markup {
    match &frame.user {
        Some(user) => html! {
            div {
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

/// The create form, with what the user typed and the errors of the last attempt.
fn create_form(last: Option<&Submission>) -> Markup {
    html! {
        h2 { "New post" }
        form #create-post method="post" action=(create_post.url()) {
            (form_error(last))
            label for="title" { "Title" }
            input #title type="text" name="title" required maxlength=(TITLE_MAX_CHARS)
                value=(typed(last, "title"));
            (field_error(last, "title"))
            label for="body" { "Text" }
            textarea #body name="body" maxlength=(BODY_MAX_CHARS) { (typed(last, "body")) }
            (field_error(last, "body"))
            button { "Publish" }
        }
    }
}

/// One line of the posts list, with a delete button on the user's own posts.
fn post_summary(post: &Post, user: Option<&User>) -> Markup {
    html! {
        a href={ "/posts/" (post.id) } { (post.title) }
        " by " (post.author_name)
        @if is_author(post, user) {
            " " (delete_form(post))
        }
    }
}

/// The delete button: the post id is sealed into the action URL as a bound argument.
fn delete_form(post: &Post) -> Markup {
    html! {
        form.inline id={ "delete-post-" (post.id) } method="post" action=(delete_post.bind(post.id)) {
            button { "Delete" }
        }
    }
}

/// Whether the user wrote the post. Only decides what the page shows: `delete_post` checks again.
fn is_author(post: &Post, user: Option<&User>) -> bool {
    user.is_some_and(|user| user.id == post.author_id)
}

/// The note that explains why every action checks the user itself.
fn why_actions_check_the_user() -> Markup {
    html! {
        p.note {
            "Every action here checks who you are on the server: an action is reachable by a \
             direct POST to its URL, whatever the page shows, so hiding a button protects nothing. \
             Deleting someone else's post answers 403 Forbidden."
        }
    }
}

/// The value the user typed in a field in the last attempt, or nothing.
fn typed<'a>(last: Option<&'a Submission>, field: &str) -> &'a str {
    last.and_then(|sub| sub.value(field)).unwrap_or_default()
}

/// The error next to a field, when the last attempt had one.
fn field_error(last: Option<&Submission>, field: &str) -> Markup {
    html! {
        @if let Some(message) = last.and_then(|sub| sub.field_error(field)) {
            span.error id={ (field) "-error" } { (message) }
        }
    }
}

/// The error of the last attempt that no field explains (a server error, with its digest).
fn form_error(last: Option<&Submission>) -> Markup {
    let error = last
        .and_then(Submission::error)
        .filter(|err| err.fields.is_empty());
    html! {
        @if let Some(error) = error {
            p.error role="alert" {
                (error.message)
                @if let Some(digest) = &error.digest { " (error " code { (digest) } ")" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64) -> User {
        User {
            id,
            name: format!("user{id}"),
        }
    }

    fn post_by(author_id: i64) -> Post {
        Post {
            id: 7,
            author_id,
            author_name: format!("user{author_id}"),
            title: "<Hello>".to_owned(),
            body: String::new(),
            created_at: String::new(),
        }
    }

    #[test]
    fn only_the_author_is_the_author() {
        assert!(is_author(&post_by(1), Some(&user(1))));
        assert!(!is_author(&post_by(1), Some(&user(2))));
        assert!(!is_author(&post_by(1), None));
    }

    #[test]
    fn others_get_no_delete_button() {
        assert!(
            post_summary(&post_by(1), Some(&user(1)))
                .into_string()
                .contains("delete-post-7")
        );
        assert!(
            !post_summary(&post_by(1), Some(&user(2)))
                .into_string()
                .contains("delete-post-7")
        );
        assert!(
            !post_summary(&post_by(1), None)
                .into_string()
                .contains("delete-post-7")
        );
    }

    #[test]
    fn titles_are_escaped() {
        let html = post_summary(&post_by(1), None).into_string();
        assert!(html.contains("&lt;Hello&gt;"));
        assert!(!html.contains("<Hello>"));
    }

    #[test]
    fn an_empty_form_has_no_errors_and_no_values() {
        let html = create_form(None).into_string();
        assert!(html.contains(r#"value="""#));
        assert!(!html.contains("class=\"error\""));
    }

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
}
