//! The origin check: refuses cross-site action requests (CSRF) before their body is read.
//!
//! An action request passes when the first of these rules that applies says so:
//!
//! 1. `Sec-Fetch-Site` (set by the browser; a page cannot forge it): `same-origin` and `none` pass;
//!    `same-site` and `cross-site` pass only with an `Origin` on the allow-list; any other value
//!    is refused.
//! 2. Else `Origin`: it must be the request's own origin or on the allow-list. `null`, empty or
//!    malformed values are refused.
//! 3. Else `Referer`: its origin must match as `Origin` would.
//! 4. Else (none of the three: not a modern browser) the request is refused, unless the policy
//!    allows non-browser callers.
//!
//! A header that is repeated, or not visible ASCII, is refused whichever rule reads it.
//!
//! **The request's own origin** is its host and port, from the URI authority (HTTP/2, absolute
//! form) or the `Host` header; `Forwarded: host=` and `X-Forwarded-Host` replace it only when
//! the peer is a trusted proxy. Behind plain HTTP the server cannot know the scheme the browser
//! used (TLS often ends at a proxy), so the comparison is on host and port only: a `Host`
//! without a port matches an origin on its scheme's default port (http 80, https 443), and
//! `Host: example.com:443` matches `https://example.com`. Hosts compare case-insensitively; a
//! trailing dot makes a different host, as it does for browsers.
//!
//! **Why the parsing is written here** rather than taken from a URL crate: the check accepts a
//! deliberately small language (`scheme://host[:port]`, LDH host names, IP literals, CIDR
//! ranges) and must refuse everything else. A general URL parser is built to *accept* and
//! normalise far more (percent-decoding, IDNA, backslashes read as slashes, userinfo), which is
//! exactly the leeway an attacker looks for; and the whole grammar fits in a few small functions
//! that the tests below cover rule by rule.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use http::HeaderMap;
use http::header::{FORWARDED, HOST, HeaderName, ORIGIN, REFERER};
use http::request::Parts;

/// Fetch metadata header the browser sets on every request (not in `http`'s list).
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// De-facto proxy header carrying the host the client asked for.
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The longest DNS name, without its optional trailing dot.
const MAX_DOMAIN_LEN: usize = 253;

/// The longest DNS label.
const MAX_LABEL_LEN: usize = 63;

// ---------------------------------------------------------------------------------------------
// The policy
// ---------------------------------------------------------------------------------------------

/// Which cross-origin requests may call actions, and which proxies say what the host is.
///
/// Built by value like tower-http's `CorsLayer`: [`OriginPolicy::new`] is strict (same-origin
/// browsers only, no trusted proxy) and each setter documents what it relaxes.
///
/// ```
/// use actum::{OriginPolicy, TrustedProxies};
///
/// let policy = OriginPolicy::new()
///     .allowed_origins(["https://*.example.com", "partner.example.org:8443"])
///     .trusted_proxies(TrustedProxies::list(["10.0.0.0/8"])?)
///     .allow_non_browser(false);
/// # Ok::<(), actum::InvalidOriginPattern>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct OriginPolicy {
    allowed: Vec<OriginPattern>,
    trusted_proxies: TrustedProxies,
    allow_non_browser: bool,
}

impl OriginPolicy {
    /// The strict policy: only the request's own origin, no trusted proxy, browsers only.
    ///
    /// ```
    /// let policy = actum::OriginPolicy::new();
    /// # drop(policy);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Also accepts requests whose `Origin` matches one of these patterns (replacing any earlier
    /// list): `host`, `host:port` or `scheme://host[:port]`, with `*` for exactly one whole DNS
    /// label, never in the last two labels. See [`OriginPattern`].
    ///
    /// # Panics
    /// On an invalid pattern, with a message naming it and saying why: a list of allowed
    /// origins is fixed at startup, so a mistake in it is a programming error. Use
    /// [`OriginPolicy::try_allowed_origins`] for patterns read from configuration.
    ///
    /// ```
    /// let policy = actum::OriginPolicy::new().allowed_origins(["*.example.com"]);
    /// # drop(policy);
    /// ```
    #[track_caller]
    pub fn allowed_origins(self, patterns: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        match self.try_allowed_origins(patterns) {
            Ok(policy) => policy,
            Err(error) => panic!("actum: {error}"),
        }
    }

