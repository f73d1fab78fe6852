//! Errors an action returns, and the control-flow ends (`redirect`, `not_found`, …).

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;

/// The error of an action: an HTTP status, a message the user may see, optional field errors,
/// and (for server errors) a cause that only the log sees.
///
/// Any `std::error::Error` converts into an `ActionError` with `?`: it becomes a 500 whose cause is
/// logged with a digest, while the user sees only "something went wrong" and the digest. Errors
/// meant for the user are built with [`ActionError::new`], [`ActionError::invalid`] and friends.
///
/// `ActionError` deliberately does not implement `std::error::Error` (as `anyhow::Error` does not):
/// that is what lets every error type convert into it with `?`.
///
/// ```
/// use actum::ActionError;
/// use http::StatusCode;
///
/// fn check_title(title: &str) -> Result<(), ActionError> {
///     if title.is_empty() {
///         return Err(ActionError::invalid("title", "a title is required"));
///     }
///     if title == "taken" {
///         return Err(ActionError::new(StatusCode::CONFLICT, "that title is taken"));
///     }
///     Ok(())
/// }
/// assert_eq!(check_title("").unwrap_err().status(), StatusCode::UNPROCESSABLE_ENTITY);
/// ```
pub struct ActionError {
    kind: Kind,
    status: StatusCode,
    message: Cow<'static, str>,
    fields: Vec<(String, String)>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Message,
    Internal,
    Redirect(String),
}

impl ActionError {
    /// An error with a status and a message shown to the user as it is.
    ///
    /// ```
    /// # use actum::ActionError;
    /// let err = ActionError::new(http::StatusCode::CONFLICT, "that name is taken");
    /// assert_eq!(err.message(), "that name is taken");
    /// ```
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind: Kind::Message,
            status,
            message: message.into(),
            fields: Vec::new(),
            source: None,
        }
    }

    /// A validation error (422) on one field; add more with [`ActionError::field`]. With a native
    /// form post the user lands back on the form with this message next to the field and every
    /// value they typed kept.
    ///
    /// ```
    /// # use actum::ActionError;
    /// let err = ActionError::invalid("title", "must be 1 to 100 characters").field("body", "required");
    /// assert_eq!(err.field_errors().count(), 2);
    /// ```
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "please correct the highlighted fields",
        )
        .field(field, message)
    }

    /// Adds a field error (keeps the status and message).
    ///
    /// ```
    /// # use actum::ActionError;
    /// let err = ActionError::new(http::StatusCode::UNPROCESSABLE_ENTITY, "check the form")
    ///     .field("email", "is not an email address");
    /// assert_eq!(err.field_error("email"), Some("is not an email address"));
    /// ```
    #[must_use]
    pub fn field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.fields.push((field.into(), message.into()));
        self
    }

    /// 404: what the action was asked to act on does not exist.
    ///
    /// ```
    /// # use actum::ActionError;
    /// assert_eq!(ActionError::not_found().status(), http::StatusCode::NOT_FOUND);
    /// ```
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not found")
    }

    /// 401: the caller is not signed in.
    ///
    /// ```
    /// # use actum::ActionError;
    /// assert_eq!(ActionError::unauthorized().status(), http::StatusCode::UNAUTHORIZED);
    /// ```
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "sign in to do this")
    }

    /// 403: the caller may not do this.
    ///
    /// ```
    /// # use actum::ActionError;
    /// assert_eq!(ActionError::forbidden().status(), http::StatusCode::FORBIDDEN);
    /// ```
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "you are not allowed to do this")
    }

    /// 500 with a hidden cause: the user sees "something went wrong" and a digest; the log has
    /// the cause under the same digest.
    ///
    /// ```
    /// # use actum::ActionError;
    /// let err = ActionError::internal(std::io::Error::other("disk full"));
    /// assert_eq!(err.message(), "something went wrong");
    /// ```
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self {
            kind: Kind::Internal,
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: Cow::Borrowed("something went wrong"),
            fields: Vec::new(),
            source: Some(cause.into()),
        }
    }

    /// The HTTP status of this error.
    ///
    /// ```
    /// # use actum::ActionError;
    /// assert_eq!(ActionError::forbidden().status().as_u16(), 403);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message the user may see.
    ///
    /// ```
    /// # use actum::ActionError;
    /// assert_eq!(ActionError::not_found().message(), "not found");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The field errors, in the order they were added.
    ///
    /// ```
    /// # use actum::ActionError;
    /// let err = ActionError::invalid("a", "bad");
    /// assert_eq!(err.field_errors().collect::<Vec<_>>(), [("a", "bad")]);
    /// ```
    pub fn field_errors(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }

    /// The first error message of one field.
    ///
    /// ```
    /// # use actum::ActionError;
    /// assert_eq!(ActionError::invalid("a", "bad").field_error("a"), Some("bad"));
    /// ```
    pub fn field_error(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// True for a server error (5xx), whose cause is hidden from the user.
    ///
    /// ```
    /// # use actum::ActionError;
    /// assert!(ActionError::internal("boom").is_server_error());
    /// ```
    pub fn is_server_error(&self) -> bool {
        self.status.is_server_error()
    }

    /// The hidden cause of a server error, for the log.
    ///
    /// ```
    /// # use actum::ActionError;
    /// assert!(ActionError::internal("boom").cause().is_some());
    /// ```
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.source.as_deref()
    }

    /// The redirect target when this "error" is a [`redirect`].
    pub(crate) fn redirect_target(&self) -> Option<&str> {
        match &self.kind {
            Kind::Redirect(to) => Some(to),
            _ => None,
        }
    }
}

