//! Randomness for digests and one-time tokens.
//!
//! They come from rand's `ThreadRng`, a CSPRNG (ChaCha12) per thread, seeded from the operating
//! system and reseeded from it every 64 KiB of output and after a fork: as unpredictable as the OS
//! source for this use, without a system call per native post (measured in BENCHMARKS.md). Keys
//! and seal nonces still come from the OS source directly (`keys::random_bytes`).

use base64::Engine as _;
use rand::RngCore as _;

/// Fills `buf` with random bytes. Seeding failing (the OS source is unavailable) is an
/// unrecoverable platform failure, and `ThreadRng` panics then with its cause.
pub(crate) fn fill(buf: &mut [u8]) {
    rand::thread_rng().fill_bytes(buf);
}

/// A fresh 128-bit token, base64url without padding (22 characters).
pub(crate) fn token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token_bytes())
}

/// A fresh 128-bit token, as bytes.
pub(crate) fn token_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    fill(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_22_url_safe_characters_and_differ() {
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| token()).collect();
        assert_eq!(tokens.len(), 1000);
        for token in &tokens {
            assert_eq!(token.len(), 22);
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
    }
}