    /// Like [`OriginPolicy::allowed_origins`], but returns the first invalid pattern as an error.
    ///
    /// ```
    /// use actum::OriginPolicy;
    ///
    /// let error = OriginPolicy::new().try_allowed_origins(["*.com"]).unwrap_err();
    /// assert!(error.to_string().contains("*.com"));
    /// ```
    pub fn try_allowed_origins(
        mut self,
        patterns: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Self, InvalidOriginPattern> {
        self.allowed = patterns
            .into_iter()
            .map(|pattern| OriginPattern::parse(pattern.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(self)
    }

    /// Believes `Forwarded: host=` and `X-Forwarded-Host` from these peers. Only trust a proxy
    /// that overwrites those headers: whoever is trusted decides what "same origin" means.
    ///
    /// ```
    /// use actum::{OriginPolicy, TrustedProxies};
    ///
    /// let policy = OriginPolicy::new().trusted_proxies(TrustedProxies::list(["::1", "127.0.0.1"])?);
    /// # drop(policy);
    /// # Ok::<(), actum::InvalidOriginPattern>(())
    /// ```
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// Accepts requests that carry none of `Sec-Fetch-Site`, `Origin` and `Referer` (scripts,
    /// `curl`, server-to-server calls). Browsers always send one of them, so this does not open
    /// actions to cross-site forms; it does let in callers that are not browsers.
    ///
    /// ```
    /// let policy = actum::OriginPolicy::new().allow_non_browser(true);
    /// # drop(policy);
    /// ```
    pub fn allow_non_browser(mut self, allow: bool) -> Self {
        self.allow_non_browser = allow;
        self
    }

    /// Checks an action request's head against the policy; `peer` is the address the connection
    /// came from (axum's `ConnectInfo`), used only to decide whether to trust proxy headers.
    ///
    /// ```
    /// use actum::OriginPolicy;
    ///
    /// let post = |origin: &str| {
    ///     http::Request::post("/_actum/abc")
    ///         .header("host", "example.com")
    ///         .header("origin", origin)
    ///         .body(())
    ///         .map(|request| request.into_parts().0)
    /// };
    /// let policy = OriginPolicy::new();
    /// assert!(policy.check(&post("https://example.com")?, None).is_ok());
    /// let refused = policy.check(&post("https://evil.example")?, None).unwrap_err();
    /// assert_eq!(refused.reason(), "origin-mismatch");
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn check(&self, parts: &Parts, peer: Option<SocketAddr>) -> Result<(), OriginRejection> {
        self.check_found(Found::lookup(&parts.headers), parts, peer)
    }

    /// [`check`](Self::check), with the three headers it reads first already found.
    pub(crate) fn check_found(
        &self,
        found: Found<'_>,
        parts: &Parts,
        peer: Option<SocketAddr>,
    ) -> Result<(), OriginRejection> {
        self.evaluate(found, parts, peer).map_err(|reason| {
            let headers = &parts.headers;
            tracing::debug!(
                reason = reason.label(),
                sec_fetch_site = ?headers.get(SEC_FETCH_SITE),
                origin = ?headers.get(ORIGIN),
                referer = ?headers.get(REFERER),
                host = ?headers.get(HOST),
                ?peer,
                "action request refused by the origin check"
            );
            OriginRejection { reason }
        })
    }

    /// Applies the four rules of the module documentation, in order.
    fn evaluate(
        &self,
        found: Found<'_>,
        parts: &Parts,
        peer: Option<SocketAddr>,
    ) -> Result<(), Reason> {
        let fetch_site = found.fetch_site.map_err(|_| Reason::InvalidFetchSite)?;
        let origin = found.origin.map_err(|_| Reason::MalformedOrigin)?;
        let referer = found.referer.map_err(|_| Reason::MalformedReferer)?;

        if let Some(site) = fetch_site {
            return self.check_fetch_site(site, origin);
        }
        if let Some(origin) = origin {
            let origin = parse_origin_header(origin)?;
            return self.require_own_or_allowed(&origin, parts, peer, Reason::OriginMismatch);
        }
        if let Some(referer) = referer {
            let origin = parse_referer(referer).ok_or(Reason::MalformedReferer)?;
            return self.require_own_or_allowed(&origin, parts, peer, Reason::RefererMismatch);
        }
        if self.allow_non_browser {
            Ok(())
        } else {
            Err(Reason::MissingHeaders)
        }
    }

    /// Rule 1: the browser said how the request's initiator relates to its target.
    fn check_fetch_site(&self, site: &str, origin: Option<&str>) -> Result<(), Reason> {
        match site {
            "same-origin" | "none" => Ok(()),
            "same-site" => self.require_allowed(origin, Reason::SameSite),
            "cross-site" => self.require_allowed(origin, Reason::CrossSite),
            _ => Err(Reason::InvalidFetchSite),
        }
    }

    /// Passes a cross-origin request only when its `Origin` is on the allow-list.
    fn require_allowed(&self, origin: Option<&str>, refusal: Reason) -> Result<(), Reason> {
        let origin = parse_origin_header(origin.ok_or(refusal)?)?;
        if self.is_allowed(&origin) {
            Ok(())
        } else {
            Err(refusal)
        }
    }

    /// Rules 2 and 3: the origin must be the request's own or on the allow-list.
    fn require_own_or_allowed(
        &self,
        origin: &UrlOrigin,
        parts: &Parts,
        peer: Option<SocketAddr>,
        refusal: Reason,
    ) -> Result<(), Reason> {
        let own = self.own_host(parts, peer)?;
        if own.is_host_of(origin) || self.is_allowed(origin) {
            Ok(())
        } else {
            Err(refusal)
        }
    }

    /// Whether an allow-list pattern matches the origin.
    fn is_allowed(&self, origin: &UrlOrigin) -> bool {
        self.allowed.iter().any(|pattern| pattern.matches(origin))
    }

    /// The host and port the client asked for: the proxy's word when the peer is trusted.
    fn own_host(&self, parts: &Parts, peer: Option<SocketAddr>) -> Result<OwnHost, Reason> {
        if self.trusted_proxies.trusts(peer)
            && let Some(host) = forwarded_host(&parts.headers)?
        {
            return Ok(host);
        }
        direct_host(parts)
    }
}

// ---------------------------------------------------------------------------------------------
// Rejection
// ---------------------------------------------------------------------------------------------

/// Why the origin check refused an action request. The HTTP layer answers 403 to all of them;
/// [`OriginRejection::reason`] tells them apart in logs.
///
/// ```
/// use actum::OriginPolicy;
///
/// let (parts, ()) = http::Request::post("/_actum/abc").body(())?.into_parts();
/// let refused = OriginPolicy::new().check(&parts, None).unwrap_err();
/// assert_eq!(refused.reason(), "missing-headers");
/// assert_eq!(
///     refused.to_string(),
///     "origin check failed: none of sec-fetch-site, origin and referer was sent"
/// );
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OriginRejection {
    reason: Reason,
}

impl OriginRejection {
    /// Which rule refused, as a stable kebab-case label for logs: `cross-site`, `same-site`,
    /// `invalid-fetch-site`, `origin-mismatch`, `null-origin`, `malformed-origin`,
    /// `referer-mismatch`, `malformed-referer`, `missing-headers`, `missing-host`,
    /// `malformed-host` or `conflicting-forwarded-host`.
    ///
    /// ```
    /// use actum::OriginPolicy;
    ///
    /// let (parts, ()) = http::Request::post("/_actum/abc")
    ///     .header("sec-fetch-site", "cross-site")
    ///     .body(())?
    ///     .into_parts();
    /// assert_eq!(OriginPolicy::new().check(&parts, None).unwrap_err().reason(), "cross-site");
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn reason(&self) -> &'static str {
        self.reason.label()
    }
}

impl fmt::Display for OriginRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "origin check failed: {}", self.reason.message())
    }
}

impl std::error::Error for OriginRejection {}

/// The rule that refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    CrossSite,
    SameSite,
    InvalidFetchSite,
    OriginMismatch,
    NullOrigin,
    MalformedOrigin,
    RefererMismatch,
    MalformedReferer,
    MissingHeaders,
    MissingHost,
    MalformedHost,
    ConflictingForwardedHost,
}

impl Reason {
    /// The stable label logs and tests use.
    fn label(self) -> &'static str {
        match self {
            Self::CrossSite => "cross-site",
            Self::SameSite => "same-site",
            Self::InvalidFetchSite => "invalid-fetch-site",
            Self::OriginMismatch => "origin-mismatch",
            Self::NullOrigin => "null-origin",
            Self::MalformedOrigin => "malformed-origin",
            Self::RefererMismatch => "referer-mismatch",
            Self::MalformedReferer => "malformed-referer",
            Self::MissingHeaders => "missing-headers",
            Self::MissingHost => "missing-host",
            Self::MalformedHost => "malformed-host",
            Self::ConflictingForwardedHost => "conflicting-forwarded-host",
        }
    }

    /// The human sentence for `Display`; it never repeats header values (they go to the log).
    fn message(self) -> &'static str {
        match self {
            Self::CrossSite => "cross-site request from an origin that is not allowed",
            Self::SameSite => "same-site request from an origin that is not allowed",
            Self::InvalidFetchSite => "sec-fetch-site is repeated or has an unknown value",
            Self::OriginMismatch => "origin is neither this host nor allowed",
            Self::NullOrigin => "origin is null",
            Self::MalformedOrigin => "origin is repeated or malformed",
            Self::RefererMismatch => "referer is neither this host nor allowed",
            Self::MalformedReferer => "referer is repeated or malformed",
            Self::MissingHeaders => "none of sec-fetch-site, origin and referer was sent",
            Self::MissingHost => "the request names no host",
            Self::MalformedHost => "the request's host is repeated or malformed",
            Self::ConflictingForwardedHost => "forwarded and x-forwarded-host name different hosts",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading headers
// ---------------------------------------------------------------------------------------------

/// A header that cannot be read as one value: repeated, or not visible ASCII.
#[derive(Debug)]
pub(crate) struct UnreadableHeader;

/// The headers the check reads first (`Sec-Fetch-Site`, `Origin`, `Referer`), each as
/// [`single_value`] reads it.
#[derive(Debug)]
pub(crate) struct Found<'a> {
    fetch_site: Result<Option<&'a str>, UnreadableHeader>,
    origin: Result<Option<&'a str>, UnreadableHeader>,
    referer: Result<Option<&'a str>, UnreadableHeader>,
}

impl<'a> Found<'a> {
    /// By lookups in the header map.
    fn lookup(headers: &'a HeaderMap) -> Self {
        Self {
            fetch_site: single_value(headers, &SEC_FETCH_SITE),
            origin: single_value(headers, &ORIGIN),
            referer: single_value(headers, &REFERER),
        }
    }

    /// From the headers an action call found in one walk (the same answers as [`Found::lookup`]).
    pub(crate) fn known(known: &crate::known_headers::KnownHeaders<'a>) -> Self {
        use crate::known_headers::Known;
        let single = |header| {
            if known.is_repeated(header) {
                return Err(UnreadableHeader);
            }
            match known.get(header) {
                None => Ok(None),
                Some(value) => value.to_str().map(Some).map_err(|_| UnreadableHeader),
            }
        };
        Self {
            fetch_site: single(Known::SecFetchSite),
            origin: single(Known::Origin),
            referer: single(Known::Referer),
        }
    }
}

