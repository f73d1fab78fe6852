//! Sign-in with a display name and a cookie session: the `sign_in`/`sign_out` actions, and the
//! `SignedIn`/`MaybeUser` extractors that read the session cookie.
//!
//! There is no password: this is a demo, and the page says so.

use actum::{ActionError, action};
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::db::{self, User};
use crate::pages;

/// The cookie that carries the session token.
pub(crate) const SESSION_COOKIE: &str = "session";
/// The longest display name, in characters.
pub(crate) const NAME_MAX_CHARS: usize = 40;

/// The signed-in user. As an extractor it refuses requests without a valid session with 401.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn(pub(crate) User);

/// The user when signed in, `None` otherwise: for pages, which anyone may see.
#[derive(Debug, Clone)]
pub(crate) struct MaybeUser(pub(crate) Option<User>);

/// Why a request has no signed-in user.
#[derive(Debug)]
pub(crate) enum AuthRejection {
    /// No session cookie, or one whose session does not exist (signed out, or forged).
    SignedOut,
    /// The session could not be looked up.
    Database(sqlx::Error),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            Self::SignedOut => pages::error_page(
                StatusCode::UNAUTHORIZED,
                "Sign in first",
                "you need to be signed in to do this",
            ),
            Self::Database(err) => pages::internal_error(&err),
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, AuthRejection> {
        match current_user(parts, state).await {
            Ok(Some(user)) => Ok(Self(user)),
            Ok(None) => Err(AuthRejection::SignedOut),
            Err(err) => Err(AuthRejection::Database(err)),
        }
    }
}

/// Lists the actions that take it as authenticated (`--list-actions`, docs/policies.md).
impl actum::Authenticated for SignedIn {}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, AuthRejection> {
        current_user(parts, state)
            .await
            .map(Self)
            .map_err(AuthRejection::Database)
    }
}

/// The user whose session token the request's cookie carries.
async fn current_user(parts: &Parts, state: &AppState) -> Result<Option<User>, sqlx::Error> {
    // Read from the request rather than `actum::cookies()`, so the extractors also work on routes
    // outside the actions layer.
    let Some(token) = session_token(parts) else {
        return Ok(None);
    };
    db::session_user(&state.db, &token).await
}

/// The value of the session cookie, if the request has one.
fn session_token(parts: &Parts) -> Option<String> {
    request_cookie(parts, SESSION_COOKIE)
}

/// The value of a cookie the request carries (not empty), read from its `Cookie` headers.
pub(crate) fn request_cookie(parts: &Parts, wanted: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    /// The display name to sign in as.
    name: String,
}

/// Signs in as a display name (creating the user on first use) and starts a session.
#[action]
pub(crate) async fn sign_in(
    State(st): State<AppState>,
    input: SignInForm,
) -> Result<(), ActionError> {
    let name = check_name(&input.name)?;
    let user = db::user_by_name(&st.db, name).await?;
    let token = db::create_session(&st.db, user.id).await?;
    actum::cookies().set(SESSION_COOKIE, token);
    actum::redirect("/")
}

/// Signs out: ends the session and removes the cookie.
#[action]
pub(crate) async fn sign_out(State(st): State<AppState>, _: ()) -> Result<(), ActionError> {
    // It only ever ends the caller's own session (the one its cookie names), so it needs no user;
    // the actions layer's origin check keeps other sites from signing people out.
    if let Some(token) = actum::cookies().get(SESSION_COOKIE) {
        db::delete_session(&st.db, &token).await?;
    }
    actum::cookies().remove(SESSION_COOKIE);
    actum::redirect("/")
}

/// The trimmed display name, or the field error that says what is wrong with it.
fn check_name(name: &str) -> Result<&str, ActionError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ActionError::invalid("name", "a name is required"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        let message = format!("the name must have at most {NAME_MAX_CHARS} characters");
        return Err(ActionError::invalid("name", message));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts_with_cookie(cookie: &str) -> Parts {
        let request = axum::http::Request::builder()
            .header(COOKIE, cookie)
            .body(())
            .unwrap();
        request.into_parts().0
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let parts = parts_with_cookie("theme=dark; session=abc123; other=1");
        assert_eq!(session_token(&parts).as_deref(), Some("abc123"));
    }

    #[test]
    fn no_or_empty_session_cookie_is_no_token() {
        assert_eq!(session_token(&parts_with_cookie("theme=dark")), None);
        assert_eq!(session_token(&parts_with_cookie("session=")), None);
        assert_eq!(session_token(&parts_with_cookie("xsession=abc")), None);
    }

    #[test]
    fn names_are_trimmed() {
        assert_eq!(check_name("  alice ").unwrap(), "alice");
    }

    #[test]
    fn an_empty_name_is_refused() {
        let err = check_name("   ").unwrap_err();
        assert_eq!(err.field_error("name"), Some("a name is required"));
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn a_long_name_is_refused() {
        assert!(check_name(&"é".repeat(NAME_MAX_CHARS)).is_ok());
        let err = check_name(&"é".repeat(NAME_MAX_CHARS + 1)).unwrap_err();
        assert_eq!(
            err.field_error("name"),
            Some("the name must have at most 40 characters")
        );
    }

    #[test]
    fn signed_out_is_401() {
        assert_eq!(
            AuthRejection::SignedOut.into_response().status(),
            StatusCode::UNAUTHORIZED
        );
    }
}