impl fmt::Debug for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionError")
            .field("status", &self.status)
            .field("message", &self.message)
            .field("fields", &self.fields)
            .field("redirect", &self.redirect_target())
            .field("cause", &self.source)
            .finish()
    }
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.source) {
            (Kind::Redirect(to), _) => write!(f, "redirect to {to}"),
            (_, Some(cause)) => write!(f, "{}: {cause}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl<E> From<E> for ActionError
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn from(cause: E) -> Self {
        Self::internal(cause)
    }
}

/// The end of an action by a redirect: made by [`redirect`], converted into the action's error
/// type. It is not an error to the user: a native post answers 303 to the target, a script gets
/// the target in the answer.
///
/// ```
/// # use actum::{ActionError, Redirect};
/// let err: ActionError = Redirect::to("/posts/1").into();
/// assert_eq!(err.to_string(), "redirect to /posts/1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    to: String,
}

impl Redirect {
    /// A redirect to a same-origin path (or a host the app allows). The target is checked when the
    /// answer is made: `//host`, `/\host`, schemes and CR/LF are refused.
    ///
    /// ```
    /// # use actum::Redirect;
    /// assert_eq!(Redirect::to("/done").target(), "/done");
    /// ```
    pub fn to(target: impl Into<String>) -> Self {
        Self { to: target.into() }
    }

    /// The target as given.
    ///
    /// ```
    /// # use actum::Redirect;
    /// assert_eq!(Redirect::to("/x").target(), "/x");
    /// ```
    pub fn target(&self) -> &str {
        &self.to
    }
}

impl From<Redirect> for ActionError {
    fn from(redirect: Redirect) -> Self {
        Self {
            kind: Kind::Redirect(redirect.to),
            status: StatusCode::SEE_OTHER,
            message: Cow::Borrowed("redirect"),
            fields: Vec::new(),
            source: None,
        }
    }
}