/// The header's only value: `None` when absent, an error when repeated or not visible ASCII.
fn single_value<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'a str>, UnreadableHeader> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(UnreadableHeader);
    }
    value.to_str().map(Some).map_err(|_| UnreadableHeader)
}

/// An `Origin` header value: `null` and malformed values are told apart for the logs.
fn parse_origin_header(value: &str) -> Result<UrlOrigin, Reason> {
    if value == "null" {
        return Err(Reason::NullOrigin);
    }
    match UrlOrigin::parse_url(value) {
        Ok((origin, "")) => Ok(origin),
        _ => Err(Reason::MalformedOrigin),
    }
}

/// The origin of a `Referer` value, which must be a whole absolute http(s) URL.
fn parse_referer(value: &str) -> Option<UrlOrigin> {
    let (origin, rest) = UrlOrigin::parse_url(value).ok()?;
    // Browsers send a serialised URL: no spaces, tabs or backslashes anywhere.
    rest.bytes()
        .all(|b| b.is_ascii_graphic() && b != b'\\')
        .then_some(origin)
}

/// The host the client connected to: the URI authority when the request has one (HTTP/2 and
/// absolute-form requests, where it overrides `Host`), else the `Host` header.
fn direct_host(parts: &Parts) -> Result<OwnHost, Reason> {
    if let Some(authority) = parts.uri.authority() {
        return OwnHost::parse(authority.as_str()).ok_or(Reason::MalformedHost);
    }
    let value = single_value(&parts.headers, &HOST)
        .map_err(|_| Reason::MalformedHost)?
        .ok_or(Reason::MissingHost)?;
    OwnHost::parse(value).ok_or(Reason::MalformedHost)
}

/// The host a trusted proxy reports, if it reports one; the two headers must agree when both
/// are present, since a proxy that sets one may pass the other through from the client.
fn forwarded_host(headers: &HeaderMap) -> Result<Option<OwnHost>, Reason> {
    let standard = forwarded_header_host(headers)?;
    let legacy = x_forwarded_host(headers)?;
    match (standard, legacy) {
        (Some(standard), Some(legacy)) if standard != legacy => {
            Err(Reason::ConflictingForwardedHost)
        }
        (standard, legacy) => Ok(standard.or(legacy)),
    }
}

/// The `host=` parameter of the first element of the first `Forwarded` header (RFC 7239).
fn forwarded_header_host(headers: &HeaderMap) -> Result<Option<OwnHost>, Reason> {
    let Some(value) = headers.get(FORWARDED) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| Reason::MalformedHost)?;
    let first_element = value.split(',').next().unwrap_or_default();
    let host = first_element
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.trim());
    let Some(host) = host else { return Ok(None) };
    let unquoted = host
        .strip_prefix('"')
        .and_then(|h| h.strip_suffix('"'))
        .unwrap_or(host);
    OwnHost::parse(unquoted)
        .map(Some)
        .ok_or(Reason::MalformedHost)
}

/// The first value of the first `X-Forwarded-Host` header.
fn x_forwarded_host(headers: &HeaderMap) -> Result<Option<OwnHost>, Reason> {
    let Some(value) = headers.get(X_FORWARDED_HOST) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| Reason::MalformedHost)?;
    let first = value.split(',').next().unwrap_or_default().trim();
    OwnHost::parse(first).map(Some).ok_or(Reason::MalformedHost)
}

// ---------------------------------------------------------------------------------------------
// Origins, hosts and ports
// ---------------------------------------------------------------------------------------------

/// The two schemes an origin may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    /// `http` or `https`, in any case.
    fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("http") {
            Some(Self::Http)
        } else if s.eq_ignore_ascii_case("https") {
            Some(Self::Https)
        } else {
            None
        }
    }

    /// The port an origin of this scheme has when it names none.
    fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }

    /// The scheme as written in a URL.
    fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

/// A host name (lowercase, trailing dot kept) or an IP address.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
    Domain(String),
    Ip(IpAddr),
}

/// The origin of an absolute http(s) URL: scheme, lowercase host and explicit or default port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UrlOrigin {
    scheme: Scheme,
    host: Host,
    port: u16,
}

/// Why a string is not an absolute http(s) URL with a plain authority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UrlOriginError {
    /// It has a scheme other than http or https (or none at all).
    NotHttp,
    /// Its authority carries userinfo (`user@host`).
    Userinfo,
    /// Anything else: no `//`, empty or invalid host, invalid port.
    Malformed,
}

impl UrlOrigin {
    /// Splits `scheme://host[:port]rest` into its origin and `rest` (empty, or starting with `/`,
    /// `?` or `#`); does not look at `rest`.
    pub(crate) fn parse_url(url: &str) -> Result<(Self, &str), UrlOriginError> {
        let (scheme, after_scheme) = url.split_once(':').ok_or(UrlOriginError::NotHttp)?;
        let scheme = Scheme::parse(scheme).ok_or(UrlOriginError::NotHttp)?;
        let after_slashes = after_scheme
            .strip_prefix("//")
            .ok_or(UrlOriginError::Malformed)?;
        let end = after_slashes
            .find(['/', '?', '#'])
            .unwrap_or(after_slashes.len());
        let (authority, rest) = after_slashes.split_at(end);
        if authority.contains('@') {
            return Err(UrlOriginError::Userinfo);
        }
        let (host, port) = split_authority(authority).ok_or(UrlOriginError::Malformed)?;
        let host = parse_request_host(host).ok_or(UrlOriginError::Malformed)?;
        let port = match port {
            Some(port) => parse_port(port).ok_or(UrlOriginError::Malformed)?,
            None => scheme.default_port(),
        };
        Ok((Self { scheme, host, port }, rest))
    }
}

/// The request's own host and port (`None`: the default port of whichever scheme was used).
#[derive(Clone, Debug, PartialEq, Eq)]
struct OwnHost {
    host: Host,
    port: Option<u16>,
}

impl OwnHost {
    /// Parses `host[:port]` as found in `Host`, an authority or a forwarded header.
    fn parse(authority: &str) -> Option<Self> {
        let (host, port) = split_authority(authority)?;
        let port = match port {
            Some(port) => Some(parse_port(port)?),
            None => None,
        };
        Some(Self {
            host: parse_request_host(host)?,
            port,
        })
    }

    /// Whether the origin is this host, on this port (see the module docs for default ports).
    fn is_host_of(&self, origin: &UrlOrigin) -> bool {
        let port = self.port.unwrap_or(origin.scheme.default_port());
        self.host == origin.host && port == origin.port
    }
}

/// Splits `host[:port]` or `[v6][:port]`; the port is returned unparsed.
fn split_authority(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, rest) = authority.split_at(close + 1);
        if rest.is_empty() {
            return Some((host, None));
        }
        return Some((host, Some(rest.strip_prefix(':')?)));
    }
    match authority.split_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((authority, None)),
    }
}

/// A port: one to five ASCII digits (no sign, unlike `u16::from_str`), from 1 to 65535.
fn parse_port(port: &str) -> Option<u16> {
    let digits_only = (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit());
    digits_only
        .then(|| port.parse().ok())
        .flatten()
        .filter(|&port| port != 0)
}

