//! The error raised inside the form deserializer, which learns its field path on the way out.

use std::fmt;

use serde::de;

use super::error::{DecodeError, Kind};
use super::file::EXPECTS_FILE;
use super::form_tree::child_path;

/// Longest slice of a rejected value quoted back in a message.
const MAX_QUOTED_CHARS: usize = 64;

/// A form value that does not fit the input type, and where it is.
///
/// serde's derived code raises errors (`missing_field`, `custom`) without knowing where it is;
/// the deserializer attaches the path as the error passes back through each level.
#[derive(Debug)]
pub(super) struct FormError {
    problem: Problem,
    field: Option<String>,
}

/// What does not fit.
#[derive(Debug)]
pub(super) enum Problem {
    /// A message from serde or from a type's own `Deserialize`.
    Custom(String),
    /// A required field of the struct is absent.
    Missing(&'static str),
    /// A sub-field the struct does not have.
    Unknown,
    /// A field that takes one value was sent more than once.
    Duplicate,
    /// Text was sent where a file is expected.
    ExpectedFile,
    /// A file was sent where text is expected.
    ExpectedText,
    /// Sub-fields were sent where one value is expected.
    ExpectedValue,
    /// A value was sent where sub-fields are expected.
    ExpectedGroup,
    /// Sub-fields were sent where a list is expected.
    ExpectedList,
    /// Sub-fields with numeric keys (`a[0]`) were sent where a list is expected.
    IndexedList,
    /// Text that does not parse as the expected type.
    Invalid {
        expected: &'static str,
        found: String,
    },
    /// A number too large or too small for the expected type.
    OutOfRange {
        expected: &'static str,
        found: String,
    },
}

impl FormError {
    /// An error not yet tied to a field.
    pub(super) fn new(problem: Problem) -> Self {
        Self {
            problem,
            field: None,
        }
    }

    /// Ties the error to `path`, unless a deeper level already did.
    pub(super) fn at(mut self, path: &str) -> Self {
        if self.field.is_none() && !path.is_empty() {
            self.field = Some(path.to_owned());
        }
        self
    }

    /// Ties an error raised by a struct visitor to the group at `path`; a missing field is
    /// named by its own path below the group.
    pub(super) fn in_group(self, path: &str) -> Self {
        match (&self.problem, &self.field) {
            (Problem::Missing(name), None) => {
                let field = child_path(path, name);
                self.at(&field)
            }
            _ => self.at(path),
        }
    }

    /// The public error; `is_multipart` picks the advice for a file field given text.
    pub(super) fn into_decode_error(self, is_multipart: bool) -> DecodeError {
        let (kind, message) = self.describe(is_multipart);
        let error = DecodeError::new(kind, message);
        match self.field {
            Some(field) => error.with_field(field),
            None => error,
        }
    }

