//! The one error type every decoder returns, with its HTTP status.

use std::error::Error as StdError;
use std::fmt;

use http::StatusCode;

/// A boxed cause, kept so that `source()` reaches the real error.
type Cause = Box<dyn StdError + Send + Sync>;

/// Why an action's input could not be decoded from the request body.
///
/// Three families, each with its status:
/// - **400 Bad Request**: the body is malformed (bad percent-encoding, invalid UTF-8, a broken
///   multipart body, JSON syntax, nesting too deep) — see [`is_malformed`](Self::is_malformed);
/// - **413 Content Too Large**: a size budget of [`FormLimits`](crate::FormLimits) or the body
///   limit was passed — see [`is_too_large`](Self::is_too_large);
/// - **422 Unprocessable Content**: the body is well formed but does not fit the input type
///   (a missing, unknown or repeated field, a wrong type) — see
///   [`is_unprocessable`](Self::is_unprocessable).
///
/// [`message`](Self::message) is written for the person who filled in the form and names the
/// field; [`field`](Self::field) gives the field path alone (`title`, `author[name]`, or
/// `items[2].name` for JSON) so the message can be shown next to the right input.
///
/// ```
/// fn describe(error: &actum::DecodeError) -> String {
///     match error.field() {
///         Some(field) => format!("{} ({field}): {}", error.status(), error.message()),
///         None => format!("{}: {}", error.status(), error.message()),
///     }
/// }
/// # let _ = describe;
/// ```
#[non_exhaustive]
#[derive(Debug)]
pub struct DecodeError {
    kind: Kind,
    field: Option<String>,
    message: String,
    source: Option<Cause>,
}

/// What went wrong, at the granularity of the `is_*` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The body is not well formed (400).
    Malformed,
    /// A size budget was passed (413).
    TooLarge,
    /// A required field is absent (422).
    MissingField,
    /// A field that the input type does not have (422).
    UnknownField,
    /// A field that takes one value was sent more than once (422).
    DuplicateField,
    /// A value that does not fit its field's type (422).
    Mismatch,
}

