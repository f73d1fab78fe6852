//! `GET /posts/{id}` (the post, its likes, views and attachments) and `GET /posts/{id}/edit` (the
//! edit form: autosaved as a draft, published with the other button).

use actum::{Action, FormState, Submission};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::home::title_or_untitled;
use super::{Frame, PageError, error_page, field_error, form_error, id_of, last_of, typed_or};
use crate::AppState;
use crate::attachments::{ATTACHMENT_MAX_BYTES, size_text, upload_attachment};
use crate::db::User;
use crate::db::attachments::{self, Attachment};
use crate::db::posts::{self, Post, Status};
use crate::posts::{
    BODY_MAX_CHARS, TITLE_MAX_CHARS, delete_post, like_post, publish_post, save_draft,
};

/// How long the edit form waits after the last keystroke before it saves the draft.
const AUTOSAVE_MS: u32 = 800;

/// `GET /posts/{id}`: one post, or a 404 page. A draft is its author's only.
pub(crate) async fn post_page(
    State(st): State<AppState>,
    frame: Frame,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    // The post and its files are cached for this page's path: the actions that change them end
    // with `revalidate_path("/posts/{id}")`. Views are counted live, outside the cache.
    let page = format!("/posts/{id}");
    let post = st
        .cache
        .entry(format!("post:{id}"))
        .for_page(&page)
        .load(|| posts::find(&st.db, id))
        .await?;
    let Some(post) = post.filter(|post| may_see(post, frame.user.as_ref())) else {
        return Ok(not_found(&frame, id));
    };
    let views = if is_a_view(&headers, &frame.form) {
        posts::record_view(&st.db, id).await?.unwrap_or_default()
    } else {
        posts::views(&st.db, id).await?
    };
    let files = st
        .cache
        .entry(format!("post:{id}:files"))
        .for_page(&page)
        .load(|| attachments::list(&st.db, id))
        .await?;
    let is_author = is_author(&post, frame.user.as_ref());
    let content = html! {
        p.note #meta {
            "by " (post.author_name) " · " (post.created_at) " UTC · "
            span #views { (views) " views" }
        }
        @if post.status == Status::Draft {
            p.note #draft-note { "This is a draft: only you can see it. " (edit_link(&post)) }
        } @else if is_author && post.draft_saved_at.is_some() {
            p.note #draft-note { "You have unpublished edits. " (edit_link(&post)) }
        }
        div.body #post-body { (post.body) }
        @if post.status == Status::Published {
            (likes(&post, &frame))
        }
        (attachment_list(&post, &files, is_author, &frame.form))
        @if is_author {
            p { (edit_link(&post)) " " (delete_form(&post)) }
        } @else if frame.user.is_some() {
            (forbidden_demo(&post))
        }
        p { a href="/" { "All posts" } }
    };
    let title = title_or_untitled(&post.title);
    Ok(frame.page(title, content).into_response())
}

/// `GET /posts/{id}/edit`: the edit form, for the author only.
pub(crate) async fn edit_page(
    State(st): State<AppState>,
    frame: Frame,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    // Read fresh, not from the cache: the author edits what the database has.
    let post = posts::find(&st.db, id).await?;
    let Some(post) = post.filter(|post| may_see(post, frame.user.as_ref())) else {
        return Ok(not_found(&frame, id));
    };
    if !is_author(&post, frame.user.as_ref()) {
        let message = "only the author of a post can edit it";
        return Ok(error_page(StatusCode::FORBIDDEN, "Not your post", message));
    }
    let last = last_of(&frame.form, &[id_of(save_draft), id_of(publish_post)]);
    let content = html! {
        (edit_form(&post, last))
        p { a href={ "/posts/" (post.id) } { "Back to the post" } }
    };
    Ok(frame.page("Edit post", content).into_response())
}

/// Whether this user may see the post: a draft is its author's only.
fn may_see(post: &Post, user: Option<&User>) -> bool {
    post.status == Status::Published || is_author(post, user)
}

/// Whether this GET is someone looking at the post: a browser's navigation to it (the seeds
/// count it from `useEffect` once the page is shown), not the page a native post came back to
/// (it has a form state) nor the page re-rendered into a script's answer (no `Sec-Fetch-Dest`).
fn is_a_view(headers: &HeaderMap, form: &FormState) -> bool {
    let navigation = headers
        .get("sec-fetch-dest")
        .is_some_and(|dest| dest == "document");
    navigation && form.last().is_none()
}

/// The 404 page of a post that does not exist (or that this user may not see).
fn not_found(frame: &Frame, id: i64) -> Response {
    let content = html! { p { "There is no post " (id) "." } p { a href="/" { "All posts" } } };
    (StatusCode::NOT_FOUND, frame.page("Post not found", content)).into_response()
}