    /// The kind and user-facing message.
    fn describe(&self, is_multipart: bool) -> (Kind, String) {
        let field = self.field.as_deref().unwrap_or("");
        let message = match &self.problem {
            Problem::Missing(_) => return (Kind::MissingField, format!("missing field `{field}`")),
            Problem::Unknown => return (Kind::UnknownField, format!("unknown field `{field}`")),
            Problem::Duplicate => {
                return (
                    Kind::DuplicateField,
                    format!("field `{field}` was sent more than once"),
                );
            }
            Problem::Custom(message) if field.is_empty() => message.clone(),
            Problem::Custom(message) => format!("field `{field}`: {message}"),
            Problem::ExpectedFile if is_multipart => {
                format!("field `{field}` expects a file, but text was sent")
            }
            Problem::ExpectedFile => format!("field `{field}` {EXPECTS_FILE}"),
            Problem::ExpectedText => format!("field `{field}` expects text, but a file was sent"),
            Problem::ExpectedValue if field.is_empty() => {
                "a form can only be decoded into a struct or a map".to_owned()
            }
            Problem::ExpectedValue => {
                format!(
                    "field `{field}` expects a single value, but sub-fields like `{field}[...]` were sent"
                )
            }
            Problem::ExpectedGroup => {
                format!(
                    "field `{field}` expects sub-fields like `{field}[name]`, but a plain value was sent"
                )
            }
            Problem::ExpectedList if field.is_empty() => {
                "a form cannot be decoded into a list".to_owned()
            }
            Problem::ExpectedList => {
                format!(
                    "field `{field}` expects a list: send `{field}` (or `{field}[]`) once per item"
                )
            }
            Problem::IndexedList => format!(
                "field `{field}` uses indexed names like `{field}[0]`, which forms do not support: \
                 send `{field}` once per item, or send JSON"
            ),
            Problem::Invalid { expected, found } => {
                format!(
                    "field `{field}`: invalid type: expected {expected}, found {}",
                    quote(found)
                )
            }
            Problem::OutOfRange { expected, found } => {
                format!(
                    "field `{field}`: number out of range for {expected}, found {}",
                    quote(found)
                )
            }
        };
        (Kind::Mismatch, message)
    }
}

/// Quotes a rejected value, cut short so a huge value is not echoed whole.
fn quote(value: &str) -> String {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{:?}...", &value[..cut]),
        None => format!("{value:?}"),
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.describe(false).1)
    }
}

impl std::error::Error for FormError {}

impl de::Error for FormError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::new(Problem::Custom(message.to_string()))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(Problem::Missing(field))
    }

    fn unknown_field(_field: &str, _expected: &'static [&'static str]) -> Self {
        // The path of the offending key is attached by the map access that read it.
        Self::new(Problem::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;
    use serde::de::Error as _;

    use super::*;

    fn render(error: FormError) -> (StatusCode, Option<String>, String) {
        let error = error.into_decode_error(false);
        (
            error.status(),
            error.field().map(str::to_owned),
            error.message().to_owned(),
        )
    }

    #[test]
    fn the_innermost_path_wins() {
        let error = FormError::new(Problem::Duplicate).at("a[b]").at("a");
        assert_eq!(render(error).1.as_deref(), Some("a[b]"));
        let error = FormError::new(Problem::Duplicate).at("");
        assert_eq!(render(error).1, None);
    }

    #[test]
    fn a_missing_field_is_named_below_its_group() {
        let error = FormError::missing_field("name").in_group("author");
        assert_eq!(
            render(error),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("author[name]".into()),
                "missing field `author[name]`".into()
            )
        );
        let error = FormError::missing_field("title").in_group("");
        assert_eq!(render(error).2, "missing field `title`");
        let error = FormError::custom("bad").in_group("author");
        assert_eq!(render(error).2, "field `author`: bad");
    }

    #[test]
    fn unknown_field_gets_the_key_path() {
        let error = FormError::unknown_field("titel", &["title"]).at("titel");
        assert_eq!(render(error).2, "unknown field `titel`");
    }

    #[test]
    fn long_values_are_cut_when_quoted() {
        let long = "x".repeat(100);
        let error = FormError::new(Problem::Invalid {
            expected: "u32",
            found: long,
        })
        .at("n");
        let expected = format!(
            "field `n`: invalid type: expected u32, found \"{}\"...",
            "x".repeat(64)
        );
        assert_eq!(render(error).2, expected);
    }

    #[test]
    fn file_advice_depends_on_the_encoding() {
        let urlencoded = FormError::new(Problem::ExpectedFile)
            .at("avatar")
            .into_decode_error(false);
        assert_eq!(
            urlencoded.message(),
            "field `avatar` expects a file: send the form as multipart/form-data"
        );
        let multipart = FormError::new(Problem::ExpectedFile)
            .at("avatar")
            .into_decode_error(true);
        assert_eq!(
            multipart.message(),
            "field `avatar` expects a file, but text was sent"
        );
    }
}
