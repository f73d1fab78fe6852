//! JSON bodies: what `client.js` and non-browser callers send.
//!
//! Budgets are checked by a byte scan before serde reads the document (see `json_scan`); then
//! serde_json reads it with serde_path_to_error (so an error names its field, as in
//! `items[2].name`) and serde_ignored (so a key the input type does not have is an error, not
//! silently dropped). Keys such as `__proto__` are plain data: nothing here gives them meaning.

use serde::de::DeserializeOwned;
use serde_json::error::Category;
use serde_path_to_error::Segment;

use super::error::{DecodeError, Kind};
use super::file::EXPECTS_FILE;
use super::json_scan::scan;
use super::limits::FormLimits;

/// Decodes a JSON body into the input type.
///
/// An empty (or all-whitespace) body decodes as `null`, so `()` and `Option` inputs work with
/// no body at all. Invalid UTF-8, a syntax error, trailing data and nesting deeper than
/// `json_max_depth` answer 400; more than `json_max_elements` elements answer 413; a document
/// that does not fit the type (a missing, unknown or repeated key, a wrong type, an integer too
/// large) answers 422 naming the field.
pub(crate) fn from_json<T: DeserializeOwned>(
    bytes: &[u8],
    limits: &FormLimits,
) -> Result<T, DecodeError> {
    let text = std::str::from_utf8(bytes).map_err(|cause| {
        DecodeError::malformed("request body is not valid utf-8").with_source(cause)
    })?;
    let document = if text.trim_ascii().is_empty() {
        "null"
    } else {
        text
    };
    let report = scan(document.as_bytes(), limits)?;
    let decoded = deserialize_tracked::<T>(document);
    match (decoded, report.duplicate_key) {
        (Err(error), _) if error.is_malformed() => Err(error),
        (_, Some(duplicate)) => Err(duplicate_key(&duplicate)),
        (result, None) => result,
    }
}

/// Runs serde_json with the field path tracked and unknown keys refused.
///
/// The path is only needed to name the field of an error: a document is first read without it
/// (which most are, at once), and only one that fails is read again with it, for the error.
fn deserialize_tracked<T: DeserializeOwned>(document: &str) -> Result<T, DecodeError> {
    if let Some(decoded) = deserialize_quietly(document) {
        return Ok(decoded);
    }
    let mut first_ignored = None;
    let mut on_ignored = |path: serde_ignored::Path<'_>| {
        first_ignored.get_or_insert_with(|| ignored_path(&path));
    };
    let mut deserializer = serde_json::Deserializer::from_str(document);
    let decoded = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
        &mut deserializer,
        &mut on_ignored,
    ))
    .map_err(data_error)?;
    deserializer.end().map_err(syntax_error)?;
    match first_ignored {
        Some(path) => Err(
            DecodeError::new(Kind::UnknownField, format!("unknown field `{path}`"))
                .with_field(path),
        ),
        None => Ok(decoded),
    }
}

/// The input, if the document fits it exactly (no unknown key, nothing after it); `None` for
/// every failure, which [`deserialize_tracked`] then reads again to say what failed.
fn deserialize_quietly<T: DeserializeOwned>(document: &str) -> Option<T> {
    let mut ignored = false;
    let mut deserializer = serde_json::Deserializer::from_str(document);
    let mut on_ignored = |_: serde_ignored::Path<'_>| ignored = true;
    let quiet = serde_ignored::Deserializer::new(&mut deserializer, &mut on_ignored);
    let decoded = T::deserialize(quiet).ok()?;
    deserializer.end().ok()?;
    (!ignored).then_some(decoded)
}

/// The 422 error for a key sent twice in one object.
fn duplicate_key(path: &str) -> DecodeError {
    DecodeError::new(
        Kind::DuplicateField,
        format!("field `{path}` was sent more than once"),
    )
    .with_field(path)
}

/// The 400 error for a document that is not valid JSON.
fn syntax_error(error: serde_json::Error) -> DecodeError {
    DecodeError::malformed(format!("request body is not valid json: {error}")).with_source(error)
}

/// Maps a serde_json failure: syntax to 400, a misfit to 422 with its field.
fn data_error(error: serde_path_to_error::Error<serde_json::Error>) -> DecodeError {
    let path = json_path(error.path().iter());
    let inner = error.into_inner();
    if !matches!(inner.classify(), Category::Data) {
        return syntax_error(inner);
    }
    let full = inner.to_string();
    let position = format!(" at line {} column {}", inner.line(), inner.column());
    let message = full.strip_suffix(&position).unwrap_or(&full);
    let named = |prefix: &str| {
        let name = message.strip_prefix(prefix)?.split('`').next()?;
        Some(field_path(&path, name))
    };
    let (kind, field, text) = if let Some(field) = named("missing field `") {
        (
            Kind::MissingField,
            field.clone(),
            format!("missing field `{field}`"),
        )
    } else if let Some(field) = named("unknown field `") {
        (
            Kind::UnknownField,
            field.clone(),
            format!("unknown field `{field}`"),
        )
    } else if let Some(field) = named("duplicate field `") {
        (
            Kind::DuplicateField,
            field.clone(),
            format!("field `{field}` was sent more than once"),
        )
    } else if path.is_empty() {
        return DecodeError::new(Kind::Mismatch, message).with_source(inner);
    } else if message == EXPECTS_FILE {
        (
            Kind::Mismatch,
            path.clone(),
            format!("field `{path}` {message}"),
        )
    } else {
        (
            Kind::Mismatch,
            path.clone(),
            format!("field `{path}`: {message}"),
        )
    };
    DecodeError::new(kind, text)
        .with_field(field)
        .with_source(inner)
}

/// The path of field `name` reported at `path`: serde_path_to_error stops at the struct for a
/// missing field, but has already stepped into the key for an unknown or repeated one.
fn field_path(path: &str, name: &str) -> String {
    let is_at_key = path == name
        || path
            .strip_suffix(name)
            .is_some_and(|parent| parent.ends_with('.'));
    if is_at_key {
        path.to_owned()
    } else {
        join(path, name)
    }
}

/// Renders a serde_path_to_error path as `items[2].name`.
fn json_path<'a>(segments: impl Iterator<Item = &'a Segment>) -> String {
    segments.fold(String::new(), |path, segment| match segment {
        Segment::Seq { index } => format!("{path}[{index}]"),
        Segment::Map { key } | Segment::Enum { variant: key } => join(&path, key),
        Segment::Unknown => path,
    })
}

/// Renders a serde_ignored path the same way.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    match path {
        serde_ignored::Path::Root => String::new(),
        serde_ignored::Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        serde_ignored::Path::Map { parent, key } => join(&ignored_path(parent), key),
        serde_ignored::Path::Some { parent }
        | serde_ignored::Path::NewtypeStruct { parent }
        | serde_ignored::Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// `parent.key`, or `key` at the top.
fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

#[cfg(test)]
mod tests;
