//! Tracing from the click: the W3C `traceparent` header a caller sends (`client.js` sends one on
//! every call) makes the server's `action` span continue the caller's trace.
//!
//! The header is read strictly as W3C Trace Context level 1 says, and anything malformed is
//! ignored, never an error: a caller's tracing must never break its call. The parser is
//! hand-written because it is 55 fixed bytes; the `opentelemetry` propagator would pull the
//! OpenTelemetry API into every build, and the default build has no OpenTelemetry at all.

use http::HeaderMap;

/// [`TRACEPARENT_HEADER`](crate::wire::TRACEPARENT_HEADER) as a header name, made once (a
/// lookup by `&str` parses the name on every request).
const TRACEPARENT: http::HeaderName =
    http::HeaderName::from_static(crate::wire::TRACEPARENT_HEADER);

/// The caller's trace, from a valid `traceparent` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TraceParent {
    /// The 16-byte trace ID, never all zeros.
    pub(crate) trace_id: [u8; 16],
    /// The caller's own span (the parent of the action's), never all zeros.
    pub(crate) parent_id: [u8; 8],
    /// The trace flags (bit 0: the caller sampled this trace).
    pub(crate) flags: u8,
}

impl TraceParent {
    /// The trace sent in `headers`, if exactly one valid `traceparent` is there.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let mut values = headers.get_all(TRACEPARENT).iter();
        let value = values.next()?;
        // Two headers are two answers to one question: trust neither.
        if values.next().is_some() {
            return None;
        }
        Self::parse(value.to_str().ok()?)
    }

    /// Parses one `traceparent` value: `version-traceid-parentid-flags`, lowercase hex.
    ///
    /// Version `00` is exactly 55 characters. A later version may append fields after a `-`
    /// (read the four known ones, as the specification asks); version `ff` is invalid.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        let bytes = value.as_bytes();
        if bytes.len() < 55 {
            return None;
        }
        let version = hex_byte(&bytes[0..2])?;
        let valid_length = match version {
            0xff => false,
            0x00 => bytes.len() == 55,
            _ => bytes.len() == 55 || bytes[55] == b'-',
        };
        if !valid_length || bytes[2] != b'-' || bytes[35] != b'-' || bytes[52] != b'-' {
            return None;
        }
        let trace_id: [u8; 16] = hex_array(&bytes[3..35])?;
        let parent_id: [u8; 8] = hex_array(&bytes[36..52])?;
        let flags = hex_byte(&bytes[53..55])?;
        if trace_id == [0; 16] || parent_id == [0; 8] {
            return None;
        }
        Some(Self {
            trace_id,
            parent_id,
            flags,
        })
    }

    /// The trace ID as 32 lowercase hex digits, as the header carries it.
    pub(crate) fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// The parent span ID as 16 lowercase hex digits.
    pub(crate) fn parent_id_hex(&self) -> String {
        hex(&self.parent_id)
    }
}

/// Records the caller's trace on the action's span: the `trace_id` and `parent_span_id` fields,
/// and, with the `otel` feature, the span's OpenTelemetry parent.
pub(crate) fn continue_trace(span: &tracing::Span, headers: &HeaderMap) {
    // Nothing records a disabled span (no subscriber wants it): skip the header lookup.
    if span.is_disabled() {
        return;
    }
    let Some(parent) = TraceParent::from_headers(headers) else {
        return;
    };
    // As text (not a quoted string): the log line reads like the header.
    span.record("trace_id", tracing::field::display(parent.trace_id_hex()));
    span.record(
        "parent_span_id",
        tracing::field::display(parent.parent_id_hex()),
    );
    #[cfg(feature = "otel")]
    crate::otel::set_parent(span, &parent);
}

/// Two lowercase hex digits.
fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    Some(digit(pair[0])? << 4 | digit(pair[1])?)
}

/// `2 * N` lowercase hex digits.
fn hex_array<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    let mut out = [0; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = hex_byte(pair)?;
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_header_is_read() {
        let parent = TraceParent::parse(VALID).unwrap();
        assert_eq!(parent.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parent.parent_id_hex(), "00f067aa0ba902b7");
        assert_eq!(parent.flags, 1);
    }

    #[test]
    fn a_later_version_may_carry_more_fields() {
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-what-comes";
        assert!(TraceParent::parse(later).is_some());
        assert!(TraceParent::parse(&later[..55]).is_some());
        // Version 00 has exactly four fields.
        assert!(TraceParent::parse(&format!("{VALID}-x")).is_none());
        // And a later version's extra fields start with a dash.
        let glued = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00x";
        assert!(TraceParent::parse(glued).is_none());
    }

    #[test]
    fn malformed_headers_are_ignored() {
        for value in [
            "",
            "00",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
            " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01é",
        ] {
            assert!(TraceParent::parse(value).is_none(), "{value}");
        }
    }

    #[test]
    fn two_headers_are_ignored() {
        let mut headers = HeaderMap::new();
        headers.append(TRACEPARENT, VALID.parse().unwrap());
        assert!(TraceParent::from_headers(&headers).is_some());
        headers.append(TRACEPARENT, VALID.parse().unwrap());
        assert!(TraceParent::from_headers(&headers).is_none());
    }
}
