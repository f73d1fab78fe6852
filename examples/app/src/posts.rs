//! The post actions: create (publish or save as a draft: two buttons of one form), save a draft
//! (the edit form's autosave), publish, delete, like.
//!
//! Every action is reachable by a direct POST to its URL, whatever the page shows: so each one
//! takes the `SignedIn` extractor (401 without a session) and checks what the user may do itself.

use actum::{ActionError, action};
use axum::extract::State;
use serde::Deserialize;

use crate::AppState;
use crate::auth::SignedIn;
use crate::db::User;
use crate::db::posts::{self, Post, Status};

/// The longest title, in characters.
pub(crate) const TITLE_MAX_CHARS: usize = 120;
/// The longest body, in characters.
pub(crate) const BODY_MAX_CHARS: usize = 10_000;
/// The tag of the cached list of published posts.
pub(crate) const POSTS_TAG: &str = "posts";

/// The post form, to publish. Its rules are checked (with garde) before the action runs: a failed
/// rule comes back to the form as a field error, with everything the user typed kept.
#[derive(Debug, Deserialize, garde::Validate)]
pub(crate) struct PostForm {
    /// 1 to 120 characters once trimmed.
    #[garde(custom(title_rule))]
    title: String,
    /// Up to 10 000 characters; may be empty.
    #[garde(custom(body_rule))]
    body: String,
}

/// The post form, to keep as a draft: the same fields, but a draft may have no title yet.
#[derive(Debug, Deserialize, garde::Validate)]
pub(crate) struct DraftForm {
    /// Up to 120 characters; may be empty.
    #[garde(custom(draft_title_rule))]
    title: String,
    /// Up to 10 000 characters; may be empty.
    #[garde(custom(body_rule))]
    body: String,
}

/// Publishes a new post by the signed-in user, then shows it (the home form's "Publish").
#[action]
pub(crate) async fn create_post(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    input: PostForm,
) -> Result<(), ActionError> {
    let title = input.title.trim();
    let id = posts::insert(&st.db, user.id, title, &input.body, Status::Published).await?;
    tracing::info!(post = id, author = user.id, "post created");
    actum::revalidate_tag(POSTS_TAG);
    // The new post's page may be cached as "not found" by a visit before it existed.
    actum::revalidate_path(format!("/posts/{id}"));
    actum::redirect(format!("/posts/{id}"))
}

/// Keeps a new post as a draft, then opens it for editing (the home form's "Save draft", a
/// button with its own `formaction`).
#[action]
pub(crate) async fn create_draft(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    input: DraftForm,
) -> Result<(), ActionError> {
    let title = input.title.trim();
    let id = posts::insert(&st.db, user.id, title, &input.body, Status::Draft).await?;
    tracing::info!(post = id, author = user.id, "draft created");
    actum::revalidate_path(format!("/posts/{id}"));
    actum::redirect(format!("/posts/{id}/edit"))
}

/// Saves the edit form as a draft, without publishing: what the form's debounced autosave and
/// its "Save draft" button call.
#[action]
pub(crate) async fn save_draft(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    #[bound] id: i64,
    input: DraftForm,
) -> Result<(), ActionError> {
    own_post(&st, &user, id).await?;
    posts::save_draft(&st.db, id, input.title.trim(), &input.body).await?;
    actum::revalidate_path(format!("/posts/{id}"));
    Ok(())
}

/// Publishes the edit form's text (the edit form's "Publish", a button with its own
/// `formaction`), then shows the post.
#[action]
pub(crate) async fn publish_post(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    #[bound] id: i64,
    input: PostForm,
) -> Result<(), ActionError> {
    own_post(&st, &user, id).await?;
    posts::publish(&st.db, id, input.title.trim(), &input.body).await?;
    tracing::info!(post = id, author = user.id, "post published");
    actum::revalidate_tag(POSTS_TAG);
    actum::revalidate_path(format!("/posts/{id}"));
    actum::redirect(format!("/posts/{id}"))
}

/// Deletes a post; only its author may. The id is a bound argument, sealed into the page, so
/// the client cannot change it, but it could still replay a delete URL it was given: hence the
/// ownership check.
#[action]
pub(crate) async fn delete_post(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    #[bound] id: i64,
) -> Result<(), ActionError> {
    own_post(&st, &user, id).await?;
    posts::delete(&st.db, id).await?;
    tracing::info!(post = id, author = user.id, "post deleted");
    actum::revalidate_tag(POSTS_TAG);
    actum::revalidate_path(format!("/posts/{id}"));
    actum::redirect("/")
}

