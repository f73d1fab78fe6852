//! Sealing: small payloads (bound arguments) encrypted and authenticated for one action.
//!
//! A seal is XChaCha20-Poly1305 under a subkey of the ring's first secret for one purpose, with a
//! fresh random 24-byte nonce each time (large enough that random nonces never repeat in
//! practice). The associated data binds the format version, the key id, the purpose and the
//! action ID, so a seal made for one action never opens for another.
//!
//! Envelope, then base64url without padding (safe in a URL query):
//!
//! ```text
//! version (1) | key id (4) | nonce (24) | ciphertext of [expiry (8, big-endian) | payload] | tag (16)
//! ```
//!
//! The expiry is in Unix seconds, 0 for none; it is inside the ciphertext, so it is authenticated
//! and hidden.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead as _, Payload};
use chacha20poly1305::{KeyInit as _, XChaCha20Poly1305, XNonce};

use crate::keys::{KeyId, KeyRing, random_bytes};

/// The longest sealed text [`open`] reads; longer text is refused before it is decoded.
pub(crate) const MAX_SEALED_LEN: usize = 8192;

/// The largest payload whose seal is at most [`MAX_SEALED_LEN`] long; larger ones never open.
pub(crate) const MAX_PAYLOAD_LEN: usize = MAX_SEALED_LEN / 4 * 3 - MIN_ENVELOPE_LEN;

/// The envelope format written by [`seal`].
const VERSION: u8 = 1;

/// Bytes of the key id in the envelope.
const KEY_ID_LEN: usize = 4;

/// Bytes of the XChaCha20 nonce.
const NONCE_LEN: usize = 24;

/// Bytes of the Poly1305 tag.
const TAG_LEN: usize = 16;

/// Bytes of the expiry at the start of the plaintext.
const EXPIRY_LEN: usize = 8;

/// Bytes before the ciphertext: version, key id, nonce.
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;

/// The shortest envelope: a header and the sealed expiry of an empty payload.
const MIN_ENVELOPE_LEN: usize = HEADER_LEN + EXPIRY_LEN + TAG_LEN;

/// Tag at the start of the associated data, so it can be told from any other use of the key.
const AAD_DOMAIN: &[u8] = b"actum/v1/seal";

/// The expiry value that means "never expires".
const NO_EXPIRY: u64 = 0;

/// Encrypts and authenticates `payload` for `action_id`, to be opened by [`open`].
///
/// `purpose` names what the payload is (bound arguments, form state, ...): each purpose has its
/// own key, so a seal of one purpose never opens as another. Keep `payload` at most
/// [`MAX_PAYLOAD_LEN`] bytes, or the seal will be too long to open.
///
/// # Panics
///
/// When the operating system's random number generator fails (no nonce can be made).
pub(crate) fn seal(
    ring: &KeyRing,
    purpose: &str,
    action_id: &str,
    payload: &[u8],
    expires_at: Option<SystemTime>,
) -> String {
    let (key_id, key) = ring.sealing_key(purpose);
    let nonce = random_bytes::<NONCE_LEN>();
    let plaintext = [&expiry_to_secs(expires_at).to_be_bytes()[..], payload].concat();
    let aad = associated_data(key_id, purpose, action_id);
    let ciphertext = encrypt(&key, &nonce, &plaintext, &aad);

    let mut envelope = Vec::with_capacity(HEADER_LEN + ciphertext.len());
    envelope.push(VERSION);
    envelope.extend_from_slice(&key_id.0);
    envelope.extend_from_slice(&nonce);
    envelope.extend_from_slice(&ciphertext);
    URL_SAFE_NO_PAD.encode(envelope)
}

