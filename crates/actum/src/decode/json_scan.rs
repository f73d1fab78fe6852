//! A cheap pass over a JSON document that enforces the nesting and size budgets before serde
//! allocates anything, and notes the first duplicate object key.
//!
//! It is not a validator: it only tracks strings (with their escapes), brackets and commas, and
//! leaves every syntax error to serde_json, which reads the document next.

use std::borrow::Cow;
use std::collections::HashSet;

use super::error::DecodeError;
use super::limits::FormLimits;

/// What the scan learned besides the budgets.
#[derive(Debug, Default)]
pub(super) struct ScanReport {
    /// The path of the first key that appears twice in one object (`a.b`, `items[2].name`).
    pub(super) duplicate_key: Option<String>,
}

/// Checks `json_max_depth` (400) and `json_max_elements` (413) and looks for duplicate keys.
pub(super) fn scan(document: &[u8], limits: &FormLimits) -> Result<ScanReport, DecodeError> {
    let mut scanner = Scanner {
        limits,
        stack: Vec::new(),
        elements: 0,
        expects_item: false,
        report: ScanReport::default(),
    };
    scanner.run(document)?;
    Ok(scanner.report)
}

/// An open array or object.
enum Frame<'d> {
    /// An array and how many elements it has so far.
    Array { count: usize },
    /// An object, the keys seen so far and the current one.
    Object {
        keys: Keys<'d>,
        current: Cow<'d, str>,
    },
}

/// An object's keys. Most objects have a few, compared in a list without hashing; past
/// [`FEW_KEYS`] they move into a set. Keys without escapes borrow from the document, so a small
/// object costs no allocation per key.
enum Keys<'d> {
    Few(Vec<Cow<'d, str>>),
    Many(HashSet<Cow<'d, str>>),
}

/// How many keys an object holds in a list before they move into a set.
const FEW_KEYS: usize = 16;

impl<'d> Keys<'d> {
    /// Adds a key; false when the object already had it.
    fn insert(&mut self, key: Cow<'d, str>) -> bool {
        match self {
            Keys::Few(list) if list.contains(&key) => false,
            Keys::Few(list) if list.len() < FEW_KEYS => {
                list.push(key);
                true
            }
            Keys::Few(list) => {
                let mut set: HashSet<Cow<'d, str>> = list.drain(..).collect();
                let is_new = set.insert(key);
                *self = Keys::Many(set);
                is_new
            }
            Keys::Many(set) => set.insert(key),
        }
    }
}

struct Scanner<'l, 'd> {
    limits: &'l FormLimits,
    stack: Vec<Frame<'d>>,
    elements: usize,
    /// Whether the next token starts an array element or an object member.
    expects_item: bool,
    report: ScanReport,
}

impl<'d> Scanner<'_, 'd> {
    fn run(&mut self, document: &'d [u8]) -> Result<(), DecodeError> {
        let mut position = 0;
        while let Some(&byte) = document.get(position) {
            match byte {
                b'"' => {
                    let end = string_end(document, position + 1);
                    self.on_string(&document[position..end.min(document.len())])?;
                    position = end;
                    continue;
                }
                b'{' | b'[' => {
                    self.on_item_start()?;
                    self.open(byte == b'{')?;
                }
                b'}' | b']' => {
                    self.stack.pop();
                    self.expects_item = false;
                }
                b',' => self.expects_item = !self.stack.is_empty(),
                b':' => self.expects_item = false,
                b' ' | b'\t' | b'\n' | b'\r' => {}
                _ => self.on_item_start()?,
            }
            position += 1;
        }
        Ok(())
    }

    /// Counts an element or member if one starts here.
    fn on_item_start(&mut self) -> Result<(), DecodeError> {
        if !self.expects_item {
            return Ok(());
        }
        self.expects_item = false;
        self.elements += 1;
        if self.elements > self.limits.get_json_max_elements() {
            return Err(DecodeError::too_large(format!(
                "json has more than {} elements",
                self.limits.get_json_max_elements()
            )));
        }
        if let Some(Frame::Array { count }) = self.stack.last_mut() {
            *count += 1;
        }
        Ok(())
    }

    /// Enters an array or object.
    fn open(&mut self, is_object: bool) -> Result<(), DecodeError> {
        if self.stack.len() >= self.limits.get_json_max_depth() {
            return Err(DecodeError::malformed(format!(
                "json is nested deeper than {} levels",
                self.limits.get_json_max_depth()
            )));
        }
        self.stack.push(if is_object {
            Frame::Object {
                keys: Keys::Few(Vec::new()),
                current: Cow::Borrowed(""),
            }
        } else {
            Frame::Array { count: 0 }
        });
        self.expects_item = true;
        Ok(())
    }

    /// A string token (quotes included): a key when it starts an object member.
    fn on_string(&mut self, token: &'d [u8]) -> Result<(), DecodeError> {
        let is_key = self.expects_item && matches!(self.stack.last(), Some(Frame::Object { .. }));
        self.on_item_start()?;
        if is_key {
            self.on_key(token);
        }
        Ok(())
    }

    /// Records a key of the innermost object, noting the first duplicate.
    fn on_key(&mut self, token: &'d [u8]) {
        let Some(key) = decode_key(token) else {
            return; // Not a valid string: serde_json will report it.
        };
        let is_new = match self.stack.last_mut() {
            Some(Frame::Object { keys, current }) => {
                current.clone_from(&key);
                keys.insert(key)
            }
            _ => true,
        };
        if !is_new && self.report.duplicate_key.is_none() {
            self.report.duplicate_key = Some(self.path());
        }
    }

    /// The path of the current position: `items[2].name`.
    fn path(&self) -> String {
        let mut path = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Array { count } => path.push_str(&format!("[{}]", count.saturating_sub(1))),
                Frame::Object { current, .. } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(current);
                }
            }
        }
        path
    }
}

