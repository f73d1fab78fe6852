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

/// The create form.
#[derive(Debug, Deserialize)]
pub(crate) struct NewPost {
    /// 1 to 120 characters once trimmed.
    title: String,
    /// Up to 10 000 characters; may be empty.
    body: String,
}

/// Creates a post by the signed-in user, then shows it.
#[action]
pub(crate) async fn create_post(
    State(st): State<AppState>,
    SignedIn(user): SignedIn,
    input: NewPost,
) -> Result<(), ActionError> {
    let (title, body) = check_new_post(&input)?;
    let id = db::insert_post(&st.db, user.id, title, body).await?;
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

/// The trimmed title and the body, or the field errors that say what is wrong with them.
fn check_new_post(input: &NewPost) -> Result<(&str, &str), ActionError> {
    let title = input.title.trim();
    let problems = [
        ("title", title_problem(title)),
        ("body", body_problem(&input.body)),
    ];
    let mut errors = problems
        .into_iter()
        .filter_map(|(field, problem)| Some((field, problem?)));
    match errors.next() {
        None => Ok((title, &input.body)),
        Some((field, message)) => {
            let first = ActionError::invalid(field, message);
            Err(errors.fold(first, |err, (field, message)| err.field(field, message)))
        }
    }
}

/// What is wrong with a (trimmed) title, if anything.
fn title_problem(title: &str) -> Option<String> {
    if title.is_empty() {
        return Some("a title is required".to_owned());
    }
    let too_long = title.chars().count() > TITLE_MAX_CHARS;
    too_long.then(|| format!("the title must have at most {TITLE_MAX_CHARS} characters"))
}

/// What is wrong with a body, if anything.
fn body_problem(body: &str) -> Option<String> {
    let too_long = body.chars().count() > BODY_MAX_CHARS;
    too_long.then(|| format!("the body must have at most {BODY_MAX_CHARS} characters"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_post(title: &str, body: &str) -> NewPost {
        NewPost {
            title: title.to_owned(),
            body: body.to_owned(),
        }
    }

    #[test]
    fn a_valid_post_is_trimmed_and_kept() {
        let input = new_post("  Hello  ", " body ");
        assert_eq!(check_new_post(&input).unwrap(), ("Hello", " body "));
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let input = new_post(&"é".repeat(TITLE_MAX_CHARS), &"é".repeat(BODY_MAX_CHARS));
        assert!(check_new_post(&input).is_ok());
    }

    #[test]
    fn an_empty_body_is_allowed() {
        assert!(check_new_post(&new_post("t", "")).is_ok());
    }

    #[test]
    fn a_blank_title_is_refused() {
        let err = check_new_post(&new_post("   ", "")).unwrap_err();
        assert_eq!(err.field_error("title"), Some("a title is required"));
        assert_eq!(err.status().as_u16(), 422);
    }

    #[test]
    fn a_long_title_is_refused() {
        let err = check_new_post(&new_post(&"x".repeat(TITLE_MAX_CHARS + 1), "")).unwrap_err();
        assert_eq!(
            err.field_error("title"),
            Some("the title must have at most 120 characters")
        );
        assert_eq!(err.field_error("body"), None);
    }

    #[test]
    fn a_long_body_is_refused() {
        let err = check_new_post(&new_post("t", &"x".repeat(BODY_MAX_CHARS + 1))).unwrap_err();
        assert_eq!(
            err.field_error("body"),
            Some("the body must have at most 10000 characters")
        );
        assert_eq!(err.field_error("title"), None);
    }

    #[test]
    fn every_field_error_is_reported_at_once() {
        let err = check_new_post(&new_post("", &"x".repeat(BODY_MAX_CHARS + 1))).unwrap_err();
        assert_eq!(err.field_errors().count(), 2);
    }
}
