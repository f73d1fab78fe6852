//! The post actions: create and delete.
//!
//! Every action is reachable by a direct POST to its URL, whatever the page shows: so each one
//! takes the `SignedIn` extractor (401 without a session) and checks what the user may do itself.

use actum::{ActionError, action};
use axum::extract::State;
use serde::Deserialize;

use crate::AppState;
use crate::auth::SignedIn;
use crate::db;

/// The longest title, in characters.
pub(crate) const TITLE_MAX_CHARS: usize = 120;
/// The longest body, in characters.
pub(crate) const BODY_MAX_CHARS: usize = 10_000;

/// The create form. Its rules are checked (with garde) before `create_post` runs: a failed rule
/// comes back to the form as a field error, with everything the user typed kept.
#[derive(Debug, Deserialize, garde::Validate)]
pub(crate) struct NewPost {
    /// 1 to 120 characters once trimmed.
    #[garde(custom(title_rule))]
    title: String,
    /// Up to 10 000 characters; may be empty.
    #[garde(custom(body_rule))]
    body: String,
}

/// Creates a post by the signed-in user, then shows it.
#[action]
pub(crate) async fn create_post(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    input: NewPost,
) -> Result<(), ActionError> {
    let id = db::insert_post(&st.db, user.id, input.title.trim(), &input.body).await?;
    tracing::info!(post = id, author = user.id, "post created");
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
    let Some(post) = db::find_post(&st.db, id).await? else {
        return actum::not_found();
    };
    // The page shows the delete button to the author only, but that hides nothing: anyone can
    // POST to this action directly, so the check that counts is this one.
    if post.author_id != user.id {
        tracing::warn!(post = id, user = user.id, "delete refused: not the author");
        return actum::forbidden();
    }
    db::delete_post(&st.db, id).await?;
    tracing::info!(post = id, author = user.id, "post deleted");
    actum::redirect("/")
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

    fn new_post(title: &str, body: &str) -> NewPost {
        NewPost {
            title: title.to_owned(),
            body: body.to_owned(),
        }
    }

    /// The message of the rule that failed for `field`, if any.
    fn problem(input: &NewPost, field: &str) -> Option<String> {
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
    fn every_field_error_is_reported_at_once() {
        let input = new_post("", &"x".repeat(BODY_MAX_CHARS + 1));
        assert_eq!(input.validate().unwrap_err().iter().count(), 2);
    }
}
