//! Where an action may send the browser: open-redirect defence for `redirect()` targets and for
//! the "return to this page" path a form carries.
//!
//! A target is accepted when it is a same-origin **path** (`/posts/1?tab=2#c3`), or an absolute
//! `http(s)://host[:port]/…` URL whose origin matches one of the app's allowed redirect hosts.
//! Everything else is refused, in particular the shapes browsers read as another host:
//! `//evil.com`, `/\evil.com`, `\\evil.com` (browsers read `\` as `/`), `https:evil.com`,
//! `https:///evil.com`, userinfo (`https://example.com@evil.com`), and any whitespace or control
//! character (browsers strip tabs and newlines *inside* URLs, and a CR/LF in a `Location` header
//! is header injection), raw or percent-encoded.
//!
//! The checks are deliberately stricter than what browsers require: a backslash anywhere, a
//! space, or `%2f`/`%5c` right after the leading slash are refused even where they would be
//! harmless, because a target that is odd is much more often an attack than a need. Non-ASCII
//! letters in a path are accepted (browsers percent-encode them when following the redirect);
//! hosts must be ASCII (punycode).

use std::fmt;

use crate::origin::{OriginPattern, UrlOrigin, UrlOriginError};

/// Accepts `target` if it is a same-origin path or an absolute http(s) URL on an allowed host,
/// and returns it unchanged.
pub(crate) fn validate_redirect(
    target: &str,
    allowed_hosts: &[OriginPattern],
) -> Result<String, InvalidRedirect> {
    check_characters(target)?;
    if target.starts_with('/') {
        check_path_start(target)?;
    } else {
        check_absolute(target, allowed_hosts)?;
    }
    Ok(target.to_owned())
}

/// Whether `s` is a path on this origin that is safe to redirect to.
pub(crate) fn is_local_path(s: &str) -> bool {
    check_characters(s)
        .and_then(|()| check_path_start(s))
        .is_ok()
}

/// A redirect target that was refused, with the reason for logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InvalidRedirect {
    reason: Reason,
}

impl InvalidRedirect {
    /// Why the target was refused, as a stable kebab-case label.
    pub(crate) fn reason(&self) -> &'static str {
        self.reason.label()
    }
}

impl fmt::Display for InvalidRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "redirect target refused: {}", self.reason.message())
    }
}

impl std::error::Error for InvalidRedirect {}

impl From<Reason> for InvalidRedirect {
    fn from(reason: Reason) -> Self {
        Self { reason }
    }
}

/// The rule a target broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    Empty,
    ControlOrWhitespace,
    Backslash,
    EncodedControl,
    ProtocolRelative,
    EncodedSlash,
    RelativeWithoutSlash,
    SchemeNotAllowed,
    Userinfo,
    MalformedUrl,
    HostNotAllowed,
}

impl Reason {
    /// The stable label logs and tests use.
    fn label(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::ControlOrWhitespace => "control-or-whitespace",
            Self::Backslash => "backslash",
            Self::EncodedControl => "encoded-control",
            Self::ProtocolRelative => "protocol-relative",
            Self::EncodedSlash => "encoded-slash",
            Self::RelativeWithoutSlash => "relative-without-slash",
            Self::SchemeNotAllowed => "scheme-not-allowed",
            Self::Userinfo => "userinfo",
            Self::MalformedUrl => "malformed-url",
            Self::HostNotAllowed => "host-not-allowed",
        }
    }

    /// The human sentence for `Display`.
    fn message(self) -> &'static str {
        match self {
            Self::Empty => "it is empty",
            Self::ControlOrWhitespace => "it contains whitespace or a control character",
            Self::Backslash => "it contains a backslash",
            Self::EncodedControl => "it contains a percent-encoded control character",
            Self::ProtocolRelative => "a path may not start with // or /\\ (another host)",
            Self::EncodedSlash => "a path may not start with an encoded slash or backslash",
            Self::RelativeWithoutSlash => "a path must start with /",
            Self::SchemeNotAllowed => "only http and https urls are allowed",
            Self::Userinfo => "a url may not carry userinfo (user@host)",
            Self::MalformedUrl => "the url is not http(s)://host[:port]/path",
            Self::HostNotAllowed => "the url's host is not an allowed redirect host",
        }
    }
}

