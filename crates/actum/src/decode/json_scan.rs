//! A cheap pass over a JSON document that enforces the nesting and size budgets before serde
//! allocates anything, and notes the first duplicate object key.
//!
//! It is not a validator: it only tracks strings (with their escapes), brackets and commas, and
//! leaves every syntax error to serde_json, which reads the document next.

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
enum Frame {
    /// An array and how many elements it has so far.
    Array { count: usize },
    /// An object, the keys seen so far and the current one.
    Object {
        keys: HashSet<String>,
        current: String,
    },
}

struct Scanner<'l> {
    limits: &'l FormLimits,
    stack: Vec<Frame>,
    elements: usize,
    /// Whether the next token starts an array element or an object member.
    expects_item: bool,
    report: ScanReport,
}

impl Scanner<'_> {
    fn run(&mut self, document: &[u8]) -> Result<(), DecodeError> {
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
                keys: HashSet::new(),
                current: String::new(),
            }
        } else {
            Frame::Array { count: 0 }
        });
        self.expects_item = true;
        Ok(())
    }

    /// A string token (quotes included): a key when it starts an object member.
    fn on_string(&mut self, token: &[u8]) -> Result<(), DecodeError> {
        let is_key = self.expects_item && matches!(self.stack.last(), Some(Frame::Object { .. }));
        self.on_item_start()?;
        if is_key {
            self.on_key(token);
        }
        Ok(())
    }

    /// Records a key of the innermost object, noting the first duplicate.
    fn on_key(&mut self, token: &[u8]) {
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
fn decode_key(token: &[u8]) -> Option<String> {
    if token.contains(&b'\\') {
        return serde_json::from_slice(token).ok();
    }
    let inner = token.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    std::str::from_utf8(inner).ok().map(str::to_owned)
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
    fn unterminated_strings_end_the_scan() {
        assert!(scan_with(r#"{"a": "never closed"#, &FormLimits::default()).is_ok());
        assert!(scan_with(r#""\"#, &FormLimits::default()).is_ok());
    }
}