/// A host as browsers and clients send it: a bracketed IPv6 address, a dotted IPv4 address, or a
/// DNS name of letters, digits, `-`, `_` and dots (with one optional trailing dot).
fn parse_request_host(host: &str) -> Option<Host> {
    if let Some(bracketed) = host.strip_prefix('[') {
        let v6: Ipv6Addr = bracketed.strip_suffix(']')?.parse().ok()?;
        return Some(Host::Ip(IpAddr::V6(v6)));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    if ends_in_a_number(name) {
        // Browsers read such hosts as IPv4 addresses; only the canonical dotted form is accepted.
        let v4: Ipv4Addr = name.parse().ok()?;
        return Some(Host::Ip(IpAddr::V4(v4)));
    }
    let valid = !name.is_empty()
        && name.len() <= MAX_DOMAIN_LEN
        && name.split('.').all(|label| {
            (1..=MAX_LABEL_LEN).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    valid.then(|| Host::Domain(host.to_ascii_lowercase()))
}

/// The WHATWG URL rule: a host whose last label is a decimal or `0x` hex number is an IPv4
/// address, never a DNS name.
fn ends_in_a_number(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let hex = last.strip_prefix("0x").or_else(|| last.strip_prefix("0X"));
    match hex {
        Some(digits) => digits.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()),
    }
}

// ---------------------------------------------------------------------------------------------
// Allow-list patterns
// ---------------------------------------------------------------------------------------------

/// One entry of an origin allow-list: `host`, `host:port` or `scheme://host[:port]`.
///
/// - The scheme, when given, must be `http` or `https` and must equal the origin's.
/// - Without a port the pattern matches the origin's default port (80 for http, 443 for https);
///   with one, exactly that port.
/// - `*` stands for exactly one whole DNS label: `*.example.com` matches `a.example.com`, not
///   `example.com` nor `a.b.example.com`. It may not appear in the last two labels (`*.com`,
///   `example.*` and `*` are refused) nor inside a label (`a*.example.com`).
/// - Labels are letters, digits and hyphens, 1 to 63 characters, 253 in all, lowercased on
///   parse; IP addresses (IPv6 in brackets) are allowed without wildcards.
///
/// ```
/// use actum::OriginPattern;
///
/// let pattern = OriginPattern::parse("https://*.Example.com")?;
/// assert_eq!(pattern.to_string(), "https://*.example.com");
/// assert!(OriginPattern::parse("a*.example.com").is_err());
/// assert!("[::1]:3000".parse::<OriginPattern>().is_ok());
/// # Ok::<(), actum::InvalidOriginPattern>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OriginPattern {
    scheme: Option<Scheme>,
    host: HostPattern,
    port: Option<u16>,
}

/// The host part of a pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum HostPattern {
    Ip(IpAddr),
    Domain(Vec<Label>),
}

/// One DNS label of a pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Label {
    Any,
    Exact(String),
}

impl OriginPattern {
    /// Parses and validates a pattern; surrounding whitespace is ignored.
    ///
    /// ```
    /// use actum::OriginPattern;
    ///
    /// assert!(OriginPattern::parse("a.*.example.com").is_ok());
    /// let error = OriginPattern::parse("example.*").unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     r#"invalid origin pattern "example.*": a wildcard may not be one of the last two labels"#
    /// );
    /// ```
    pub fn parse(pattern: &str) -> Result<Self, InvalidOriginPattern> {
        parse_pattern(pattern.trim()).map_err(|reason| InvalidOriginPattern {
            input: pattern.to_owned(),
            subject: "origin pattern",
            reason,
        })
    }

    /// Whether an origin matches this pattern (scheme, port and host, label by label).
    pub(crate) fn matches(&self, origin: &UrlOrigin) -> bool {
        let port = self.port.unwrap_or(origin.scheme.default_port());
        self.scheme.is_none_or(|scheme| scheme == origin.scheme)
            && port == origin.port
            && self.host.matches(&origin.host)
    }
}

impl HostPattern {
    /// IPs match equal IPs; names match label by label, with the same number of labels.
    fn matches(&self, host: &Host) -> bool {
        match (self, host) {
            (Self::Ip(pattern), Host::Ip(ip)) => pattern == ip,
            (Self::Domain(labels), Host::Domain(name)) => {
                name.split('.').count() == labels.len()
                    && labels
                        .iter()
                        .zip(name.split('.'))
                        .all(|(label, part)| label.matches(part))
            }
            _ => false,
        }
    }
}

impl Label {
    /// `*` matches any one (non-empty) label; others match themselves (both are lowercase).
    fn matches(&self, part: &str) -> bool {
        match self {
            Self::Any => !part.is_empty(),
            Self::Exact(label) => label == part,
        }
    }
}

impl FromStr for OriginPattern {
    type Err = InvalidOriginPattern;

    fn from_str(pattern: &str) -> Result<Self, Self::Err> {
        Self::parse(pattern)
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = self.scheme {
            write!(f, "{}://", scheme.as_str())?;
        }
        match &self.host {
            HostPattern::Ip(IpAddr::V4(ip)) => write!(f, "{ip}")?,
            HostPattern::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]")?,
            HostPattern::Domain(labels) => {
                for (index, label) in labels.iter().enumerate() {
                    let separator = if index == 0 { "" } else { "." };
                    let text = match label {
                        Label::Any => "*",
                        Label::Exact(text) => text,
                    };
                    write!(f, "{separator}{text}")?;
                }
            }
        }
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OriginPattern(\"{self}\")")
    }
}

/// Parses a trimmed pattern; the error is the reason shown to the user.
fn parse_pattern(pattern: &str) -> Result<OriginPattern, &'static str> {
    if pattern.is_empty() {
        return Err("the pattern is empty");
    }
    if !pattern.is_ascii() {
        return Err("only ASCII is allowed (write international names in punycode, xn--)");
    }
    let (scheme, authority) = match pattern.split_once("://") {
        Some((scheme, rest)) => (
            Some(Scheme::parse(scheme).ok_or("the scheme must be http or https")?),
            rest,
        ),
        None => (None, pattern),
    };
    if authority.contains(['/', '?', '#']) {
        return Err("only a scheme, a host and a port are allowed (no path, query or fragment)");
    }
    if authority.contains('@') {
        return Err("userinfo (user@) is not allowed");
    }
    let (host, port) = split_pattern_authority(authority)?;
    let port = match port {
        Some(port) => Some(parse_port(port).ok_or("the port must be a number from 1 to 65535")?),
        None => None,
    };
    Ok(OriginPattern {
        scheme,
        host: parse_host_pattern(host)?,
        port,
    })
}

/// Splits a pattern's `host[:port]`, also accepting a bare IPv6 address (no port).
fn split_pattern_authority(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    let is_bare_ipv6 = !authority.starts_with('[') && authority.matches(':').count() > 1;
    if is_bare_ipv6 {
        return match authority.parse::<Ipv6Addr>() {
            Ok(_) => Ok((authority, None)),
            Err(_) => Err("an IPv6 address with a port must be in brackets, like [::1]:3000"),
        };
    }
    if authority.starts_with('[') && !authority.contains(']') {
        return Err("a bracketed IPv6 address is not closed");
    }
    split_authority(authority).ok_or("a bracketed IPv6 address may only be followed by :port")
}

/// Validates the host of a pattern: an IP literal, or DNS labels with whole-label wildcards.
fn parse_host_pattern(host: &str) -> Result<HostPattern, &'static str> {
    if let Some(bracketed) = host.strip_prefix('[') {
        let inner = bracketed
            .strip_suffix(']')
            .ok_or("a bracketed IPv6 address is not closed")?;
        let v6: Ipv6Addr = inner.parse().map_err(|_| "invalid IPv6 address")?;
        return Ok(HostPattern::Ip(IpAddr::V6(v6)));
    }
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return Ok(HostPattern::Ip(IpAddr::V6(v6)));
    }
    if host.is_empty() {
        return Err("the host is empty");
    }
    if host.len() > MAX_DOMAIN_LEN {
        return Err("the host is longer than 253 characters");
    }
    let labels = host
        .split('.')
        .map(parse_label)
        .collect::<Result<Vec<_>, _>>()?;
    if ends_in_a_number(host) {
        if labels.contains(&Label::Any) {
            return Err("wildcards are not allowed in IP addresses");
        }
        let v4: Ipv4Addr = host.parse().map_err(|_| "invalid IPv4 address")?;
        return Ok(HostPattern::Ip(IpAddr::V4(v4)));
    }
    if labels
        .iter()
        .rev()
        .take(2)
        .any(|label| *label == Label::Any)
    {
        return Err("a wildcard may not be one of the last two labels");
    }
    Ok(HostPattern::Domain(labels))
}