/// Rules on every character, whatever the target's shape.
fn check_characters(target: &str) -> Result<(), Reason> {
    if target.is_empty() {
        return Err(Reason::Empty);
    }
    if target.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Reason::ControlOrWhitespace);
    }
    if target.contains('\\') {
        return Err(Reason::Backslash);
    }
    if has_encoded_control(target) {
        return Err(Reason::EncodedControl);
    }
    Ok(())
}

/// Whether a `%XX` escape decodes to an ASCII control character (`%0d`, `%0a`, `%00`, `%7f`…).
fn has_encoded_control(target: &str) -> bool {
    target.as_bytes().windows(3).any(|window| match window {
        [b'%', high, low] => decode_hex_pair(*high, *low).is_some_and(|b| b.is_ascii_control()),
        _ => false,
    })
}

/// The byte two hex digits stand for.
fn decode_hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    let value = digit(high)? * 16 + digit(low)?;
    u8::try_from(value).ok()
}

/// A same-origin path starts with one `/` that is not followed by something browsers (or a
/// decoding proxy) could read as the start of another host.
fn check_path_start(target: &str) -> Result<(), Reason> {
    let Some(after_slash) = target.strip_prefix('/') else {
        return Err(Reason::RelativeWithoutSlash);
    };
    if after_slash.starts_with(['/', '\\']) {
        return Err(Reason::ProtocolRelative);
    }
    let encoded = after_slash.get(..3).unwrap_or_default();
    if encoded.eq_ignore_ascii_case("%2f") || encoded.eq_ignore_ascii_case("%5c") {
        return Err(Reason::EncodedSlash);
    }
    Ok(())
}

/// An absolute target must be `http(s)://host[:port]…` on an allowed host.
fn check_absolute(target: &str, allowed_hosts: &[OriginPattern]) -> Result<(), Reason> {
    if !has_scheme(target) {
        return Err(Reason::RelativeWithoutSlash);
    }
    let (origin, _rest) = UrlOrigin::parse_url(target).map_err(|error| match error {
        UrlOriginError::NotHttp => Reason::SchemeNotAllowed,
        UrlOriginError::Userinfo => Reason::Userinfo,
        UrlOriginError::Malformed => Reason::MalformedUrl,
    })?;
    if allowed_hosts.iter().any(|pattern| pattern.matches(&origin)) {
        Ok(())
    } else {
        Err(Reason::HostNotAllowed)
    }
}

