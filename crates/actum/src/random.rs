//! Randomness from the operating system, for digests and one-time tokens.

use base64::Engine as _;

/// Fills `buf` from the OS random source. The OS source failing is an unrecoverable platform
/// failure (nothing secure can be done without it), so it panics with a clear message.
pub(crate) fn fill(buf: &mut [u8]) {
    if let Err(err) = getrandom::fill(buf) {
        panic!("actum: the operating system's random source failed: {err}");
    }
}

/// A fresh 128-bit token, base64url without padding (22 characters).
pub(crate) fn token() -> String {
    let mut bytes = [0u8; 16];
    fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