/// Validates one DNS label of a pattern: `*`, or LDH of 1 to 63 characters, lowercased.
fn parse_label(label: &str) -> Result<Label, &'static str> {
    if label == "*" {
        return Ok(Label::Any);
    }
    if label.is_empty() {
        return Err("a host label is empty (leading, trailing or double dot)");
    }
    if label.contains('*') {
        return Err("a wildcard must be a whole label, like *.example.com");
    }
    if label.len() > MAX_LABEL_LEN {
        return Err("a host label is longer than 63 characters");
    }
    if !label
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err("a host label may only hold letters, digits and hyphens");
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err("a host label may not start or end with a hyphen");
    }
    Ok(Label::Exact(label.to_ascii_lowercase()))
}

/// An allowed origin or trusted proxy that could not be parsed; says which one and why.
///
/// ```
/// use actum::{OriginPattern, TrustedProxies};
///
/// let error = OriginPattern::parse("*.com").unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     r#"invalid origin pattern "*.com": a wildcard may not be one of the last two labels"#
/// );
/// let error = TrustedProxies::list(["10.0.0.0/33"]).unwrap_err();
/// assert!(error.to_string().starts_with(r#"invalid trusted proxy "10.0.0.0/33""#));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidOriginPattern {
    input: String,
    subject: &'static str,
    reason: &'static str,
}

impl fmt::Display for InvalidOriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Debug-quoting keeps stray whitespace and control characters visible.
        write!(
            f,
            "invalid {} {:?}: {}",
            self.subject, self.input, self.reason
        )
    }
}

impl std::error::Error for InvalidOriginPattern {}

// ---------------------------------------------------------------------------------------------
// Trusted proxies
// ---------------------------------------------------------------------------------------------

/// Which peers may say, with `Forwarded: host=` or `X-Forwarded-Host`, what host the client
/// asked for.
///
/// ```
/// use actum::TrustedProxies;
///
/// let proxies = TrustedProxies::list(["10.0.0.0/8", "fd00::/8", "192.168.1.7"])?;
/// assert_ne!(proxies, TrustedProxies::None);
/// assert_eq!(TrustedProxies::default(), TrustedProxies::None);
/// # Ok::<(), actum::InvalidOriginPattern>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TrustedProxies {
    /// No one: forwarded headers are ignored (the default).
    #[default]
    None,
    /// Every peer. Only when the server is unreachable except through a proxy that overwrites
    /// the forwarded headers.
    All,
    /// Peers inside these ranges, each a network address and a prefix length (a single address
    /// is a `/32` or `/128`). Build it with [`TrustedProxies::list`]; a range whose prefix is
    /// longer than its address family allows matches nothing. When the peer address is unknown,
    /// no one is trusted.
    List(Vec<(IpAddr, u8)>),
}

impl TrustedProxies {
    /// Parses addresses (`192.168.1.7`, `::1`) and CIDR ranges (`10.0.0.0/8`, `fd00::/8`);
    /// surrounding whitespace is ignored. A range with bits set past its prefix
    /// (`10.0.0.1/8`) is refused as a likely typo.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use actum::TrustedProxies;
    ///
    /// let proxies = TrustedProxies::list(["10.0.0.0/8"])?;
    /// assert_eq!(proxies, TrustedProxies::List(vec![(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8)]));
    /// assert!(TrustedProxies::list(["10.0.0.1/8"]).is_err());
    /// # Ok::<(), actum::InvalidOriginPattern>(())
    /// ```
    pub fn list(
        items: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Self, InvalidOriginPattern> {
        let ranges = items
            .into_iter()
            .map(|item| {
                let item = item.as_ref();
                parse_ip_range(item.trim()).map_err(|reason| InvalidOriginPattern {
                    input: item.to_owned(),
                    subject: "trusted proxy",
                    reason,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::List(ranges))
    }

    /// Whether forwarded headers from this peer are believed.
    fn trusts(&self, peer: Option<SocketAddr>) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::List(ranges) => peer.is_some_and(|peer| {
                // A dual-stack listener reports IPv4 peers as `::ffff:a.b.c.d`.
                let ip = peer.ip().to_canonical();
                ranges
                    .iter()
                    .any(|&(network, prefix)| range_contains(network, prefix, ip))
            }),
        }
    }
}

/// Parses `address` or `address/prefix` into a network address and prefix length.
fn parse_ip_range(item: &str) -> Result<(IpAddr, u8), &'static str> {
    let (address, prefix) = match item.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (item, None),
    };
    let address: IpAddr = address.parse().map_err(|_| "not an IPv4 or IPv6 address")?;
    let max = max_prefix(address);
    let prefix = match prefix {
        None => max,
        Some(prefix) => parse_prefix(prefix, max).ok_or(match address {
            IpAddr::V4(_) => "the prefix length must be a number from 0 to 32",
            IpAddr::V6(_) => "the prefix length must be a number from 0 to 128",
        })?,
    };
    if network_of(address, prefix) != Some(address) {
        return Err("the address has bits set past the prefix length (write the network address)");
    }
    Ok((address, prefix))
}

/// A prefix length: one to three ASCII digits, at most `max`.
fn parse_prefix(prefix: &str, max: u8) -> Option<u8> {
    let digits_only = (1..=3).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_digit());
    digits_only
        .then(|| prefix.parse().ok())
        .flatten()
        .filter(|&prefix| prefix <= max)
}