/// Checks and decrypts a seal made by [`seal`] for this purpose and action; returns the payload.
///
/// Refuses, in this order: text longer than [`MAX_SEALED_LEN`] (before decoding it), text that
/// is not base64url without padding, an envelope too short to be a seal, an unknown version, a
/// key id that no secret of the ring has for this purpose, a failed authentication, and a seal
/// whose expiry is at or before `now`.
pub(crate) fn open(
    ring: &KeyRing,
    purpose: &str,
    action_id: &str,
    sealed: &str,
    now: SystemTime,
) -> Result<Vec<u8>, SealError> {
    if sealed.len() > MAX_SEALED_LEN {
        return Err(SealError::TooLong { len: sealed.len() });
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(sealed)
        .map_err(|_| SealError::BadBase64)?;
    let envelope = Envelope::parse(&bytes)?;
    let plaintext = decrypt_with_ring(ring, purpose, action_id, &envelope)?;
    let (expiry, payload) = plaintext.split_at(EXPIRY_LEN);
    check_expiry(expiry, now)?;
    Ok(payload.to_vec())
}

/// Why a seal did not open. For logs only: every cause gets the same answer on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SealError {
    /// The text is longer than [`MAX_SEALED_LEN`].
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The text is not base64url without padding.
    BadBase64,
    /// The envelope is shorter than any seal.
    TooShort {
        /// Its length in bytes, once decoded.
        len: usize,
    },
    /// The envelope has a version this build does not know.
    UnknownVersion(u8),
    /// No secret of the ring has this key id for this purpose: sealed with a secret rotated out
    /// or another deployment's secret, or sealed for another purpose (each has its own key).
    UnknownKeyId,
    /// Authentication failed: tampered with, or sealed for another action.
    BadTag,
    /// The seal's expiry has passed.
    Expired {
        /// When it expired, in Unix seconds.
        at: u64,
    },
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::TooLong { len } => write!(
                f,
                "sealed value is too long: {len} characters, at most {MAX_SEALED_LEN}"
            ),
            SealError::BadBase64 => f.write_str("sealed value is not valid unpadded base64url"),
            SealError::TooShort { len } => write!(
                f,
                "sealed value is too short: {len} bytes, at least {MIN_ENVELOPE_LEN}"
            ),
            SealError::UnknownVersion(version) => {
                write!(f, "sealed value has unknown version {version}")
            }
            SealError::UnknownKeyId => f.write_str(
                "sealed value names a key this ring does not hold for this purpose \
                 (rotated out, another deployment's, or sealed for another purpose)",
            ),
            SealError::BadTag => f.write_str(
                "sealed value failed authentication (tampered with, or sealed for another action)",
            ),
            SealError::Expired { at } => write!(f, "sealed value expired at unix time {at}"),
        }
    }
}

impl std::error::Error for SealError {}

/// The parts of a decoded envelope.
struct Envelope<'a> {
    /// Which key sealed it.
    key_id: KeyId,
    /// The nonce it was sealed with.
    nonce: &'a [u8; NONCE_LEN],
    /// Sealed expiry and payload, with the tag.
    ciphertext: &'a [u8],
}

impl<'a> Envelope<'a> {
    /// Splits decoded bytes into their parts, refusing what is too short or of another version.
    fn parse(bytes: &'a [u8]) -> Result<Envelope<'a>, SealError> {
        let too_short = || SealError::TooShort { len: bytes.len() };
        // The version comes first so that a future format may have another minimum length.
        let (&version, rest) = bytes.split_first().ok_or_else(too_short)?;
        if version != VERSION {
            return Err(SealError::UnknownVersion(version));
        }
        if bytes.len() < MIN_ENVELOPE_LEN {
            return Err(too_short());
        }
        let (key_id, rest) = rest
            .split_first_chunk::<KEY_ID_LEN>()
            .ok_or_else(too_short)?;
        let (nonce, ciphertext) = rest
            .split_first_chunk::<NONCE_LEN>()
            .ok_or_else(too_short)?;
        Ok(Envelope {
            key_id: KeyId(*key_id),
            nonce,
            ciphertext,
        })
    }
}

/// Decrypts with each key of the ring that has the envelope's key id.
fn decrypt_with_ring(
    ring: &KeyRing,
    purpose: &str,
    action_id: &str,
    envelope: &Envelope<'_>,
) -> Result<Vec<u8>, SealError> {
    let aad = associated_data(envelope.key_id, purpose, action_id);
    let mut any_key = false;
    for key in ring.opening_keys(purpose, envelope.key_id) {
        any_key = true;
        if let Some(plaintext) = decrypt(&key, envelope.nonce, envelope.ciphertext, &aad) {
            return Ok(plaintext);
        }
    }
    Err(if any_key {
        SealError::BadTag
    } else {
        SealError::UnknownKeyId
    })
}

/// The associated data: domain, version, key id, then purpose and action ID, each prefixed by
/// its length so that no two (purpose, action ID) pairs give the same bytes.
fn associated_data(key_id: KeyId, purpose: &str, action_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_DOMAIN.len() + 21 + purpose.len() + action_id.len());
    aad.extend_from_slice(AAD_DOMAIN);
    aad.push(VERSION);
    aad.extend_from_slice(&key_id.0);
    for field in [purpose, action_id] {
        aad.extend_from_slice(&(field.len() as u64).to_be_bytes());
        aad.extend_from_slice(field.as_bytes());
    }
    aad
}

