//! Writing text as a JSON string, byte for byte as `serde_json` writes it, faster on long text.
//!
//! The page re-rendered into a script's answer (`layer/rerender.rs`) is tens of kilobytes of
//! HTML written as one JSON string. `serde_json` looks every byte up in a table (about ten
//! instructions a byte, as much as rendering the page); most bytes need no escape, so this looks
//! at eight bytes at a time and copies runs that need none. Hand-written because that is the
//! whole job, and no JSON crate exposes a faster string writer; the tests hold it equal to
//! `serde_json` on every byte that needs an escape and on many texts.

/// Appends `text` to `out` as a JSON string literal: quotes around it, `"` and `\` escaped,
/// control characters as `\b \t \n \f \r` or `\u00xx`, everything else (non-ASCII included) as
/// it is.
pub(crate) fn push_json_string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // `bytes[written..]` is not written yet; `bytes[checked..]` not looked at yet.
    let mut written = 0;
    let mut checked = 0;
    while let Some(hit) = next_to_escape(bytes, checked) {
        if let Some(escape) = escape(bytes[hit]) {
            out.extend_from_slice(&bytes[written..hit]);
            out.extend_from_slice(&escape);
            written = hit + 1;
        }
        checked = hit + 1;
    }
    out.extend_from_slice(&bytes[written..]);
    out.push(b'"');
}

/// Where the next byte to escape is, from `from` on: eight bytes at a time, then one by one.
/// (A word's lowest flagged byte always needs an escape; `push_json_string` checks anyway.)
fn next_to_escape(bytes: &[u8], mut from: usize) -> Option<usize> {
    while let Some(word) = bytes.get(from..from + 8) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let flags = escape_flags(u64::from_le_bytes(eight));
        if flags != 0 {
            return Some(from + (flags.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    let rest = bytes.get(from..)?;
    let at = rest.iter().position(|&byte| escape(byte).is_some())?;
    Some(from + at)
}

/// The high bit of each byte of `word` (little-endian) that may be `"`, `\` or below 0x20.
/// These are the classic "has a zero byte" and "has a byte less than n" tests on whole words:
/// they never miss a byte, and the lowest byte they flag is always a true one (a byte above a
/// true one can be flagged by the borrow).
fn escape_flags(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    control
        | zero_bytes(word ^ (ONES * u64::from(b'"')))
        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
}

/// The escape of one byte, padded to six bytes (`\u00xx`) and cut to its length by the caller.
fn escape(byte: u8) -> Option<Escape> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = |c: u8| Escape::short(c);
    Some(match byte {
        b'"' => short(b'"'),
        b'\\' => short(b'\\'),
        0x08 => short(b'b'),
        0x09 => short(b't'),
        0x0a => short(b'n'),
        0x0c => short(b'f'),
        0x0d => short(b'r'),
        0x00..=0x1f => Escape::long([
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 0xf)],
        ]),
        _ => return None,
    })
}

/// An escape sequence: two bytes (`\n`) or six (`\u001f`).
struct Escape {
    bytes: [u8; 6],
    len: usize,
}

impl Escape {
    fn short(c: u8) -> Self {
        Self {
            bytes: [b'\\', c, 0, 0, 0, 0],
            len: 2,
        }
    }

    fn long(bytes: [u8; 6]) -> Self {
        Self { bytes, len: 6 }
    }
}

impl std::ops::Deref for Escape {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(text: &str) -> String {
        let mut out = Vec::new();
        push_json_string(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    fn serde(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    #[test]
    fn every_ascii_byte_alone_and_in_a_long_run_is_written_as_serde_writes_it() {
        for byte in 0u8..=0x7f {
            let c = char::from(byte);
            for text in [
                c.to_string(),
                format!("abcdefg{c}hijklmnop"),
                format!("{c}{c}{c}{c}{c}{c}{c}{c}{c}"),
                format!("0123456789abcdef{c}"),
            ] {
                assert_eq!(ours(&text), serde(&text), "byte {byte:#04x}");
            }
        }
    }

    #[test]
    fn non_ascii_and_replacement_characters_pass_as_they_are() {
        let invalid = String::from_utf8_lossy(b"ok \xff\xfe bad \xc3( \xe2\x82 end").into_owned();
        for text in [
            "é",
            "日本語のテキスト、とても長い文章です",
            "emoji 🎉 and \u{2028}\u{2029} separators",
            "\u{7f}\u{80}\u{ff}\u{100}",
            invalid.as_str(),
        ] {
            assert_eq!(ours(text), serde(text), "{text}");
        }
    }

    #[test]
    fn many_texts_are_written_as_serde_writes_them() {
        // A small deterministic generator: every length up to 64, bytes drawn from a mix of
        // plain text, every character that needs an escape, and multibyte characters.
        let pieces = [
            "a", "Z", " ", "<", ">", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1f}", "\u{8}",
            "\u{c}", "\u{7f}", "é", "€", "𝄞", "\u{fffd}", "=", "'",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for length in 0..=64 {
            for _ in 0..40 {
                let mut text = String::new();
                for _ in 0..length {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    text.push_str(pieces[(state % pieces.len() as u64) as usize]);
                }
                assert_eq!(ours(&text), serde(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn a_page_is_written_as_serde_writes_it() {
        let mut page = String::from("<!doctype html><title>\"Quotes\" & \\slashes\\</title>");
        for row in 0..200 {
            page.push_str(&format!(
                "<tr><td class=\"n\">row {row}</td><td>\t{row}\r\n</td></tr>\n"
            ));
        }
        assert_eq!(ours(&page), serde(&page));
    }

    #[test]
    fn the_word_test_flags_exactly_the_bytes_to_escape_and_the_lowest_is_true() {
        for byte in 0u8..=0xff {
            for position in 0..8 {
                let mut word = [b'a'; 8];
                word[position] = byte;
                let flags = escape_flags(u64::from_le_bytes(word));
                let expected = match escape(byte) {
                    Some(_) => 0x80 << (8 * position),
                    None => 0,
                };
                assert_eq!(flags, expected, "{byte:#04x} at {position}");
            }
        }
        // Two bytes to escape: the lowest flag is the first of them, whatever follows.
        for first in [0u8, 0x1f, b'"', b'\\'] {
            for second in 0u8..=0xff {
                for position in 0..7 {
                    let mut word = [b'a'; 8];
                    word[position] = first;
                    word[position + 1] = second;
                    let flags = escape_flags(u64::from_le_bytes(word));
                    assert_eq!(flags.trailing_zeros() / 8, position as u32);
                }
            }
        }
    }
}