/// The number of bits in an address of this family.
fn max_prefix(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// The address with every bit past `prefix` cleared; `None` when the prefix is too long.
fn network_of(address: IpAddr, prefix: u8) -> Option<IpAddr> {
    if prefix > max_prefix(address) {
        return None;
    }
    let network = match address {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    };
    Some(network)
}

/// Whether `ip` is inside `network/prefix` (of the same address family).
fn range_contains(network: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    let same_family = network.is_ipv4() == ip.is_ipv4();
    same_family
        && network_of(network, prefix).is_some_and(|net| network_of(ip, prefix) == Some(net))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::sync::{Arc, Mutex};

    /// The head of a POST to an action, with these headers.
    fn request(headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::post("/_actum/abc");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    /// The rejection label, or "ok".
    fn verdict(policy: &OriginPolicy, headers: &[(&str, &str)]) -> &'static str {
        verdict_from(policy, &request(headers), None)
    }

    fn verdict_from(
        policy: &OriginPolicy,
        parts: &Parts,
        peer: Option<SocketAddr>,
    ) -> &'static str {
        match policy.check(parts, peer) {
            Ok(()) => "ok",
            Err(rejection) => rejection.reason(),
        }
    }

    fn strict() -> OriginPolicy {
        OriginPolicy::new()
    }

    fn allowing(patterns: &[&str]) -> OriginPolicy {
        OriginPolicy::new().allowed_origins(patterns)
    }

    fn peer(address: &str) -> Option<SocketAddr> {
        Some(address.parse().unwrap())
    }

    // --- rule 1: Sec-Fetch-Site ------------------------------------------------------------

    #[test]
    fn same_origin_and_none_pass_whatever_else_is_sent() {
        for site in ["same-origin", "none"] {
            assert_eq!(
                verdict(&strict(), &[("sec-fetch-site", site)]),
                "ok",
                "{site}"
            );
            let with_foreign_origin =
                [("sec-fetch-site", site), ("origin", "https://evil.example")];
            assert_eq!(verdict(&strict(), &with_foreign_origin), "ok", "{site}");
        }
    }

    #[test]
    fn cross_site_passes_only_with_an_allowed_origin() {
        let policy = allowing(&["https://app.example.com"]);
        let allowed = [
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://app.example.com"),
        ];
        assert_eq!(verdict(&policy, &allowed), "ok");
        let other = [
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ];
        assert_eq!(verdict(&policy, &other), "cross-site");
        assert_eq!(
            verdict(&policy, &[("sec-fetch-site", "cross-site")]),
            "cross-site"
        );
        assert_eq!(verdict(&strict(), &allowed), "cross-site");
    }

    #[test]
    fn cross_site_is_not_rescued_by_a_matching_host_or_referer() {
        let headers = [
            ("sec-fetch-site", "cross-site"),
            ("host", "example.com"),
            ("origin", "https://example.com"),
            ("referer", "https://example.com/page"),
        ];
        assert_eq!(verdict(&strict(), &headers), "cross-site");
    }

    #[test]
    fn same_site_passes_only_with_an_allowed_origin() {
        let policy = allowing(&["*.example.com"]);
        let allowed = [
            ("sec-fetch-site", "same-site"),
            ("origin", "https://a.example.com"),
        ];
        assert_eq!(verdict(&policy, &allowed), "ok");
        let other = [
            ("sec-fetch-site", "same-site"),
            ("origin", "https://example.com"),
        ];
        assert_eq!(verdict(&policy, &other), "same-site");
        assert_eq!(
            verdict(&policy, &[("sec-fetch-site", "same-site")]),
            "same-site"
        );
    }

    #[test]
    fn cross_site_with_null_or_malformed_origin_says_so() {
        let policy = allowing(&["*.example.com"]);
        let null = [("sec-fetch-site", "cross-site"), ("origin", "null")];
        assert_eq!(verdict(&policy, &null), "null-origin");
        let malformed = [
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://a.example.com/"),
        ];
        assert_eq!(verdict(&policy, &malformed), "malformed-origin");
    }

    #[test]
    fn unknown_fetch_site_values_are_refused() {
        for site in [
            "",
            "same_origin",
            "Same-Origin",
            "cross-site, same-origin",
            "other",
        ] {
            assert_eq!(
                verdict(&strict(), &[("sec-fetch-site", site)]),
                "invalid-fetch-site"
            );
        }
        let twice = [
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-site", "same-origin"),
        ];
        assert_eq!(verdict(&strict(), &twice), "invalid-fetch-site");
    }

    // --- rule 2: Origin against the own host -----------------------------------------------

    #[test]
    fn origin_equal_to_the_host_passes() {
        let cases = [
            ("example.com", "https://example.com"),
            ("example.com", "http://example.com"),
            ("Example.COM", "https://example.com"),
            ("example.com", "HTTPS://EXAMPLE.COM"),
            ("example.com:8080", "http://example.com:8080"),
            ("example.com:443", "https://example.com"),
            ("example.com", "https://example.com:443"),
            ("localhost:3000", "http://localhost:3000"),
            ("127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("[::1]:3000", "http://[::1]:3000"),
            ("[::1]", "https://[0:0::1]"),
            ("example.com.", "https://example.com."),
            ("my_host.internal", "http://my_host.internal"),
        ];
        for (host, origin) in cases {
            assert_eq!(
                verdict(&strict(), &[("host", host), ("origin", origin)]),
                "ok",
                "{host}"
            );
        }
    }

    #[test]
    fn origin_near_misses_are_refused() {
        let cases = [
            ("example.com", "https://example.com.evil.com"),
            ("example.com", "https://evilexample.com"),
            ("example.com", "https://example.com.evil"),
            ("example.com", "https://sub.example.com"),
            ("example.com:8080", "http://example.com"),
            ("example.com:8080", "http://example.com:80"),
            ("example.com", "http://example.com:8080"),
            ("example.com:80", "https://example.com"),
            ("example.com", "https://example.com."),
            ("example.com.", "https://example.com"),
            ("[::1]:3000", "http://[::1]:3001"),
            ("[::1]:3000", "http://127.0.0.1:3000"),
        ];
        for (host, origin) in cases {
            let headers = [("host", host), ("origin", origin)];
            assert_eq!(
                verdict(&strict(), &headers),
                "origin-mismatch",
                "{host} vs {origin}"
            );
        }
    }

    #[test]
    fn origin_on_the_allow_list_passes_without_sec_fetch_site() {
        let policy = allowing(&["https://*.example.com"]);
        let headers = [("host", "app.local"), ("origin", "https://a.example.com")];
        assert_eq!(verdict(&policy, &headers), "ok");
        let wrong_scheme = [("host", "app.local"), ("origin", "http://a.example.com")];
        assert_eq!(verdict(&policy, &wrong_scheme), "origin-mismatch");
    }

    #[test]
    fn null_origin_is_refused() {
        assert_eq!(
            verdict(&strict(), &[("host", "example.com"), ("origin", "null")]),
            "null-origin"
        );
    }

    #[test]
    fn malformed_origins_are_refused() {
        let cases = [
            "",
            " ",
            "NULL",
            "example.com",
            "//example.com",
            "https:example.com",
            "https:/example.com",
            "https://",
            "https:///example.com",
            "ftp://example.com",
            "javascript://example.com",
            "https://example.com/",
            "https://example.com/path",
            "https://example.com?query",
            "https://example.com#fragment",
            "https://user@example.com",
            "https://user:pass@example.com",
            "https://example.com:",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com:+80",
            "https://example.com:80:80",
            "https://example.com ",
            " https://example.com",
            "https://exa mple.com",
            "https://example..com",
            "https://.example.com",
            "https://example.com..",
            "https://exa%6dple.com",
            "https://example.com\t",
            "https://[::1",
            "https://[::1]x",
            "https://[fe80::1%25eth0]",
            "https://::1",
            "https://127.1",
            "https://0x7f.0.0.1",
            "https://256.0.0.1",
            "https://example.com\\@evil.com",
        ];
        for origin in cases {
            let headers = [("host", "example.com"), ("origin", origin)];
            assert_eq!(
                verdict(&strict(), &headers),
                "malformed-origin",
                "{origin:?}"
            );
        }
    }

    #[test]
    fn non_ascii_and_repeated_origins_are_refused_without_panicking() {
        let mut parts = request(&[("host", "example.com")]);
        let value = HeaderValue::from_bytes("https://exämple.com".as_bytes()).unwrap();
        parts.headers.insert(ORIGIN, value);
        assert_eq!(verdict_from(&strict(), &parts, None), "malformed-origin");

        let repeated = [
            ("host", "example.com"),
            ("origin", "https://example.com"),
            ("origin", "https://example.com"),
        ];
        assert_eq!(verdict(&strict(), &repeated), "malformed-origin");

        let with_fetch_site = [
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://example.com"),
            ("origin", "https://evil.example"),
        ];
        assert_eq!(verdict(&strict(), &with_fetch_site), "malformed-origin");
    }

    #[test]
    fn a_missing_or_malformed_host_is_refused() {
        assert_eq!(
            verdict(&strict(), &[("origin", "https://example.com")]),
            "missing-host"
        );
        for host in [
            "",
            "exa mple.com",
            "example.com:",
            "example.com:x",
            "a@example.com",
            "[::1",
            "::1",
        ] {
            let headers = [("host", host), ("origin", "https://example.com")];
            assert_eq!(verdict(&strict(), &headers), "malformed-host", "{host:?}");
        }
        let twice = [
            ("host", "example.com"),
            ("host", "example.com"),
            ("origin", "https://example.com"),
        ];
        assert_eq!(verdict(&strict(), &twice), "malformed-host");
    }

    #[test]
    fn the_uri_authority_overrides_the_host_header() {
        let parts = http::Request::post("https://example.com/_actum/abc")
            .header("host", "evil.example")
            .header("origin", "https://example.com")
            .body(())
            .unwrap()
            .into_parts()
            .0;
        assert_eq!(verdict_from(&strict(), &parts, None), "ok");
    }

    // --- rule 3: Referer --------------------------------------------------------------------

    #[test]
    fn referer_from_the_own_host_passes() {
        let headers = [
            ("host", "example.com:8080"),
            ("referer", "http://example.com:8080/page?q=1"),
        ];
        assert_eq!(verdict(&strict(), &headers), "ok");
        let bare = [("host", "example.com"), ("referer", "https://example.com")];
        assert_eq!(verdict(&strict(), &bare), "ok");
        let allowed = [
            ("host", "example.com"),
            ("referer", "https://a.partner.org/x"),
        ];
        assert_eq!(verdict(&allowing(&["*.partner.org"]), &allowed), "ok");
    }

    #[test]
    fn referer_from_another_host_is_refused() {
        let headers = [
            ("host", "example.com"),
            ("referer", "https://example.com.evil.com/"),
        ];
        assert_eq!(verdict(&strict(), &headers), "referer-mismatch");
    }

    #[test]
    fn malformed_referers_are_refused() {
        let cases = [
            "",
            "/page",
            "example.com/page",
            "null",
            "https://user@example.com/",
            "https://example.com/a b",
            "https://example.com/a\\b",
            "https://example.com:99999/",
            "data:text/html,hi",
        ];
        for referer in cases {
            let headers = [("host", "example.com"), ("referer", referer)];
            assert_eq!(
                verdict(&strict(), &headers),
                "malformed-referer",
                "{referer:?}"
            );
        }
    }

    #[test]
    fn origin_takes_precedence_over_referer() {
        let headers = [
            ("host", "example.com"),
            ("origin", "https://evil.example"),
            ("referer", "https://example.com/"),
        ];
        assert_eq!(verdict(&strict(), &headers), "origin-mismatch");
    }

    // --- rule 4: none of the headers --------------------------------------------------------

    #[test]
    fn requests_without_browser_headers_are_refused_by_default() {
        assert_eq!(
            verdict(&strict(), &[("host", "example.com")]),
            "missing-headers"
        );
    }

    #[test]
    fn requests_without_browser_headers_pass_when_allowed() {
        let policy = OriginPolicy::new().allow_non_browser(true);
        assert_eq!(verdict(&policy, &[("host", "example.com")]), "ok");
        // Opting in does not relax the other rules.
        let foreign = [("host", "example.com"), ("origin", "https://evil.example")];
        assert_eq!(verdict(&policy, &foreign), "origin-mismatch");
    }

    // --- forwarded headers and trusted proxies -----------------------------------------------

    fn behind_proxy(extra: (&str, &str)) -> Parts {
        request(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://example.com"),
            extra,
        ])
    }

    #[test]
    fn forwarded_headers_are_ignored_unless_the_peer_is_trusted() {
        let parts = behind_proxy(("x-forwarded-host", "example.com"));
        assert_eq!(
            verdict_from(&strict(), &parts, peer("10.0.0.1:4000")),
            "origin-mismatch"
        );
        let listed = strict().trusted_proxies(TrustedProxies::list(["10.0.0.0/8"]).unwrap());
        assert_eq!(
            verdict_from(&listed, &parts, peer("192.168.0.1:4000")),
            "origin-mismatch"
        );
        assert_eq!(verdict_from(&listed, &parts, None), "origin-mismatch");
    }

    #[test]
    fn x_forwarded_host_counts_from_a_trusted_peer() {
        let listed = strict().trusted_proxies(TrustedProxies::list(["10.0.0.0/8"]).unwrap());
        let parts = behind_proxy(("x-forwarded-host", "example.com, proxy.internal"));
        assert_eq!(verdict_from(&listed, &parts, peer("10.1.2.3:4000")), "ok");
        let all = strict().trusted_proxies(TrustedProxies::All);
        assert_eq!(verdict_from(&all, &parts, None), "ok");
        let mapped = peer("[::ffff:10.1.2.3]:4000");
        assert_eq!(verdict_from(&listed, &parts, mapped), "ok");
    }

    #[test]
    fn forwarded_host_counts_from_a_trusted_peer() {
        let all = strict().trusted_proxies(TrustedProxies::All);
        for value in [
            "for=192.0.2.60;proto=https;host=example.com",
            "host=\"example.com\"",
            "Host=example.com:443, host=evil.example",
        ] {
            assert_eq!(
                verdict_from(&all, &behind_proxy(("forwarded", value)), None),
                "ok",
                "{value}"
            );
        }
        let without_host = behind_proxy(("forwarded", "for=192.0.2.60"));
        assert_eq!(verdict_from(&all, &without_host, None), "origin-mismatch");
    }

    #[test]
    fn malformed_or_conflicting_forwarded_hosts_are_refused() {
        let all = strict().trusted_proxies(TrustedProxies::All);
        for (name, value) in [
            ("x-forwarded-host", ""),
            ("x-forwarded-host", "a b"),
            ("forwarded", "host=a@b"),
        ] {
            assert_eq!(
                verdict_from(&all, &behind_proxy((name, value)), None),
                "malformed-host"
            );
        }
        let parts = request(&[
            ("host", "10.0.0.5"),
            ("origin", "https://example.com"),
            ("forwarded", "host=example.com"),
            ("x-forwarded-host", "evil.example"),
        ]);
        assert_eq!(
            verdict_from(&all, &parts, None),
            "conflicting-forwarded-host"
        );
    }

    #[test]
    fn cidr_ranges_match_v4_and_v6() {
        let proxies =
            TrustedProxies::list(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1", "0.0.0.0/0"]);
        let proxies = proxies.unwrap();
        let TrustedProxies::List(ranges) = &proxies else {
            panic!("expected a list")
        };
        let contains = |ip: &str| {
            let ip: IpAddr = ip.parse().unwrap();
            ranges[..4]
                .iter()
                .any(|&(network, prefix)| range_contains(network, prefix, ip))
        };
        for inside in [
            "10.0.0.0",
            "10.255.255.255",
            "192.168.1.7",
            "fd12:3456::1",
            "::1",
        ] {
            assert!(contains(inside), "{inside}");
        }
        for outside in [
            "11.0.0.0",
            "9.255.255.255",
            "192.168.1.8",
            "fe80::1",
            "::2",
            "::ffff:10.0.0.1",
        ] {
            assert!(!contains(outside), "{outside}");
        }
        let everything = ranges[4];
        assert!(range_contains(
            everything.0,
            everything.1,
            "203.0.113.9".parse().unwrap()
        ));
        assert!(!range_contains(
            everything.0,
            everything.1,
            "::1".parse().unwrap()
        ));
    }

    #[test]
    fn hand_built_ranges_with_too_long_prefixes_match_nothing() {
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(!range_contains(ip, 33, ip));
    }

    #[test]
    fn invalid_proxy_entries_are_refused() {
        for item in [
            "",
            "10.0.0",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/+8",
            "10.0.0.1/8",
            "::1/129",
            "fd00::1/8",
            "[::1]",
            "localhost",
            "10.0.0.0/8/8",
        ] {
            let error = TrustedProxies::list([item]).unwrap_err();
            assert!(
                error.to_string().starts_with("invalid trusted proxy"),
                "{item}: {error}"
            );
        }
        assert!(TrustedProxies::list([" 10.0.0.0/8 "]).is_ok());
    }

    // --- patterns ---------------------------------------------------------------------------

    #[test]
    fn wildcard_validation_table() {
        let valid = [
            "*.example.com",
            "a.*.example.com",
            "*.*.example.com",
            "example.com",
            "localhost",
            "EXAMPLE.com",
            "xn--bcher-kva.example",
            "https://*.example.com",
            "http://example.com:8080",
            "example.com:3000",
            "127.0.0.1",
            "127.0.0.1:8080",
            "[::1]",
            "[::1]:3000",
            "::1",
            " example.com ",
        ];
        for pattern in valid {
            assert!(OriginPattern::parse(pattern).is_ok(), "{pattern}");
        }
        let invalid = [
            ("*.com", "last two labels"),
            ("example.*", "last two labels"),
            ("*", "last two labels"),
            ("*.*", "last two labels"),
            ("a.example.*", "last two labels"),
            ("*.localhost", "last two labels"),
            ("a*.example.com", "whole label"),
            ("*a.example.com", "whole label"),
            ("**.example.com", "whole label"),
            ("*.10.0.0.1", "IP addresses"),
            ("", "empty"),
            ("   ", "empty"),
            ("example..com", "label is empty"),
            ("example.com.", "label is empty"),
            (".example.com", "label is empty"),
            ("-example.com", "hyphen"),
            ("example-.com", "hyphen"),
            ("exa_mple.com", "letters, digits and hyphens"),
            ("exämple.com", "ASCII"),
            ("ftp://example.com", "http or https"),
            ("//example.com", "no path"),
            ("https://example.com/", "no path"),
            ("example.com/path", "no path"),
            ("user@example.com", "userinfo"),
            ("example.com:0", "port"),
            ("example.com:65536", "port"),
            ("example.com:", "port"),
            ("example.com:http", "port"),
            ("::1:3000:x", "brackets"),
            ("[::1]3000", "bracketed"),
            ("[::1", "not closed"),
            ("[zz::1]", "IPv6"),
            ("256.0.0.1", "IPv4"),
            ("example.123", "IPv4"),
        ];
        for (pattern, reason) in invalid {
            let error = OriginPattern::parse(pattern).unwrap_err().to_string();
            assert!(error.contains(reason), "{pattern:?}: {error}");
            assert!(error.starts_with("invalid origin pattern"), "{error}");
        }
    }

    #[test]
    fn label_lengths_are_limited() {
        let label63 = "a".repeat(63);
        assert!(OriginPattern::parse(&format!("{label63}.com")).is_ok());
        let error = OriginPattern::parse(&format!("a{label63}.com")).unwrap_err();
        assert!(error.to_string().contains("63"), "{error}");
        let long = [label63.as_str(); 4].join(".");
        assert_eq!(long.len(), 255);
        assert!(
            OriginPattern::parse(&long)
                .unwrap_err()
                .to_string()
                .contains("253")
        );
        assert_eq!(parse_request_host(&long), None);
    }

    fn pattern_matches(pattern: &str, origin: &str) -> bool {
        let (origin, rest) = UrlOrigin::parse_url(origin).unwrap();
        assert_eq!(rest, "");
        OriginPattern::parse(pattern).unwrap().matches(&origin)
    }

    #[test]
    fn a_wildcard_matches_exactly_one_label() {
        assert!(pattern_matches("*.example.com", "https://a.example.com"));
        assert!(pattern_matches("*.example.com", "https://A.Example.COM"));
        assert!(!pattern_matches("*.example.com", "https://example.com"));
        assert!(!pattern_matches("*.example.com", "https://a.b.example.com"));
        assert!(!pattern_matches("*.example.com", "https://a.example.com."));
        assert!(!pattern_matches(
            "*.example.com",
            "https://a.evilexample.com"
        ));
        assert!(!pattern_matches(
            "*.example.com",
            "https://a.example.com.evil.com"
        ));
        assert!(pattern_matches(
            "a.*.example.com",
            "https://a.b.example.com"
        ));
        assert!(!pattern_matches(
            "a.*.example.com",
            "https://b.b.example.com"
        ));
    }

    #[test]
    fn patterns_match_scheme_and_port() {
        assert!(pattern_matches("example.com", "http://example.com"));
        assert!(pattern_matches("example.com", "https://example.com"));
        assert!(pattern_matches("example.com", "https://example.com:443"));
        assert!(!pattern_matches("example.com", "https://example.com:8443"));
        assert!(pattern_matches(
            "example.com:8080",
            "http://example.com:8080"
        ));
        assert!(!pattern_matches("example.com:8080", "http://example.com"));
        assert!(!pattern_matches("example.com:80", "https://example.com"));
        assert!(pattern_matches(
            "https://example.com",
            "https://example.com"
        ));
        assert!(!pattern_matches(
            "https://example.com",
            "http://example.com"
        ));
        assert!(!pattern_matches(
            "http://example.com",
            "https://example.com:80"
        ));
        assert!(pattern_matches("[::1]:3000", "http://[::1]:3000"));
        assert!(pattern_matches("::1", "http://[::1]"));
        assert!(pattern_matches("127.0.0.1:3000", "http://127.0.0.1:3000"));
        assert!(!pattern_matches("127.0.0.1", "http://127.0.0.2"));
        assert!(!pattern_matches("example.com", "http://127.0.0.1"));
    }

    #[test]
    fn patterns_display_in_canonical_form() {
        for (input, shown) in [
            ("HTTPS://*.Example.COM:8443", "https://*.example.com:8443"),
            ("[0:0::1]:3000", "[::1]:3000"),
            ("::1", "[::1]"),
            ("127.0.0.1", "127.0.0.1"),
        ] {
            let pattern = OriginPattern::parse(input).unwrap();
            assert_eq!(pattern.to_string(), shown);
            assert_eq!(
                format!("{pattern:?}"),
                format!("OriginPattern(\"{shown}\")")
            );
        }
    }

    #[test]
    fn try_allowed_origins_returns_the_first_invalid_pattern() {
        let error = OriginPolicy::new()
            .try_allowed_origins(["ok.example.com", "*.com"])
            .unwrap_err();
        assert_eq!(error.input, "*.com");
    }

    #[test]
    fn an_invalid_allowed_origin_panics_at_the_caller_naming_the_pattern() {
        const MARKER: &str = "a*.panic-location.test";
        let seen: Arc<Mutex<Option<(String, String, u32)>>> = Arc::default();
        let record = Arc::clone(&seen);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default();
            match info.location() {
                Some(location) if message.contains(MARKER) => {
                    *record.lock().unwrap() =
                        Some((message, location.file().to_owned(), location.line()));
                }
                // Other tests panic too: leave their output alone.
                _ => previous(info),
            }
        }));

        let expected_line = line!() + 1;
        let result = std::panic::catch_unwind(|| OriginPolicy::new().allowed_origins([MARKER]));

        assert!(result.is_err());
        let (message, file, line) = seen.lock().unwrap().clone().unwrap();
        assert_eq!((file.as_str(), line), (file!(), expected_line));
        assert_eq!(
            message,
            r#"actum: invalid origin pattern "a*.panic-location.test": a wildcard must be a whole label, like *.example.com"#
        );
    }

    #[test]
    fn rejections_display_in_lowercase_without_header_values() {
        let parts = request(&[("host", "example.com"), ("origin", "https://EVIL.example")]);
        let rejection = strict().check(&parts, None).unwrap_err();
        let text = rejection.to_string();
        assert_eq!(
            text,
            "origin check failed: origin is neither this host nor allowed"
        );
        assert_eq!(text, text.to_lowercase());
    }
}
