//! The request headers an action call reads, found in one walk over the header map.
//!
//! A lookup by name hashes the name and probes the map: 100 to 170 instructions each
//! (BENCHMARKS.md). An action call reads about a dozen headers, most of them absent, while a
//! request carries a handful (a browser's, about fifteen); one walk that sorts each header by its
//! name into the slots below costs less than the lookups it replaces. Hand-written: it is a
//! `match` on names, and no crate does this for `http::HeaderMap`.

use http::header::{
    CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderMap, HeaderName, HeaderValue,
    ORIGIN, REFERER, TRANSFER_ENCODING,
};

use crate::wire;

/// The headers [`KnownHeaders`] finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    SecFetchSite,
    Origin,
    Referer,
    ContentType,
    ContentLength,
    ContentEncoding,
    TransferEncoding,
    Cookie,
    /// `actum-request`: a script's call.
    Request,
    /// `actum-page`: the page a script's call comes from.
    Page,
    /// `actum-idempotency-key`.
    Idempotency,
}

/// How many kinds of [`Known`] there are.
const KNOWN: usize = 11;

impl Known {
    /// The kind of a header name, if it is one actum reads.
    fn of(name: &HeaderName) -> Option<Self> {
        // Header names are lowercase in `http`; a `match` on the text is a length switch and a
        // compare or two.
        Some(match name.as_str() {
            "sec-fetch-site" => Known::SecFetchSite,
            "origin" => Known::Origin,
            "referer" => Known::Referer,
            "content-type" => Known::ContentType,
            "content-length" => Known::ContentLength,
            "content-encoding" => Known::ContentEncoding,
            "transfer-encoding" => Known::TransferEncoding,
            "cookie" => Known::Cookie,
            wire::REQUEST_HEADER => Known::Request,
            wire::PAGE_HEADER => Known::Page,
            wire::IDEMPOTENCY_HEADER => Known::Idempotency,
            _ => return None,
        })
    }

    /// The header's name, for a lookup of every value of a repeated header.
    fn name(self) -> HeaderName {
        match self {
            Known::SecFetchSite => HeaderName::from_static("sec-fetch-site"),
            Known::Origin => ORIGIN,
            Known::Referer => REFERER,
            Known::ContentType => CONTENT_TYPE,
            Known::ContentLength => CONTENT_LENGTH,
            Known::ContentEncoding => CONTENT_ENCODING,
            Known::TransferEncoding => TRANSFER_ENCODING,
            Known::Cookie => COOKIE,
            Known::Request => wire::REQUEST,
            Known::Page => wire::PAGE,
            Known::Idempotency => wire::IDEMPOTENCY,
        }
    }
}

/// The first value of each [`Known`] header of a request, and which of them are repeated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KnownHeaders<'a> {
    map: &'a HeaderMap,
    first: [Option<&'a HeaderValue>; KNOWN],
    /// Bit `k` set: the header of kind `k` appears more than once.
    repeated: u16,
}

impl<'a> KnownHeaders<'a> {
    /// Walks `map` once.
    pub(crate) fn scan(map: &'a HeaderMap) -> Self {
        let mut found = Self {
            map,
            first: [None; KNOWN],
            repeated: 0,
        };
        for (name, value) in map {
            let Some(known) = Known::of(name) else {
                continue;
            };
            match &mut found.first[known as usize] {
                slot @ None => *slot = Some(value),
                Some(_) => found.repeated |= 1 << known as usize,
            }
        }
        found
    }

    /// The first value, as [`HeaderMap::get`] gives it.
    pub(crate) fn get(&self, known: Known) -> Option<&'a HeaderValue> {
        self.first[known as usize]
    }

    /// Whether the header is there.
    pub(crate) fn contains(&self, known: Known) -> bool {
        self.get(known).is_some()
    }

    /// The first value as text (`None` when absent or not visible ASCII).
    pub(crate) fn text(&self, known: Known) -> Option<&'a str> {
        self.get(known)?.to_str().ok()
    }

    /// Whether the header appears more than once.
    pub(crate) fn is_repeated(&self, known: Known) -> bool {
        self.repeated & (1 << known as usize) != 0
    }

    /// Every value, in order, as [`HeaderMap::get_all`] gives them.
    pub(crate) fn all(&self, known: Known) -> impl Iterator<Item = &'a HeaderValue> + use<'a> {
        let (first, rest) = match self.is_repeated(known) {
            // Rare: the map knows the order of the others.
            true => (None, Some(self.map.get_all(known.name()).iter())),
            false => (self.get(known), None),
        };
        first.into_iter().chain(rest.into_iter().flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: [Known; KNOWN] = [
        Known::SecFetchSite,
        Known::Origin,
        Known::Referer,
        Known::ContentType,
        Known::ContentLength,
        Known::ContentEncoding,
        Known::TransferEncoding,
        Known::Cookie,
        Known::Request,
        Known::Page,
        Known::Idempotency,
    ];

    #[test]
    fn every_kind_has_its_own_slot_and_name() {
        for (slot, known) in EVERY.into_iter().enumerate() {
            assert_eq!(known as usize, slot);
            assert_eq!(Known::of(&known.name()), Some(known));
        }
        assert_eq!(Known::of(&http::header::HOST), None);
    }

    /// The walk gives what a lookup by name gives, for every kind, absent, once and repeated.
    #[test]
    fn the_walk_agrees_with_lookups() {
        let mut map = HeaderMap::new();
        map.append("host", HeaderValue::from_static("example.com"));
        map.append("Sec-Fetch-Site", HeaderValue::from_static("same-origin"));
        map.append("cookie", HeaderValue::from_static("a=1"));
        map.append("x-other", HeaderValue::from_static("x"));
        map.append("cookie", HeaderValue::from_static("b=2"));
        map.append("content-type", HeaderValue::from_static("text/plain"));
        map.append("actum-request", HeaderValue::from_static("1"));
        map.append("cookie", HeaderValue::from_static("c=3"));
        map.append("transfer-encoding", HeaderValue::from_static("gzip"));
        map.append("transfer-encoding", HeaderValue::from_static("chunked"));
        map.append("referer", HeaderValue::from_bytes(b"\xff").unwrap());
        let found = KnownHeaders::scan(&map);
        for known in EVERY {
            let name = known.name();
            assert_eq!(found.get(known), map.get(&name), "{name}");
            assert_eq!(found.contains(known), map.contains_key(&name), "{name}");
            let all: Vec<_> = found.all(known).collect();
            let expected: Vec<_> = map.get_all(&name).iter().collect();
            assert_eq!(all, expected, "{name}");
            assert_eq!(found.is_repeated(known), expected.len() > 1, "{name}");
        }
        assert_eq!(found.text(Known::Referer), None);
        assert_eq!(found.text(Known::SecFetchSite), Some("same-origin"));
    }
}