/// The index just past the string that starts before `start` (its closing quote included), or
/// the document's length when the string is not terminated.
fn string_end(document: &[u8], start: usize) -> usize {
    let mut position = start;
    while let Some(&byte) = document.get(position) {
        match byte {
            b'\\' => position += 2,
            b'"' => return position + 1,
            _ => position += 1,
        }
    }
    document.len()
}

/// The text of a key token, escapes resolved, so that `"a"` and `"\u0061"` are the same key.
fn decode_key(token: &[u8]) -> Option<Cow<'_, str>> {
    if token.contains(&b'\\') {
        return serde_json::from_slice::<String>(token).ok().map(Cow::Owned);
    }
    let inner = token.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    std::str::from_utf8(inner).ok().map(Cow::Borrowed)
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;

    fn scan_with(document: &str, limits: &FormLimits) -> Result<ScanReport, DecodeError> {
        scan(document.as_bytes(), limits)
    }

    #[test]
    fn depth_is_counted_by_brackets_outside_strings() {
        let limits = FormLimits::new().json_max_depth(3);
        assert!(scan_with("[[[1]]]", &limits).is_ok());
        assert!(scan_with(r#"{"a":{"b":[1]}}"#, &limits).is_ok());
        assert!(scan_with(r#"[["[[[[", "\"[[[["]]"#, &limits).is_ok());
        for document in ["[[[[1]]]]", r#"{"a":{"b":{"c":{}}}}"#, "[[[[", "[[[{"] {
            let error = scan_with(document, &limits).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{document}");
            assert_eq!(error.message(), "json is nested deeper than 3 levels");
        }
        assert!(scan_with("[]", &FormLimits::new().json_max_depth(1)).is_ok());
        assert!(scan_with("1", &FormLimits::new().json_max_depth(0)).is_ok());
    }

    #[test]
    fn elements_count_array_items_and_object_members() {
        let limits = FormLimits::new().json_max_elements(5);
        // Three array elements and two object members.
        assert!(scan_with(r#"[1, "two", {"a": true, "b": null}]"#, &limits).is_ok());
        assert!(scan_with(r#"{"a,b,c,d,e,f": "[1,2,3,4,5,6]"}"#, &limits).is_ok());
        assert!(scan_with("[[], {}, [], {}, 1]", &limits).is_ok());
        let too_many = [
            "[1,2,3,4,5,6]",
            r#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}"#,
            "[[1,2],[3,4]]",
            r#"[{"a":[1]},{"b":{"c":1}}]"#,
            "[1,2,3,4,5,6",
        ];
        for document in too_many {
            let error = scan_with(document, &limits).unwrap_err();
            assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE, "{document}");
            assert_eq!(error.message(), "json has more than 5 elements");
        }
    }

    #[test]
    fn duplicate_keys_are_noted_with_their_path() {
        let limits = FormLimits::default();
        let duplicate = |document: &str| scan_with(document, &limits).unwrap().duplicate_key;
        assert_eq!(duplicate(r#"{"a":1,"b":2}"#), None);
        assert_eq!(duplicate(r#"{"a":1,"a":2}"#).as_deref(), Some("a"));
        assert_eq!(duplicate(r#"{"a":1,"\u0061":2}"#).as_deref(), Some("a"));
        assert_eq!(duplicate(r#"{"x":{"a":1},"y":{"a":2}}"#), None);
        assert_eq!(
            duplicate(r#"{"items":[{"n":1},{"n":2,"n":3}]}"#).as_deref(),
            Some("items[1].n")
        );
        assert_eq!(duplicate(r#"[{"k":"a","v":"a"}]"#), None);
        assert_eq!(duplicate(r#"{"a":"b","c":"a"}"#), None);
    }

    #[test]
    fn duplicates_are_found_in_large_objects_too() {
        let mut members: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        members.push("\"k33\":0".to_owned());
        let document = format!("{{{}}}", members.join(","));
        let report = scan_with(&document, &FormLimits::default()).unwrap();
        assert_eq!(report.duplicate_key.as_deref(), Some("k33"));
        let unique = format!("{{{}}}", members[..40].join(","));
        assert!(
            scan_with(&unique, &FormLimits::default())
                .unwrap()
                .duplicate_key
                .is_none()
        );
    }

    #[test]
    fn escaped_and_plain_spellings_of_a_key_are_one_key() {
        let report = scan_with(r#"{"a":1,"\u0061":2}"#, &FormLimits::default()).unwrap();
        assert_eq!(report.duplicate_key.as_deref(), Some("a"));
    }

    #[test]
    fn unterminated_strings_end_the_scan() {
        assert!(scan_with(r#"{"a": "never closed"#, &FormLimits::default()).is_ok());
        assert!(scan_with(r#""\"#, &FormLimits::default()).is_ok());
    }
}