impl DecodeError {
    /// A decoding error of `kind` with a user-facing message.
    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            field: None,
            message: message.into(),
            source: None,
        }
    }

    /// A 400 error: the body is not well formed.
    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        Self::new(Kind::Malformed, message)
    }

    /// A 413 error: a size budget was passed.
    pub(crate) fn too_large(message: impl Into<String>) -> Self {
        Self::new(Kind::TooLarge, message)
    }

    /// The 413 error for a body longer than the body limit.
    pub(crate) fn body_too_large(limit: usize) -> Self {
        Self::too_large(format!("request body is larger than {limit} bytes"))
    }

    /// Names the field the error is about.
    pub(crate) fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Keeps the underlying cause for `source()`.
    pub(crate) fn with_source(mut self, source: impl Into<Cause>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The HTTP status this error answers with: 400, 413 or 422.
    ///
    /// ```
    /// use http::StatusCode;
    ///
    /// fn is_client_bug(error: &actum::DecodeError) -> bool {
    ///     error.status() == StatusCode::BAD_REQUEST
    /// }
    /// # let _ = is_client_bug;
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self.kind {
            Kind::Malformed => StatusCode::BAD_REQUEST,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::MissingField | Kind::UnknownField | Kind::DuplicateField | Kind::Mismatch => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        }
    }

    /// The path of the field the error is about, when there is one: `title`, `tags`,
    /// `author[name]` in a form, `items[2].name` in JSON.
    ///
    /// ```
    /// fn field_or_form(error: &actum::DecodeError) -> &str {
    ///     error.field().unwrap_or("(whole form)")
    /// }
    /// # let _ = field_or_form;
    /// ```
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// A lowercase message for the user that names the field, such as
    /// ``missing field `title` ``. The same text as `Display`.
    ///
    /// ```
    /// fn flash(error: &actum::DecodeError) -> String {
    ///     error.message().to_owned()
    /// }
    /// # let _ = flash;
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body is not well formed (400): bad percent-encoding, invalid UTF-8, a broken
    /// multipart body, a JSON syntax error or nesting too deep.
    ///
    /// ```
    /// fn log_level(error: &actum::DecodeError) -> &'static str {
    ///     if error.is_malformed() { "warn" } else { "debug" }
    /// }
    /// # let _ = log_level;
    /// ```
    #[must_use]
    pub fn is_malformed(&self) -> bool {
        self.kind == Kind::Malformed
    }

    /// A size budget was passed (413): the body limit, or a [`FormLimits`](crate::FormLimits)
    /// budget.
    ///
    /// ```
    /// fn hint(error: &actum::DecodeError) -> Option<&'static str> {
    ///     error.is_too_large().then_some("try a smaller file")
    /// }
    /// # let _ = hint;
    /// ```
    #[must_use]
    pub fn is_too_large(&self) -> bool {
        self.kind == Kind::TooLarge
    }

    /// The body is well formed but does not fit the input type (422).
    ///
    /// ```
    /// fn show_next_to_inputs(error: &actum::DecodeError) -> bool {
    ///     error.is_unprocessable() && error.field().is_some()
    /// }
    /// # let _ = show_next_to_inputs;
    /// ```
    #[must_use]
    pub fn is_unprocessable(&self) -> bool {
        self.status() == StatusCode::UNPROCESSABLE_ENTITY
    }

    /// A required field is absent (422).
    ///
    /// ```
    /// fn is_incomplete(error: &actum::DecodeError) -> bool {
    ///     error.is_missing_field()
    /// }
    /// # let _ = is_incomplete;
    /// ```
    #[must_use]
    pub fn is_missing_field(&self) -> bool {
        self.kind == Kind::MissingField
    }

    /// A field that the input type does not have was sent (422).
    ///
    /// ```
    /// fn is_typo(error: &actum::DecodeError) -> bool {
    ///     error.is_unknown_field()
    /// }
    /// # let _ = is_typo;
    /// ```
    #[must_use]
    pub fn is_unknown_field(&self) -> bool {
        self.kind == Kind::UnknownField
    }

    /// A field that takes one value was sent more than once (422).
    ///
    /// ```
    /// fn is_repeated(error: &actum::DecodeError) -> bool {
    ///     error.is_duplicate_field()
    /// }
    /// # let _ = is_repeated;
    /// ```
    #[must_use]
    pub fn is_duplicate_field(&self) -> bool {
        self.kind == Kind::DuplicateField
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl StdError for DecodeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|cause| cause as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_answers_its_status() {
        let cases = [
            (Kind::Malformed, StatusCode::BAD_REQUEST),
            (Kind::TooLarge, StatusCode::PAYLOAD_TOO_LARGE),
            (Kind::MissingField, StatusCode::UNPROCESSABLE_ENTITY),
            (Kind::UnknownField, StatusCode::UNPROCESSABLE_ENTITY),
            (Kind::DuplicateField, StatusCode::UNPROCESSABLE_ENTITY),
            (Kind::Mismatch, StatusCode::UNPROCESSABLE_ENTITY),
        ];
        for (kind, status) in cases {
            assert_eq!(DecodeError::new(kind, "x").status(), status, "{kind:?}");
        }
    }

    #[test]
    fn predicates_follow_the_kind() {
        let missing = DecodeError::new(Kind::MissingField, "missing field `a`");
        assert!(missing.is_missing_field() && missing.is_unprocessable());
        assert!(!missing.is_malformed() && !missing.is_too_large());
        assert!(DecodeError::new(Kind::UnknownField, "x").is_unknown_field());
        assert!(DecodeError::new(Kind::DuplicateField, "x").is_duplicate_field());
        assert!(DecodeError::malformed("x").is_malformed());
        assert!(DecodeError::too_large("x").is_too_large());
        assert!(!DecodeError::too_large("x").is_unprocessable());
    }

    #[test]
    fn display_is_the_message_and_field_is_kept() {
        let error =
            DecodeError::new(Kind::MissingField, "missing field `title`").with_field("title");
        assert_eq!(error.to_string(), "missing field `title`");
        assert_eq!(error.message(), "missing field `title`");
        assert_eq!(error.field(), Some("title"));
    }

    #[test]
    fn source_reaches_the_cause() {
        let error = DecodeError::malformed("field `a` is not valid utf-8");
        assert!(error.source().is_none());
        let cause = String::from_utf8(vec![0xff]).unwrap_err();
        let error = error.with_source(cause);
        let source = error.source().map(ToString::to_string);
        assert_eq!(
            source.as_deref(),
            Some("invalid utf-8 sequence of 1 bytes from index 0")
        );
    }

    #[test]
    fn body_too_large_names_the_limit() {
        let error = DecodeError::body_too_large(10);
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.message(), "request body is larger than 10 bytes");
    }
}
