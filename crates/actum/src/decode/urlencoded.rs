//! `application/x-www-form-urlencoded` bodies: what a `<form method="post">` sends by default.

use super::error::DecodeError;
use super::form_data::{FormData, FormValue};
use super::limits::FormLimits;

/// Splits a urlencoded body into its fields, in order.
///
/// Pairs are separated by `&` (empty segments such as `a=1&&b=2` are skipped), the name ends at
/// the first `=` (a pair without `=` has an empty value), `+` is a space, and `%XX` is a byte.
/// A `%` not followed by two hex digits, or bytes that are not UTF-8 once decoded, make the body
/// malformed (400): nothing is ever replaced by U+FFFD, so what the action sees is what was sent.
/// More than `max_fields` pairs, or a name or value longer than `max_field_bytes` once decoded,
/// answer 413.
pub(crate) fn parse_urlencoded(bytes: &[u8], limits: &FormLimits) -> Result<FormData, DecodeError> {
    let mut form = FormData::urlencoded();
    for pair in bytes
        .split(|&byte| byte == b'&')
        .filter(|pair| !pair.is_empty())
    {
        if form.len() >= limits.get_max_fields() {
            return Err(too_many_fields(limits.get_max_fields()));
        }
        let (name, value) = decode_pair(pair, limits)?;
        form.push(name, FormValue::Text(value));
    }
    Ok(form)
}

/// The 413 error for a form with more than `max` fields.
pub(crate) fn too_many_fields(max: usize) -> DecodeError {
    DecodeError::too_large(format!("form has more than {max} fields"))
}

/// The 413 error for a name or text value longer than `max` bytes.
pub(crate) fn field_too_large(field: &str, max: usize) -> DecodeError {
    DecodeError::too_large(format!("field `{field}` is larger than {max} bytes")).with_field(field)
}

/// Decodes one `name=value` pair.
fn decode_pair(pair: &[u8], limits: &FormLimits) -> Result<(String, String), DecodeError> {
    let (raw_name, raw_value) = match pair.iter().position(|&byte| byte == b'=') {
        Some(equals) => (&pair[..equals], &pair[equals + 1..]),
        None => (pair, &[][..]),
    };
    let max = limits.get_max_field_bytes();
    let name = decode_component(raw_name).map_err(|problem| problem.in_name())?;
    if name.len() > max {
        return Err(DecodeError::too_large(format!(
            "a field name is longer than {max} bytes"
        )));
    }
    let value = decode_component(raw_value).map_err(|problem| problem.in_value_of(&name))?;
    if value.len() > max {
        return Err(field_too_large(&name, max));
    }
    Ok((name, value))
}

/// Why a name or value could not be decoded.
#[derive(Debug)]
enum ComponentError {
    BadPercent,
    NotUtf8(std::string::FromUtf8Error),
}

impl ComponentError {
    /// The 400 error for a field name.
    fn in_name(self) -> DecodeError {
        match self {
            Self::BadPercent => {
                DecodeError::malformed("a field name has malformed percent-encoding")
            }
            Self::NotUtf8(cause) => {
                DecodeError::malformed("a field name is not valid utf-8").with_source(cause)
            }
        }
    }

    /// The 400 error for the value of field `name`.
    fn in_value_of(self, name: &str) -> DecodeError {
        let error = match self {
            Self::BadPercent => {
                DecodeError::malformed(format!("field `{name}` has malformed percent-encoding"))
            }
            Self::NotUtf8(cause) => {
                DecodeError::malformed(format!("field `{name}` is not valid utf-8"))
                    .with_source(cause)
            }
        };
        error.with_field(name)
    }
}

/// Decodes `+` and `%XX`, strictly, then checks the result is UTF-8.
fn decode_component(raw: &[u8]) -> Result<String, ComponentError> {
    let mut decoded = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' => decoded.push(b' '),
            b'%' => {
                let (high, low) = match rest {
                    [high, low, ..] => (hex_value(*high), hex_value(*low)),
                    _ => (None, None),
                };
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(ComponentError::BadPercent);
                };
                decoded.push((high << 4) | low);
                rest = &rest[2..];
            }
            other => decoded.push(other),
        }
    }
    String::from_utf8(decoded).map_err(ComponentError::NotUtf8)
}

/// The value of one hex digit.
fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use http::StatusCode;

    use super::*;

    fn parse(body: &str) -> Result<Vec<(String, String)>, DecodeError> {
        parse_urlencoded(body.as_bytes(), &FormLimits::default()).map(|form| form.text_pairs())
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn decodes_pairs_in_order() {
        assert_eq!(
            parse("b=2&a=1&b=3").unwrap(),
            pairs(&[("b", "2"), ("a", "1"), ("b", "3")])
        );
    }

    #[test]
    fn plus_is_space_and_percent_is_a_byte() {
        assert_eq!(
            parse("full+name=Ada%20Lovelace&sym=%2B%26%3D%25&caf%C3%A9=cr%C3%A8me").unwrap(),
            pairs(&[
                ("full name", "Ada Lovelace"),
                ("sym", "+&=%"),
                ("café", "crème")
            ])
        );
        assert_eq!(parse("lower=%c3%a9").unwrap(), pairs(&[("lower", "é")]));
    }

    #[test]
    fn empty_segments_are_skipped_and_missing_equals_is_an_empty_value() {
        assert_eq!(
            parse("&a=1&&b&c=&").unwrap(),
            pairs(&[("a", "1"), ("b", ""), ("c", "")])
        );
        assert_eq!(parse("").unwrap(), pairs(&[]));
        assert_eq!(parse("a==b").unwrap(), pairs(&[("a", "=b")]));
    }

    #[test]
    fn bad_percent_encoding_is_400() {
        for body in ["a=%", "a=%4", "a=%zz", "a=100%"] {
            let error = parse(body).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(error.message(), "field `a` has malformed percent-encoding");
            assert_eq!(error.field(), Some("a"));
        }
        let error = parse("a%g0=1").unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            error.message(),
            "a field name has malformed percent-encoding"
        );
        assert_eq!(error.field(), None);
    }

    #[test]
    fn invalid_utf8_is_400_and_never_replaced() {
        let error = parse("name=%FF%FE").unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error.message(), "field `name` is not valid utf-8");
        assert_eq!(error.field(), Some("name"));
        assert!(error.source().is_some());

        let error = parse("%C3=1").unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error.message(), "a field name is not valid utf-8");

        let raw = parse_urlencoded(b"a=\xff", &FormLimits::default()).unwrap_err();
        assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn too_many_fields_is_413() {
        let limits = FormLimits::new().max_fields(2);
        assert_eq!(parse_urlencoded(b"a=1&&b=2&", &limits).unwrap().len(), 2);
        let error = parse_urlencoded(b"a=1&b=2&c=3", &limits).unwrap_err();
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.message(), "form has more than 2 fields");
        assert_eq!(error.field(), None);
    }

    #[test]
    fn a_value_or_name_too_large_is_413() {
        let limits = FormLimits::new().max_field_bytes(3);
        // The budget applies to the decoded bytes: `%41%42%43` is three bytes.
        assert_eq!(
            parse_urlencoded(b"abc=%41%42%43", &limits).unwrap().len(),
            1
        );
        let error = parse_urlencoded(b"a=abcd", &limits).unwrap_err();
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.message(), "field `a` is larger than 3 bytes");
        assert_eq!(error.field(), Some("a"));
        let error = parse_urlencoded(b"abcd=1", &limits).unwrap_err();
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error.message(), "a field name is longer than 3 bytes");
    }
}