/// XChaCha20-Poly1305 encryption; returns ciphertext and tag.
fn encrypt(key: &[u8; 32], nonce: &[u8; NONCE_LEN], plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let payload = Payload {
        msg: plaintext,
        aad,
    };
    match cipher.encrypt(XNonce::from_slice(nonce), payload) {
        Ok(ciphertext) => ciphertext,
        // The cipher only refuses messages of 256 GiB and more.
        Err(_) => unreachable!("xchacha20-poly1305 refused {} bytes", plaintext.len()),
    }
}

/// XChaCha20-Poly1305 decryption; `None` when the tag does not match.
fn decrypt(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    ciphertext: &[u8],
    aad: &[u8],
) -> Option<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let payload = Payload {
        msg: ciphertext,
        aad,
    };
    cipher.decrypt(XNonce::from_slice(nonce), payload).ok()
}

/// The expiry in whole Unix seconds, rounded up so a seal never expires early; 0 for none.
fn expiry_to_secs(expires_at: Option<SystemTime>) -> u64 {
    let Some(expires_at) = expires_at else {
        return NO_EXPIRY;
    };
    match expires_at.duration_since(UNIX_EPOCH) {
        // 1 rather than 0 for the epoch itself, since 0 means "never".
        Ok(since_epoch) => ceil_secs(since_epoch).max(1),
        // Before 1970: long expired.
        Err(_) => 1,
    }
}