/// Ends the action with a redirect, as the seeds' `redirect()` does: `return redirect(...)`, or
/// use it as the action's last expression. Without JavaScript the browser gets a 303 to `target`;
/// with `client.js` the answer names the target.
///
/// ```
/// use actum::{redirect, ActionError};
///
/// async fn create() -> Result<u64, ActionError> {
///     let id = 7; // insert a post…
///     redirect(format!("/posts/{id}"))
/// }
/// ```
pub fn redirect<T, E: From<Redirect>>(target: impl Into<String>) -> Result<T, E> {
    Err(E::from(Redirect::to(target)))
}

/// Ends the action with a 404 ([`ActionError::not_found`]).
///
/// ```
/// use actum::{not_found, ActionError};
/// fn find(id: u64) -> Result<String, ActionError> {
///     if id != 1 { return not_found(); }
///     Ok("one".into())
/// }
/// assert_eq!(find(2).unwrap_err().status(), http::StatusCode::NOT_FOUND);
/// ```
pub fn not_found<T, E: From<ActionError>>() -> Result<T, E> {
    Err(E::from(ActionError::not_found()))
}

/// Ends the action with a 401 ([`ActionError::unauthorized`]).
///
/// ```
/// use actum::{unauthorized, ActionError};
/// let r: Result<(), ActionError> = unauthorized();
/// assert_eq!(r.unwrap_err().status(), http::StatusCode::UNAUTHORIZED);
/// ```
pub fn unauthorized<T, E: From<ActionError>>() -> Result<T, E> {
    Err(E::from(ActionError::unauthorized()))
}

/// Ends the action with a 403 ([`ActionError::forbidden`]).
///
/// ```
/// use actum::{forbidden, ActionError};
/// let r: Result<(), ActionError> = forbidden();
/// assert_eq!(r.unwrap_err().status(), http::StatusCode::FORBIDDEN);
/// ```
pub fn forbidden<T, E: From<ActionError>>() -> Result<T, E> {
    Err(E::from(ActionError::forbidden()))
}

/// Converts an action's own error type into an [`ActionError`] (a status and a user-facing
/// message). Implement it for the error enum of your domain when actions return
/// `Result<T, YourError>`.
///
/// ```
/// use actum::{ActionError, IntoActionError};
/// use http::StatusCode;
///
/// enum PostError { Missing, Locked }
///
/// impl IntoActionError for PostError {
///     fn into_action_error(self) -> ActionError {
///         match self {
///             PostError::Missing => ActionError::not_found(),
///             PostError::Locked => ActionError::new(StatusCode::CONFLICT, "the post is locked"),
///         }
///     }
/// }
/// assert_eq!(PostError::Locked.into_action_error().status(), StatusCode::CONFLICT);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an action's error type",
    label = "this error type does not say which status and message the user gets",
    note = "return `Result<T, actum::ActionError>` and use `?` (any std error becomes a hidden 500), \
            or implement `actum::IntoActionError` for `{Self}`"
)]
pub trait IntoActionError {
    /// The status and user-facing message of this error.
    fn into_action_error(self) -> ActionError;
}

impl IntoActionError for ActionError {
    fn into_action_error(self) -> ActionError {
        self
    }
}

/// A short random code shown to the user next to a server error and written in the log with the
/// details, so a report can be matched to its log line.
pub(crate) fn new_digest() -> String {
    let mut bytes = [0u8; 5];
    crate::random::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_errors_become_hidden_internal_errors() {
        fn read() -> Result<(), ActionError> {
            Err(std::io::Error::other("secret path /etc/x"))?;
            Ok(())
        }
        let err = read().unwrap_err();
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(err.message(), "something went wrong");
        assert!(err.cause().unwrap().to_string().contains("/etc/x"));
    }

    #[test]
    fn redirect_ends_with_target() {
        let r: Result<(), ActionError> = redirect("/a");
        assert_eq!(r.unwrap_err().redirect_target(), Some("/a"));
    }

    #[test]
    fn digests_are_short_and_random() {
        let a = new_digest();
        assert_eq!(a.len(), 10);
        assert_ne!(a, new_digest());
    }
}