/// Likes a published post (the seeds' `incrementLike`); returns the new count. Any signed-in
/// user may like any published post, as often as they like.
#[action]
pub(crate) async fn like_post(
    State(st): State<AppState>,
    SignedIn(_): SignedIn,
    #[bound] id: i64,
) -> Result<i64, ActionError> {
    let Some(likes) = posts::like(&st.db, id).await? else {
        return actum::not_found();
    };
    actum::revalidate_path(format!("/posts/{id}"));
    Ok(likes)
}

/// The post, if it exists and `user` wrote it: else 404, or 403 for someone else's.
async fn own_post(st: &AppState, user: &User, id: i64) -> Result<Post, ActionError> {
    let Some(post) = posts::find(&st.db, id).await? else {
        return actum::not_found();
    };
    // The page shows edit and delete buttons to the author only, but that hides nothing: anyone
    // can POST to these actions directly, so the check that counts is this one.
    if post.author_id != user.id {
        tracing::warn!(post = id, user = user.id, "refused: not the author");
        return actum::forbidden();
    }
    Ok(post)
}

/// A title has 1 to 120 characters once trimmed (characters, not bytes).
fn title_rule(title: &str, _: &()) -> garde::Result {
    let title = title.trim();
    if title.is_empty() {
        return Err(garde::Error::new("a title is required"));
    }
    if title.chars().count() > TITLE_MAX_CHARS {
        let message = format!("the title must have at most {TITLE_MAX_CHARS} characters");
        return Err(garde::Error::new(message));
    }
    Ok(())
}

/// A draft's title has at most 120 characters; it may be empty.
fn draft_title_rule(title: &str, _: &()) -> garde::Result {
    if title.trim().chars().count() > TITLE_MAX_CHARS {
        let message = format!("the title must have at most {TITLE_MAX_CHARS} characters");
        return Err(garde::Error::new(message));
    }
    Ok(())
}

/// A body has at most 10 000 characters.
fn body_rule(body: &str, _: &()) -> garde::Result {
    if body.chars().count() > BODY_MAX_CHARS {
        let message = format!("the body must have at most {BODY_MAX_CHARS} characters");
        return Err(garde::Error::new(message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use garde::Validate as _;

    fn new_post(title: &str, body: &str) -> PostForm {
        PostForm {
            title: title.to_owned(),
            body: body.to_owned(),
        }
    }

    /// The message of the rule that failed for `field`, if any.
    fn problem(input: &PostForm, field: &str) -> Option<String> {
        let report = input.validate().err()?;
        report
            .iter()
            .find(|(path, _)| path.to_string() == field)
            .map(|(_, error)| error.message().to_owned())
    }

    #[test]
    fn a_valid_post_passes() {
        assert!(new_post("  Hello  ", " body ").validate().is_ok());
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let input = new_post(&"é".repeat(TITLE_MAX_CHARS), &"é".repeat(BODY_MAX_CHARS));
        assert!(input.validate().is_ok());
    }

    #[test]
    fn an_empty_body_is_allowed() {
        assert!(new_post("t", "").validate().is_ok());
    }

    #[test]
    fn a_blank_title_is_refused() {
        let input = new_post("   ", "");
        assert_eq!(
            problem(&input, "title").as_deref(),
            Some("a title is required")
        );
    }

    #[test]
    fn a_long_title_is_refused() {
        let input = new_post(&"x".repeat(TITLE_MAX_CHARS + 1), "");
        let expected = "the title must have at most 120 characters";
        assert_eq!(problem(&input, "title").as_deref(), Some(expected));
        assert_eq!(problem(&input, "body"), None);
    }

    #[test]
    fn a_long_body_is_refused() {
        let input = new_post("t", &"x".repeat(BODY_MAX_CHARS + 1));
        let expected = "the body must have at most 10000 characters";
        assert_eq!(problem(&input, "body").as_deref(), Some(expected));
        assert_eq!(problem(&input, "title"), None);
    }

    #[test]
    fn a_draft_may_have_no_title_but_not_a_long_one() {
        let draft = |title: &str| DraftForm {
            title: title.to_owned(),
            body: String::new(),
        };
        assert!(draft("").validate().is_ok());
        assert!(draft(&"x".repeat(TITLE_MAX_CHARS + 1)).validate().is_err());
    }

    #[test]
    fn every_field_error_is_reported_at_once() {
        let input = new_post("", &"x".repeat(BODY_MAX_CHARS + 1));
        assert_eq!(input.validate().unwrap_err().iter().count(), 2);
    }
}