/// The like count and button (the seeds' `LikeButton` and `incrementLike`).
fn likes(post: &Post, frame: &Frame) -> Markup {
    let liked = frame
        .form
        .for_bound(like_post, &post.id)
        .and_then(|sub| sub.result::<i64>());
    html! {
        section #likes-section {
            p #likes { "Total likes: " (post.likes) }
            @if frame.user.is_some() {
                form #like method="post" action=(like_post.bind(post.id)) data-actum-done="liked" {
                    button { "Like" }
                    @if let Some(count) = liked {
                        span.note #liked { " Thanks! The action returned " (count) "." }
                    }
                }
            } @else {
                (super::sign_in_first("like posts"))
            }
        }
    }
}

/// The attachments, and for the author the upload form with its size limit.
fn attachment_list(post: &Post, files: &[Attachment], is_author: bool, form: &FormState) -> Markup {
    let last = form.for_bound(upload_attachment, &post.id);
    html! {
        section #attachments {
            h2 { "Attachments" }
            @if files.is_empty() {
                p.note { "No files attached." }
            } @else {
                ul {
                    @for file in files {
                        li {
                            a href={ "/attachments/" (file.id) } download { (file.file_name) }
                            span.note { " (" (size_text(usize::try_from(file.size).unwrap_or(0))) ")" }
                        }
                    }
                }
            }
            @if is_author {
                form #upload method="post" enctype="multipart/form-data"
                    action=(upload_attachment.bind(post.id)) {
                    label for="file" { "Attach a file" }
                    input #file type="file" name="file";
                    span.note #upload-limit { " Up to " (size_text(ATTACHMENT_MAX_BYTES)) "." }
                    (field_error(last, "file"))
                    (form_error(last))
                    br;
                    button { "Upload" }
                }
            }
        }
    }
}

/// The link to the edit page.
fn edit_link(post: &Post) -> Markup {
    html! { a #edit-link href={ "/posts/" (post.id) "/edit" } { "Edit" } }
}

/// The delete button: the post id is sealed into the action URL as a bound argument.
fn delete_form(post: &Post) -> Markup {
    html! {
        form.inline id={ "delete-post-" (post.id) } method="post" action=(delete_post.bind(post.id)) {
            button { "Delete" }
        }
    }
}

/// For signed-in users who did not write the post: a delete button on purpose, to show that the
/// server refuses (403) whatever the page offers.
fn forbidden_demo(post: &Post) -> Markup {
    html! {
        section #not-yours {
            p.note {
                "You did not write this post, so the page would normally offer no delete button. \
                 Actions are reachable by a direct POST anyway, so the action checks who you are:"
            }
            // An error boundary, as the seeds' error.js: with JavaScript on, an error of an action
            // called from inside it replaces its content with the message and the digest.
            div #not-yours-boundary data-actum-error-boundary {
                form.inline #delete-as-other method="post" action=(delete_post.bind(post.id)) {
                    button { "Try to delete it anyway" }
                }
            }
        }
    }
}

/// The edit form: autosaved as a draft after a pause in typing; "Publish" names its own action.
fn edit_form(post: &Post, last: Option<&Submission>) -> Markup {
    let title = typed_or(last, "title", post.editing_title());
    let body = typed_or(last, "body", post.editing_body());
    html! {
        form #edit-post method="post" action=(save_draft.bind(post.id))
            data-actum-autosave=(AUTOSAVE_MS) {
            (form_error(last))
            label for="title" { "Title" }
            input #title type="text" name="title" maxlength=(TITLE_MAX_CHARS) value=(title);
            (field_error(last, "title"))
            label for="body" { "Text" }
            textarea #body name="body" maxlength=(BODY_MAX_CHARS) { (body) }
            (field_error(last, "body"))
            p.note #draft-status {
                @match &post.draft_saved_at {
                    Some(at) => { "Draft saved at " (at) " UTC." }
                    None => { "No unpublished changes." }
                }
                " With JavaScript on, the draft saves itself as you type."
            }
            // The first button is the one Enter presses: it publishes.
            button #publish formaction=(publish_post.bind(post.id)) { "Publish" }
            " "
            button #save-draft { "Save draft" }
        }
    }
}

/// Whether the user wrote the post. Only decides what the page shows: the actions check again.
fn is_author(post: &Post, user: Option<&User>) -> bool {
    user.is_some_and(|user| user.id == post.author_id)
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
            status: Status::Published,
            draft_title: Some("edited".to_owned()),
            draft_body: None,
            draft_saved_at: Some("2025-01-01 10:00:00".to_owned()),
            likes: 0,
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
    fn only_navigations_are_views() {
        let mut headers = HeaderMap::new();
        assert!(!is_a_view(&headers, &FormState::default()));
        headers.insert("sec-fetch-dest", "document".parse().unwrap());
        assert!(is_a_view(&headers, &FormState::default()));
    }

    #[test]
    fn the_edit_form_starts_from_the_draft() {
        let html = edit_form(&post_by(1), None).into_string();
        assert!(html.contains(r#"value="edited""#), "{html}");
        assert!(html.contains("Draft saved at 2025-01-01 10:00:00 UTC"));
        assert!(html.contains("data-actum-autosave=\"800\""));
    }

    #[test]
    fn the_edit_form_has_two_actions() {
        let html = edit_form(&post_by(1), None).into_string();
        assert_eq!(html.matches("/_actum/").count(), 2, "{html}");
    }
}