/// Whole seconds, rounded up.
fn ceil_secs(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

/// Refuses a seal whose expiry (first bytes of the plaintext) is at or before `now`.
fn check_expiry(expiry: &[u8], now: SystemTime) -> Result<(), SealError> {
    let mut secs = [0; EXPIRY_LEN];
    secs.copy_from_slice(expiry);
    let expiry = u64::from_be_bytes(secs);
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since_epoch| since_epoch.as_secs());
    if expiry != NO_EXPIRY && now >= expiry {
        return Err(SealError::Expired { at: expiry });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PURPOSE: &str = "bound";
    const ACTION: &str = "posts.delete_post.0123abcd";

    fn ring(secrets: &[u8]) -> KeyRing {
        KeyRing::new(secrets.iter().map(|&fill| vec![fill; 32])).unwrap()
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn open_now(ring: &KeyRing, sealed: &str) -> Result<Vec<u8>, SealError> {
        open(ring, PURPOSE, ACTION, sealed, SystemTime::now())
    }

    fn seal_plain(ring: &KeyRing, payload: &[u8]) -> String {
        seal(ring, PURPOSE, ACTION, payload, None)
    }

    fn envelope_of(sealed: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(sealed).unwrap()
    }

    fn reencode(envelope: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(envelope)
    }

    #[test]
    fn round_trip() {
        let keys = ring(&[1]);
        for payload in [&b""[..], b"42", &[0xff; 1000]] {
            let sealed = seal_plain(&keys, payload);
            assert_eq!(open_now(&keys, &sealed).unwrap(), payload);
        }
    }

    #[test]
    fn round_trip_with_an_expiry_in_the_future() {
        let keys = ring(&[1]);
        let sealed = seal(&keys, PURPOSE, ACTION, b"x", Some(at(1_000)));
        assert_eq!(
            open(&keys, PURPOSE, ACTION, &sealed, at(999)).unwrap(),
            b"x"
        );
    }

    #[test]
    fn output_is_unpadded_base64url() {
        let sealed = seal_plain(&ring(&[1]), &[0xfb; 100]);
        assert!(
            sealed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn envelope_layout() {
        let keys = ring(&[1]);
        let envelope = envelope_of(&seal_plain(&keys, b"abc"));
        assert_eq!(envelope[0], VERSION);
        assert_eq!(envelope[1..5], keys.sealing_key(PURPOSE).0.0);
        assert_eq!(envelope.len(), MIN_ENVELOPE_LEN + 3);
    }

    #[test]
    fn payload_is_not_visible_in_the_seal() {
        let envelope = envelope_of(&seal_plain(&ring(&[1]), b"visible-secret-id-1234"));
        assert!(!envelope.windows(7).any(|w| w == b"visible"));
    }

    #[test]
    fn every_seal_has_a_fresh_nonce() {
        let keys = ring(&[1]);
        let (a, b) = (seal_plain(&keys, b"same"), seal_plain(&keys, b"same"));
        assert_ne!(a, b);
        assert_ne!(
            envelope_of(&a)[5..HEADER_LEN],
            envelope_of(&b)[5..HEADER_LEN]
        );
    }

    #[test]
    fn rejects_text_that_is_too_long_before_decoding_it() {
        // Not base64 either: the length is checked first.
        let sealed = "!".repeat(MAX_SEALED_LEN + 1);
        let err = open_now(&ring(&[1]), &sealed).unwrap_err();
        assert_eq!(
            err,
            SealError::TooLong {
                len: MAX_SEALED_LEN + 1
            }
        );
    }

    #[test]
    fn largest_payload_fits_and_one_more_byte_does_not() {
        let keys = ring(&[1]);
        let largest = seal_plain(&keys, &[7; MAX_PAYLOAD_LEN]);
        assert_eq!(largest.len(), MAX_SEALED_LEN);
        assert_eq!(open_now(&keys, &largest).unwrap().len(), MAX_PAYLOAD_LEN);

        let too_big = seal_plain(&keys, &[7; MAX_PAYLOAD_LEN + 1]);
        assert!(matches!(
            open_now(&keys, &too_big),
            Err(SealError::TooLong { .. })
        ));
    }

    #[test]
    fn rejects_bad_base64() {
        let keys = ring(&[1]);
        let sealed = seal_plain(&keys, b"x");
        for bad in [
            "!!!!".to_owned(),
            format!("{sealed}="),
            sealed.replace(|_: char| true, "+"),
            format!("{} ", sealed),
        ] {
            assert_eq!(open_now(&keys, &bad), Err(SealError::BadBase64), "{bad}");
        }
    }

    #[test]
    fn rejects_an_envelope_that_is_too_short() {
        let keys = ring(&[1]);
        assert_eq!(open_now(&keys, ""), Err(SealError::TooShort { len: 0 }));
        let short = reencode(&[VERSION; MIN_ENVELOPE_LEN - 1]);
        assert_eq!(
            open_now(&keys, &short),
            Err(SealError::TooShort {
                len: MIN_ENVELOPE_LEN - 1
            })
        );
    }

    #[test]
    fn rejects_an_unknown_version() {
        let keys = ring(&[1]);
        let mut envelope = envelope_of(&seal_plain(&keys, b"x"));
        envelope[0] = 2;
        assert_eq!(
            open_now(&keys, &reencode(&envelope)),
            Err(SealError::UnknownVersion(2))
        );
    }

    #[test]
    fn rejects_an_unknown_key_id() {
        let sealed = seal_plain(&ring(&[1]), b"x");
        assert_eq!(open_now(&ring(&[2]), &sealed), Err(SealError::UnknownKeyId));

        let keys = ring(&[1]);
        let mut envelope = envelope_of(&seal_plain(&keys, b"x"));
        envelope[1] ^= 1;
        assert_eq!(
            open_now(&keys, &reencode(&envelope)),
            Err(SealError::UnknownKeyId)
        );
    }

    #[test]
    fn rejects_a_bad_tag() {
        let keys = ring(&[1]);
        let mut envelope = envelope_of(&seal_plain(&keys, b"x"));
        let last = envelope.len() - 1;
        envelope[last] ^= 0x80;
        assert_eq!(
            open_now(&keys, &reencode(&envelope)),
            Err(SealError::BadTag)
        );
    }

    #[test]
    fn rejects_another_actions_seal() {
        let keys = ring(&[1]);
        let sealed = seal(&keys, PURPOSE, "posts.edit_post.0123abcd", b"x", None);
        assert_eq!(open_now(&keys, &sealed), Err(SealError::BadTag));
    }

    #[test]
    fn rejects_another_purposes_seal() {
        let keys = ring(&[1]);
        let sealed = seal(&keys, "form-state", ACTION, b"x", None);
        assert_eq!(open_now(&keys, &sealed), Err(SealError::UnknownKeyId));
    }

    #[test]
    fn associated_data_cannot_shift_bytes_between_purpose_and_action() {
        let key_id = KeyId([0; 4]);
        assert_ne!(
            associated_data(key_id, "a", "bc"),
            associated_data(key_id, "ab", "c")
        );
    }

    #[test]
    fn rejects_an_expired_seal() {
        let keys = ring(&[1]);
        let sealed = seal(&keys, PURPOSE, ACTION, b"x", Some(at(1_000)));
        for now in [at(1_000), at(5_000)] {
            assert_eq!(
                open(&keys, PURPOSE, ACTION, &sealed, now),
                Err(SealError::Expired { at: 1_000 })
            );
        }
    }

    #[test]
    fn expiry_rounds_up_to_the_next_second() {
        let keys = ring(&[1]);
        let expires_at = at(1_000) + Duration::from_millis(1);
        let sealed = seal(&keys, PURPOSE, ACTION, b"x", Some(expires_at));
        assert!(open(&keys, PURPOSE, ACTION, &sealed, at(1_000)).is_ok());
        assert!(open(&keys, PURPOSE, ACTION, &sealed, at(1_001)).is_err());
    }

    #[test]
    fn expiry_at_or_before_the_epoch_is_already_expired() {
        let keys = ring(&[1]);
        for expires_at in [UNIX_EPOCH, UNIX_EPOCH - Duration::from_secs(10)] {
            let sealed = seal(&keys, PURPOSE, ACTION, b"x", Some(expires_at));
            assert_eq!(open_now(&keys, &sealed), Err(SealError::Expired { at: 1 }));
        }
    }

    #[test]
    fn a_seal_without_expiry_never_expires() {
        let keys = ring(&[1]);
        let sealed = seal_plain(&keys, b"x");
        let far_future = at(u64::MAX / 2);
        assert!(open(&keys, PURPOSE, ACTION, &sealed, far_future).is_ok());
    }

    #[test]
    fn rotation_lifecycle() {
        let (a, b_a, b) = (ring(&[0xa]), ring(&[0xb, 0xa]), ring(&[0xb]));
        let sealed_by_a = seal_plain(&a, b"old");

        // During rotation the new ring opens the old seal and seals with the new secret.
        assert_eq!(open_now(&b_a, &sealed_by_a).unwrap(), b"old");
        let sealed_by_b = seal_plain(&b_a, b"new");
        assert_eq!(open_now(&b, &sealed_by_b).unwrap(), b"new");
        assert_eq!(open_now(&a, &sealed_by_b), Err(SealError::UnknownKeyId));

        // Once the old secret is dropped, its seals no longer open.
        assert_eq!(open_now(&b, &sealed_by_a), Err(SealError::UnknownKeyId));
    }

    #[test]
    fn every_bit_flip_is_rejected() {
        let keys = ring(&[1]);
        let envelope = envelope_of(&seal(
            &keys,
            PURPOSE,
            ACTION,
            b"payload",
            Some(at(9_000_000_000)),
        ));
        for index in 0..envelope.len() {
            for bit in 0..8 {
                let mut flipped = envelope.clone();
                flipped[index] ^= 1 << bit;
                assert!(
                    open_now(&keys, &reencode(&flipped)).is_err(),
                    "flip of bit {bit} of byte {index} was accepted"
                );
            }
        }
    }

    #[test]
    fn every_changed_character_is_rejected() {
        let keys = ring(&[1]);
        let sealed = seal_plain(&keys, b"payload");
        for index in 0..sealed.len() {
            for replacement in ['A', 'f', '-', '_', '0'] {
                let mut changed = sealed.clone().into_bytes();
                if changed[index] == replacement as u8 {
                    continue;
                }
                changed[index] = replacement as u8;
                let changed = String::from_utf8(changed).unwrap();
                assert!(open_now(&keys, &changed).is_err(), "{changed}");
            }
        }
    }

    #[test]
    fn every_truncation_is_rejected() {
        let keys = ring(&[1]);
        let sealed = seal_plain(&keys, b"payload");
        for len in 0..sealed.len() {
            assert!(
                open_now(&keys, &sealed[..len]).is_err(),
                "text cut at {len}"
            );
        }
        let envelope = envelope_of(&sealed);
        for len in 0..envelope.len() {
            let cut = reencode(&envelope[..len]);
            let err = open_now(&keys, &cut).unwrap_err();
            if len < MIN_ENVELOPE_LEN {
                assert_eq!(err, SealError::TooShort { len }, "envelope cut at {len}");
            } else {
                assert_eq!(err, SealError::BadTag, "envelope cut at {len}");
            }
        }
    }

    #[test]
    fn messages_are_lowercase() {
        let errors = [
            SealError::TooLong { len: 9000 },
            SealError::BadBase64,
            SealError::TooShort { len: 3 },
            SealError::UnknownVersion(9),
            SealError::UnknownKeyId,
            SealError::BadTag,
            SealError::Expired { at: 5 },
        ];
        for err in errors {
            let message = err.to_string();
            assert!(message.starts_with("sealed value "), "{message}");
        }
    }
}
