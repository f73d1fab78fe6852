//! `GET /`: the published posts, the new-post form (publish or save as a draft) and the user's
//! drafts.

use actum::Action;
use axum::extract::State;
use axum::response::Html;
use maud::{Markup, html};

use super::{Frame, PageError, field_error, form_error, id_of, last_of, typed};
use crate::AppState;
use crate::db::posts::{self, Summary};
use crate::posts::{BODY_MAX_CHARS, POSTS_TAG, TITLE_MAX_CHARS, create_draft, create_post};

/// `GET /`.
pub(crate) async fn home(
    State(st): State<AppState>,
    frame: Frame,
) -> Result<Html<String>, PageError> {
    // Cached until an action revalidates the tag (`revalidate_tag(POSTS_TAG)`).
    let published = st
        .cache
        .entry("posts:published")
        .tag(POSTS_TAG)
        .load(|| posts::list_published(&st.db))
        .await?;
    let drafts = match &frame.user {
        Some(user) => posts::list_drafts(&st.db, user.id).await?,
        None => Vec::new(),
    };
    let last = last_of(&frame.form, &[id_of(create_post), id_of(create_draft)]);
    let content = html! {
        @if frame.user.is_some() {
            (create_form(last))
            @if !drafts.is_empty() {
                h2 { "Your drafts" }
                ul.posts #drafts {
                    @for draft in &drafts {
                        li { a href={ "/posts/" (draft.id) "/edit" } { (title_or_untitled(&draft.title)) } }
                    }
                }
            }
        } @else {
            (super::sign_in_first("write posts"))
        }
        h2 { "Posts" }
        (post_list(&published))
        (why_actions_check_the_user())
    };
    Ok(frame.page("actum example", content))
}

/// The list of published posts.
fn post_list(posts: &[Summary]) -> Markup {
    html! {
        @if posts.is_empty() {
            p #no-posts { "No posts yet." }
        } @else {
            ul.posts #posts {
                @for post in posts {
                    li {
                        a href={ "/posts/" (post.id) } { (post.title) }
                        span.note { " by " (post.author_name) " · " (post.created_at) " UTC" }
                    }
                }
            }
        }
    }
}

/// The new-post form: one form, two buttons, two actions. "Publish" posts to the form's action;
/// "Save draft" names its own with `formaction`, with and without JavaScript.
fn create_form(last: Option<&actum::Submission>) -> Markup {
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
            button #publish { "Publish" }
            " "
            // `formnovalidate`: a draft may have no title yet.
            button #save-draft formaction=(create_draft.url()) formnovalidate { "Save draft" }
        }
    }
}

/// A title, or a placeholder for a draft that has none yet.
pub(super) fn title_or_untitled(title: &str) -> &str {
    if title.is_empty() {
        "(untitled)"
    } else {
        title
    }
}

/// The note that explains why every action checks the user itself.
fn why_actions_check_the_user() -> Markup {
    html! {
        p.note {
            "Every action here checks who you are on the server: an action is reachable by a \
             direct POST to its URL, whatever the page shows, so hiding a button protects nothing. \
             Deleting someone else's post answers 403 Forbidden (try it on a post by someone else)."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(title: &str) -> Summary {
        Summary {
            id: 7,
            title: title.to_owned(),
            author_name: "ann".to_owned(),
            created_at: String::new(),
        }
    }

    #[test]
    fn titles_are_escaped() {
        let html = post_list(&[summary("<Hello>")]).into_string();
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
    fn the_two_buttons_post_to_two_actions() {
        let html = create_form(None).into_string();
        assert!(html.contains(&format!(r#"action="{}""#, create_post.url())));
        assert!(html.contains(&format!(r#"formaction="{}""#, create_draft.url())));
    }

    #[test]
    fn untitled_drafts_have_a_placeholder() {
        assert_eq!(title_or_untitled(""), "(untitled)");
        assert_eq!(title_or_untitled("x"), "x");
    }
}