/// Whether the target opens with a URL scheme (`letter *(letter / digit / + / - / .) ":"`).
fn has_scheme(target: &str) -> bool {
    let Some((scheme, _)) = target.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<OriginPattern> {
        ["https://example.com", "*.cdn.example.org", "localhost:3000"]
            .into_iter()
            .map(|pattern| OriginPattern::parse(pattern).unwrap())
            .collect()
    }

    fn refusal(target: &str) -> &'static str {
        match validate_redirect(target, &allowed()) {
            Ok(accepted) => panic!("{target:?} was accepted as {accepted:?}"),
            Err(error) => error.reason(),
        }
    }

    #[test]
    fn open_redirect_shapes_are_refused() {
        let cases = [
            ("", "empty"),
            ("evil.com", "relative-without-slash"),
            ("posts/1", "relative-without-slash"),
            ("./posts", "relative-without-slash"),
            ("../posts", "relative-without-slash"),
            ("?q=1", "relative-without-slash"),
            ("#top", "relative-without-slash"),
            ("//evil.com", "protocol-relative"),
            ("///evil.com", "protocol-relative"),
            ("//example.com", "protocol-relative"),
            ("/\\evil.com", "backslash"),
            ("\\\\evil.com", "backslash"),
            ("\\/evil.com", "backslash"),
            ("/\\/evil.com", "backslash"),
            ("/posts\\..\\evil", "backslash"),
            ("https://example.com\\@evil.com", "backslash"),
            ("/%2fevil.com", "encoded-slash"),
            ("/%2F%2Fevil.com", "encoded-slash"),
            ("/%5cevil.com", "encoded-slash"),
            ("javascript:alert(1)", "scheme-not-allowed"),
            ("JavaScript:alert(1)", "scheme-not-allowed"),
            ("javascript://example.com/%0aalert(1)", "encoded-control"),
            (
                "data:text/html,<script>alert(1)</script>",
                "scheme-not-allowed",
            ),
            ("vbscript:msgbox(1)", "scheme-not-allowed"),
            ("ftp://example.com/", "scheme-not-allowed"),
            ("mailto:a@example.com", "scheme-not-allowed"),
            ("http://evil.com", "host-not-allowed"),
            ("https://evil.com/", "host-not-allowed"),
            ("http://example.com/", "host-not-allowed"),
            ("https://example.com:8443/", "host-not-allowed"),
            ("https://example.com.evil.com/", "host-not-allowed"),
            ("https://evilexample.com/", "host-not-allowed"),
            ("https://example.com./", "host-not-allowed"),
            ("https://cdn.example.org/", "host-not-allowed"),
            ("https://a.b.cdn.example.org/", "host-not-allowed"),
            ("https://evil.com#https://example.com", "host-not-allowed"),
            ("https://evil.com?https://example.com", "host-not-allowed"),
            ("https://example.com@evil.com", "userinfo"),
            ("https://user:pass@example.com/", "userinfo"),
            ("https:evil.com", "malformed-url"),
            ("https:/evil.com", "malformed-url"),
            ("https:///evil.com", "malformed-url"),
            ("https://", "malformed-url"),
            ("https://exa%6dple.com/", "malformed-url"),
            ("https://example.com:99999/", "malformed-url"),
            ("https://еxample.com/", "malformed-url"),
            ("/posts\r\nSet-Cookie: a=b", "control-or-whitespace"),
            ("/posts\n", "control-or-whitespace"),
            ("/\t/evil.com", "control-or-whitespace"),
            ("\t//evil.com", "control-or-whitespace"),
            (" //evil.com", "control-or-whitespace"),
            ("/posts\0", "control-or-whitespace"),
            ("/a\u{7f}", "control-or-whitespace"),
            ("/a\u{85}b", "control-or-whitespace"),
            ("/a\u{a0}b", "control-or-whitespace"),
            ("/a\u{2028}b", "control-or-whitespace"),
            ("/a b", "control-or-whitespace"),
            ("/posts%0d%0aSet-Cookie:a=b", "encoded-control"),
            ("/posts%0A", "encoded-control"),
            ("/posts%0D", "encoded-control"),
            ("/%09/evil.com", "encoded-control"),
            ("/posts%00", "encoded-control"),
            ("/posts?q=%7F", "encoded-control"),
        ];
        assert!(cases.len() >= 30);
        for (target, reason) in cases {
            assert_eq!(refusal(target), reason, "{target:?}");
            if target.starts_with('/') || target.is_empty() {
                assert!(!is_local_path(target), "{target:?}");
            }
        }
    }

    #[test]
    fn safe_targets_pass_unchanged() {
        let cases = [
            "/",
            "/posts",
            "/posts/1",
            "/posts/1?tab=comments&page=2",
            "/posts/1#comment-3",
            "/search?q=a%20b%2Fc",
            "/a/%2f/b",
            "/caf%C3%A9",
            "/café",
            "/posts/./1/../2",
            "/?next=//evil.com",
            "https://example.com",
            "https://example.com/",
            "HTTPS://EXAMPLE.COM/Path?Q#F",
            "https://example.com:443/posts",
            "https://img.cdn.example.org/a.png",
            "http://img.cdn.example.org/a.png",
            "http://localhost:3000/done",
            "https://example.com?x=1",
            "https://example.com#top",
        ];
        for target in cases {
            assert_eq!(
                validate_redirect(target, &allowed()).as_deref(),
                Ok(target),
                "{target:?}"
            );
            assert_eq!(is_local_path(target), target.starts_with('/'), "{target:?}");
        }
    }

    #[test]
    fn absolute_urls_need_an_allowed_host() {
        assert_eq!(
            validate_redirect("https://example.com/", &[]).map_err(|e| e.reason()),
            Err("host-not-allowed")
        );
        assert!(!is_local_path("https://example.com/"));
    }

    #[test]
    fn percent_escapes_that_are_not_controls_pass() {
        assert!(!has_encoded_control("/a%20b%2F%zz%4"));
        assert!(has_encoded_control("/a%1F"));
        assert!(has_encoded_control("%0a"));
    }

    #[test]
    fn refusals_display_in_lowercase() {
        let error = validate_redirect("//evil.com", &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "redirect target refused: a path may not start with // or /\\ (another host)"
        );
        let error = validate_redirect("https://evil.com", &[]).unwrap_err();
        assert_eq!(error.to_string(), error.to_string().to_lowercase());
    }
}
