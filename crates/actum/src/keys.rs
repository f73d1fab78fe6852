//! Master secrets and the keys derived from them.
//!
//! A [`KeyRing`] holds one or more master secrets. The first one seals, every one opens, so a
//! secret can be rotated without breaking pages that are already open: put the new secret first,
//! keep the old one after it until the pages it sealed have expired, then drop it.
//!
//! Master secrets are never used directly. Each use gets its own subkey, derived with
//! HKDF-SHA256 under an `actum/v1/...` label, so that a key for one purpose cannot open or forge
//! anything of another purpose.

use std::ffi::OsString;
use std::fmt;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hkdf::Hkdf;
use sha2::{Digest as _, Sha256};

/// The environment variable that holds the master secrets (comma or space separated).
pub(crate) const SECRET_KEY_VAR: &str = "ACTUM_SECRET_KEY";

/// The environment variable that holds the key for action IDs (one secret).
pub(crate) const ID_KEY_VAR: &str = "ACTUM_ID_KEY";

/// The fewest bytes a master secret may have: 256 bits, the size of every derived key.
pub(crate) const MIN_KEY_LEN: usize = 32;

/// HKDF label prefix of sealing subkeys; the purpose follows it.
const SEAL_INFO_PREFIX: &[u8] = b"actum/v1/seal/";

/// HKDF label of the action ID key.
const ID_KEY_INFO: &[u8] = b"actum/v1/action-id";

/// Domain separation tag of key ids, so a key id is never some other hash of the subkey.
const KEY_ID_DOMAIN: &[u8] = b"actum/v1/key-id";

/// Decodes standard base64 (`+/`), padded or not.
const STANDARD_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes URL-safe base64 (`-_`), padded or not.
const URL_SAFE_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One or more master secrets: the first seals, all of them open.
///
/// Build it from the environment with [`KeyRing::from_env`] (`ACTUM_SECRET_KEY`), from text with
/// [`KeyRing::parse`], or from raw bytes with [`KeyRing::new`]. Each secret has at least 32 bytes.
/// `Debug` shows how many secrets the ring holds, never their bytes.
///
/// # Rotation
///
/// 1. Generate a new secret with [`KeyRing::generate_secret`].
/// 2. Deploy `ACTUM_SECRET_KEY="<new>,<old>"`: new seals use the new secret, old seals still open.
/// 3. Once the old seals are no longer needed, deploy `ACTUM_SECRET_KEY="<new>"`.
///
/// In release builds the action IDs are derived from the first secret too, so step 2 changes
/// them; set `ACTUM_ID_KEY` to the old first secret to keep them as they were.
///
/// # Example
///
/// ```
/// use actum::KeyRing;
///
/// let ring = KeyRing::parse(&KeyRing::generate_secret())?;
/// assert_eq!(format!("{ring:?}"), "KeyRing { keys: 1, .. }");
/// # Ok::<(), actum::KeyError>(())
/// ```
#[derive(Clone)]
pub struct KeyRing {
    /// Master secrets, sealing one first; never empty.
    secrets: Vec<Vec<u8>>,
}

/// The 4-byte identifier of a derived sealing key, stored in a seal so opening finds its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyId(pub(crate) [u8; 4]);

impl KeyRing {
    /// Builds a ring from raw master secrets; the first one seals.
    ///
    /// Fails when there is no secret or when one is shorter than 32 bytes.
    ///
    /// ```
    /// use actum::{KeyError, KeyRing};
    ///
    /// let ring = KeyRing::new([vec![7; 32], vec![9; 48]])?;
    /// assert!(matches!(KeyRing::new([vec![7; 16]]), Err(KeyError::TooShort { .. })));
    /// # drop(ring);
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn new(keys: impl IntoIterator<Item = Vec<u8>>) -> Result<KeyRing, KeyError> {
        let secrets: Vec<Vec<u8>> = keys.into_iter().collect();
        if secrets.is_empty() {
            return Err(KeyError::Empty);
        }
        for (index, secret) in secrets.iter().enumerate() {
            check_length(index + 1, secret)?;
        }
        Ok(KeyRing { secrets })
    }

    /// Parses base64 secrets separated by commas and/or whitespace; the first one seals.
    ///
    /// Each secret may use the standard (`+/`) or the URL-safe (`-_`) alphabet, with or without
    /// `=` padding. Errors name the bad entry (counting from 1) and never repeat its text.
    ///
    /// ```
    /// use actum::{KeyError, KeyRing};
    ///
    /// let new = KeyRing::generate_secret();
    /// let old = KeyRing::generate_secret();
    /// let ring = KeyRing::parse(&format!("{new}, {old}"))?;
    ///
    /// let err = KeyRing::parse(&format!("{new} not-base64!")).unwrap_err();
    /// assert_eq!(err.to_string(), "secret key entry 2 is not valid base64");
    /// # drop(ring);
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn parse(text: &str) -> Result<KeyRing, KeyError> {
        let secrets = split_entries(text)
            .enumerate()
            .map(|(index, entry)| decode_entry(index + 1, entry))
            .collect::<Result<Vec<_>, _>>()?;
        KeyRing::new(secrets)
    }

    /// Reads the ring from `ACTUM_SECRET_KEY`; `None` when the variable is unset or empty.
    ///
    /// ```
    /// use actum::KeyRing;
    ///
    /// let ring = match KeyRing::from_env()? {
    ///     Some(ring) => ring,
    ///     None => KeyRing::random(),
    /// };
    /// # drop(ring);
    /// # Ok::<(), actum::KeyError>(())
    /// ```
    pub fn from_env() -> Result<Option<KeyRing>, KeyError> {
        ring_from_var(SECRET_KEY_VAR, std::env::var_os(SECRET_KEY_VAR))
    }

    /// A ring of one fresh random 32-byte secret, for tests and single-process development.
    ///
    /// Seals made with it open only in this process, until it exits.
    ///
    /// # Panics
    ///
    /// When the operating system's random number generator fails. No key can be made safely
    /// then, and such a platform cannot serve actum at all.
    ///
    /// ```
    /// use actum::KeyRing;
    ///
    /// let ring = KeyRing::random();
    /// # drop(ring);
    /// ```
    pub fn random() -> KeyRing {
        KeyRing {
            secrets: vec![random_bytes::<MIN_KEY_LEN>().to_vec()],
        }
    }

    /// A fresh random secret, encoded the way `ACTUM_SECRET_KEY` expects (URL-safe base64).
    ///
    /// # Panics
    ///
    /// When the operating system's random number generator fails, as [`KeyRing::random`].
    ///
    /// ```
    /// use actum::KeyRing;
    ///
    /// let secret = KeyRing::generate_secret();
    /// assert_eq!(secret.len(), 43);
    /// assert!(KeyRing::parse(&secret).is_ok());
    /// ```
    pub fn generate_secret() -> String {
        URL_SAFE_NO_PAD.encode(random_bytes::<MIN_KEY_LEN>())
    }

    /// The key that seals for `purpose` (derived from the first secret), and its key id.
    pub(crate) fn sealing_key(&self, purpose: &str) -> (KeyId, [u8; 32]) {
        let key = seal_subkey(self.first(), purpose);
        (key_id_of(&key), key)
    }

    /// Every key of the ring that seals for `purpose` under `key_id`, first secret first.
    ///
    /// Usually zero or one; two secrets may share a 4-byte key id by chance, and then the caller
    /// tries both.
    pub(crate) fn opening_keys(
        &self,
        purpose: &str,
        key_id: KeyId,
    ) -> impl Iterator<Item = [u8; 32]> {
        self.secrets
            .iter()
            .map(move |secret| seal_subkey(secret, purpose))
            .filter(move |key| key_id_of(key) == key_id)
    }

    /// The secret that seals (the ring is never empty).
    fn first(&self) -> &[u8] {
        self.secrets.first().map(Vec::as_slice).unwrap_or_default()
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("keys", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

/// Why a key ring or a key could not be built.
///
/// Messages name the bad entry and the problem, never the key material.
///
/// ```
/// use actum::{KeyError, KeyRing};
///
/// let err = KeyRing::parse("").unwrap_err();
/// assert!(matches!(err, KeyError::Empty));
/// assert_eq!(err.to_string(), "no secret key given");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyError {
    /// No secret at all.
    Empty,
    /// An entry is not base64 in either alphabet.
    InvalidBase64 {
        /// Which entry, counting from 1.
        entry: usize,
    },
    /// An entry decodes to fewer than 32 bytes.
    TooShort {
        /// Which entry, counting from 1.
        entry: usize,
        /// How many bytes it has.
        len: usize,
    },
    /// A variable that must hold exactly one secret holds several.
    NotOneKey {
        /// How many entries it holds.
        found: usize,
    },
    /// An environment variable is not valid UTF-8.
    NotUnicode {
        /// The variable's name.
        var: &'static str,
    },
    /// An environment variable holds an invalid key; `reason` says what is wrong with it.
    InvalidVar {
        /// The variable's name.
        var: &'static str,
        /// What is wrong with it (never the key itself).
        reason: Box<KeyError>,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("no secret key given"),
            KeyError::InvalidBase64 { entry } => {
                write!(f, "secret key entry {entry} is not valid base64")
            }
            KeyError::TooShort { entry, len } => write!(
                f,
                "secret key entry {entry} is too short: {len} bytes, at least {MIN_KEY_LEN} needed"
            ),
            KeyError::NotOneKey { found } => {
                write!(f, "expected exactly one secret key, found {found}")
            }
            KeyError::NotUnicode { var } => write!(f, "{var} is not valid utf-8"),
            // The reason is part of this message rather than a `source()`: it is the same error
            // told about a variable, and a panic at startup prints only this line.
            KeyError::InvalidVar { var, reason } => write!(f, "invalid {var}: {reason}"),
        }
    }
}

impl std::error::Error for KeyError {}

/// The process-wide ring: `ACTUM_SECRET_KEY`, or a random key (with one warning) when unset.
///
/// # Panics
///
/// When `ACTUM_SECRET_KEY` is set but invalid: a deployment mistake that must stop the server
/// before it seals anything with a key that no other instance has.
pub(crate) fn global() -> &'static KeyRing {
    static GLOBAL: OnceLock<KeyRing> = OnceLock::new();
    GLOBAL.get_or_init(|| match KeyRing::from_env() {
        Ok(Some(ring)) => ring,
        Ok(None) => {
            warn_random_key();
            KeyRing::random()
        }
        Err(err) => panic!("{err}"),
    })
}

/// The process-wide key of action IDs: `ACTUM_ID_KEY`, else derived from the global ring.
///
/// # Panics
///
/// When `ACTUM_ID_KEY` (or, if that is unset, `ACTUM_SECRET_KEY`) is set but invalid.
pub(crate) fn global_id_key() -> &'static [u8; 32] {
    static GLOBAL_ID_KEY: OnceLock<[u8; 32]> = OnceLock::new();
    GLOBAL_ID_KEY.get_or_init(|| {
        let explicit = id_key_from_var(ID_KEY_VAR, std::env::var_os(ID_KEY_VAR));
        match explicit {
            // Only touch the sealing ring when needed, so a set ID key never causes the
            // random-key warning on its own.
            Ok(Some(explicit)) => derive_id_key(&explicit),
            Ok(None) => id_key_for(global(), None),
            Err(err) => panic!("{err}"),
        }
    })
}

/// The action ID key: derived from `explicit` when given, else from the ring's first secret.
///
/// Both go through the same derivation, so setting `ACTUM_ID_KEY` to the previous first secret
/// keeps the IDs that secret gave.
pub(crate) fn id_key_for(ring: &KeyRing, explicit: Option<&[u8]>) -> [u8; 32] {
    derive_id_key(explicit.unwrap_or_else(|| ring.first()))
}

/// Parses the text of `ACTUM_ID_KEY`: exactly one secret, in the format of `ACTUM_SECRET_KEY`.
fn parse_id_key(text: &str) -> Result<Vec<u8>, KeyError> {
    let mut secrets = KeyRing::parse(text)?.secrets;
    match secrets.len() {
        1 => Ok(secrets.remove(0)),
        found => Err(KeyError::NotOneKey { found }),
    }
}

/// `N` bytes from the operating system's random number generator.
///
/// # Panics
///
/// When the generator fails: nothing secret can be made without it, and retrying does not help.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    if let Err(err) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random number generator failed: {err}");
    }
    bytes
}

/// HKDF-SHA256 (no salt: master secrets are already uniformly random) to a 32-byte key.
pub(crate) fn hkdf_sha256(secret: &[u8], info: &[&[u8]]) -> [u8; 32] {
    let mut key = [0; 32];
    if Hkdf::<Sha256>::new(None, secret)
        .expand_multi_info(info, &mut key)
        .is_err()
    {
        // HKDF-SHA256 only refuses outputs longer than 255 * 32 bytes.
        unreachable!("hkdf-sha256 refused a 32-byte output");
    }
    key
}

/// The sealing subkey of one secret for one purpose.
fn seal_subkey(secret: &[u8], purpose: &str) -> [u8; 32] {
    // The purpose is the tail of the label, so no two purposes share a label.
    hkdf_sha256(secret, &[SEAL_INFO_PREFIX, purpose.as_bytes()])
}

/// The ID key derived from one secret.
fn derive_id_key(secret: &[u8]) -> [u8; 32] {
    hkdf_sha256(secret, &[ID_KEY_INFO])
}

/// The key id of a subkey: a one-way hash of it, so it says nothing about the master secret.
fn key_id_of(subkey: &[u8; 32]) -> KeyId {
    let digest = Sha256::new()
        .chain_update(KEY_ID_DOMAIN)
        .chain_update(subkey)
        .finalize();
    KeyId([digest[0], digest[1], digest[2], digest[3]])
}

/// Rejects a secret shorter than [`MIN_KEY_LEN`].
fn check_length(entry: usize, secret: &[u8]) -> Result<(), KeyError> {
    if secret.len() < MIN_KEY_LEN {
        return Err(KeyError::TooShort {
            entry,
            len: secret.len(),
        });
    }
    Ok(())
}

/// The non-empty entries of a list separated by commas and/or whitespace.
fn split_entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
}

/// Decodes one entry in either base64 alphabet, padded or not.
fn decode_entry(entry: usize, text: &str) -> Result<Vec<u8>, KeyError> {
    STANDARD_ANY_PADDING
        .decode(text)
        .or_else(|_| URL_SAFE_ANY_PADDING.decode(text))
        // The decoder's message would quote the offending character: keep key text out of it.
        .map_err(|_| KeyError::InvalidBase64 { entry })
}

/// The text of an environment variable, `None` when unset or blank.
fn var_text(var: &'static str, value: Option<OsString>) -> Result<Option<String>, KeyError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value
        .into_string()
        .map_err(|_| KeyError::NotUnicode { var })?;
    Ok(Some(text).filter(|text| !text.trim().is_empty()))
}

/// Wraps an error with the name of the variable it came from.
fn in_var(var: &'static str) -> impl FnOnce(KeyError) -> KeyError {
    move |reason| KeyError::InvalidVar {
        var,
        reason: Box::new(reason),
    }
}

/// The ring held by an environment variable's value.
fn ring_from_var(var: &'static str, value: Option<OsString>) -> Result<Option<KeyRing>, KeyError> {
    var_text(var, value)?
        .map(|text| KeyRing::parse(&text).map_err(in_var(var)))
        .transpose()
}

/// The single secret held by an environment variable's value.
fn id_key_from_var(
    var: &'static str,
    value: Option<OsString>,
) -> Result<Option<Vec<u8>>, KeyError> {
    var_text(var, value)?
        .map(|text| parse_id_key(&text).map_err(in_var(var)))
        .transpose()
}

/// Tells, once, what running on a random key means and how to fix it.
fn warn_random_key() {
    let ids_note = if std::env::var_os(ID_KEY_VAR).is_some() {
        ""
    } else {
        ", and release-build action IDs change on every restart"
    };
    tracing::warn!(
        "{SECRET_KEY_VAR} is not set: using a random key for this process; bound arguments \
         sealed now will not open after a restart or on another instance{ids_note}. Set \
         {SECRET_KEY_VAR} to 32+ random bytes in base64 (`openssl rand -base64 32`, or \
         `actum::KeyRing::generate_secret()`)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};

    /// 32 bytes whose base64 forms differ between the two alphabets (they contain `+/` or `-_`).
    const SECRET: [u8; 32] = [0xfb; 32];

    fn ring_of(secrets: &[&[u8]]) -> KeyRing {
        KeyRing::new(secrets.iter().map(|s| s.to_vec())).unwrap()
    }

    #[test]
    fn new_accepts_keys_of_32_bytes_and_more() {
        let ring = KeyRing::new([vec![1; 32], vec![2; 64]]).unwrap();
        assert_eq!(ring.secrets.len(), 2);
    }

    #[test]
    fn new_rejects_an_empty_ring() {
        assert!(matches!(KeyRing::new([]), Err(KeyError::Empty)));
    }

    #[test]
    fn new_rejects_a_short_key_and_names_its_entry() {
        let err = KeyRing::new([vec![1; 32], vec![2; 31]]).unwrap_err();
        assert!(matches!(err, KeyError::TooShort { entry: 2, len: 31 }));
        assert_eq!(
            err.to_string(),
            "secret key entry 2 is too short: 31 bytes, at least 32 needed"
        );
    }

    #[test]
    fn parse_accepts_both_alphabets_with_and_without_padding() {
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            let text = engine.encode(SECRET);
            let ring = KeyRing::parse(&text).unwrap();
            assert_eq!(ring.secrets, vec![SECRET.to_vec()], "{text}");
        }
    }

    #[test]
    fn parse_splits_on_commas_and_whitespace() {
        let a = STANDARD.encode([1; 32]);
        let b = URL_SAFE_NO_PAD.encode([2; 40]);
        let c = STANDARD.encode([3; 32]);
        let ring = KeyRing::parse(&format!("  {a},{b}\n\t {c} ,")).unwrap();
        assert_eq!(ring.secrets, vec![vec![1; 32], vec![2; 40], vec![3; 32]]);
    }

    #[test]
    fn parse_keeps_the_order_so_the_first_key_seals() {
        let a = STANDARD.encode([1; 32]);
        let b = STANDARD.encode([2; 32]);
        let ring = KeyRing::parse(&format!("{b} {a}")).unwrap();
        assert_eq!(ring.first(), &[2; 32]);
    }

    #[test]
    fn parse_rejects_empty_text() {
        for text in ["", "   ", " , ,\n"] {
            assert!(
                matches!(KeyRing::parse(text), Err(KeyError::Empty)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn parse_rejects_bad_base64_without_echoing_it() {
        let good = STANDARD.encode([1; 32]);
        let bad = "sEcReT*material*thAt*mUst*nOt*lEak*0123456789";
        let err = KeyRing::parse(&format!("{good},{bad}")).unwrap_err();
        assert!(matches!(err, KeyError::InvalidBase64 { entry: 2 }));
        let message = err.to_string();
        assert_eq!(message, "secret key entry 2 is not valid base64");
        assert!(!format!("{err:?}").contains("sEcReT"));
    }

    #[test]
    fn parse_rejects_a_mix_of_both_alphabets_in_one_key() {
        let mixed = format!("+_{}", URL_SAFE_NO_PAD.encode([0; 33]));
        assert!(matches!(
            KeyRing::parse(&mixed),
            Err(KeyError::InvalidBase64 { entry: 1 })
        ));
    }

    #[test]
    fn parse_rejects_a_short_key_and_names_its_entry() {
        let good = STANDARD.encode([1; 32]);
        let short = STANDARD.encode([2; 16]);
        let err = KeyRing::parse(&format!("{good} {good} {short}")).unwrap_err();
        assert!(matches!(err, KeyError::TooShort { entry: 3, len: 16 }));
    }

    #[test]
    fn debug_never_prints_key_material() {
        let ring = ring_of(&[&SECRET, &[0x41; 32]]);
        let debug = format!("{ring:?}");
        assert_eq!(debug, "KeyRing { keys: 2, .. }");
        assert!(!debug.contains(&STANDARD.encode(SECRET)));
        assert!(!debug.contains("251") && !debug.contains("65"));
    }

    #[test]
    fn random_rings_differ_and_have_one_32_byte_key() {
        let (a, b) = (KeyRing::random(), KeyRing::random());
        assert_eq!(a.secrets.len(), 1);
        assert_eq!(a.first().len(), 32);
        assert_ne!(a.first(), b.first());
    }

    #[test]
    fn generated_secrets_parse_and_differ() {
        let (a, b) = (KeyRing::generate_secret(), KeyRing::generate_secret());
        assert_ne!(a, b);
        assert_eq!(KeyRing::parse(&a).unwrap().first().len(), 32);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn var_unset_or_blank_is_none() {
        assert!(ring_from_var("V", None).unwrap().is_none());
        assert!(ring_from_var("V", Some("".into())).unwrap().is_none());
        assert!(ring_from_var("V", Some(" \n".into())).unwrap().is_none());
    }

    #[test]
    fn var_with_keys_is_a_ring() {
        let text = format!("{} {}", STANDARD.encode([1; 32]), STANDARD.encode([2; 32]));
        let ring = ring_from_var("V", Some(text.into())).unwrap().unwrap();
        assert_eq!(ring.secrets.len(), 2);
    }

    #[test]
    fn var_with_a_bad_key_names_the_variable_and_the_entry() {
        let text = format!("{} nope!", STANDARD.encode([1; 32]));
        let err = ring_from_var(SECRET_KEY_VAR, Some(text.into())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid ACTUM_SECRET_KEY: secret key entry 2 is not valid base64"
        );
    }

    #[cfg(unix)]
    #[test]
    fn var_that_is_not_unicode_is_rejected() {
        use std::os::unix::ffi::OsStringExt as _;
        let value = OsString::from_vec(vec![0xff, 0xfe]);
        let err = ring_from_var(SECRET_KEY_VAR, Some(value)).unwrap_err();
        assert!(matches!(
            err,
            KeyError::NotUnicode {
                var: SECRET_KEY_VAR
            }
        ));
        assert_eq!(err.to_string(), "ACTUM_SECRET_KEY is not valid utf-8");
    }

    #[test]
    fn sealing_key_comes_from_the_first_secret() {
        let a = ring_of(&[&[1; 32]]);
        let ba = ring_of(&[&[2; 32], &[1; 32]]);
        assert_ne!(a.sealing_key("p"), ba.sealing_key("p"));
        assert_eq!(ba.sealing_key("p"), ring_of(&[&[2; 32]]).sealing_key("p"));
    }

    #[test]
    fn subkeys_and_key_ids_differ_per_purpose() {
        let ring = ring_of(&[&SECRET]);
        let (id_a, key_a) = ring.sealing_key("bound");
        let (id_b, key_b) = ring.sealing_key("form-state");
        assert_ne!(key_a, key_b);
        assert_ne!(id_a, id_b);
    }

    #[test]
    fn subkey_is_not_the_master_secret() {
        let ring = ring_of(&[&SECRET]);
        assert_ne!(ring.sealing_key("p").1, SECRET);
    }

    #[test]
    fn key_id_is_derived_from_the_subkey_not_from_the_master() {
        let ring = ring_of(&[&SECRET]);
        let (id, key) = ring.sealing_key("p");
        assert_eq!(id, key_id_of(&key));
        assert_ne!(id, key_id_of(&SECRET));
    }

    #[test]
    fn opening_keys_finds_any_secret_of_the_ring_by_key_id() {
        let old = ring_of(&[&[1; 32]]);
        let (old_id, old_key) = old.sealing_key("p");
        let rotated = ring_of(&[&[2; 32], &[1; 32]]);
        let found: Vec<_> = rotated.opening_keys("p", old_id).collect();
        assert_eq!(found, vec![old_key]);
    }

    #[test]
    fn opening_keys_finds_nothing_for_another_purpose_or_an_unknown_id() {
        let ring = ring_of(&[&[1; 32]]);
        let (id, _) = ring.sealing_key("p");
        assert_eq!(ring.opening_keys("q", id).count(), 0);
        assert_eq!(ring.opening_keys("p", KeyId([0; 4])).count(), 0);
    }

    #[test]
    fn id_key_comes_from_the_first_secret_under_its_own_label() {
        let ring = ring_of(&[&[1; 32], &[2; 32]]);
        let id_key = id_key_for(&ring, None);
        assert_eq!(id_key, id_key_for(&ring_of(&[&[1; 32]]), None));
        assert_ne!(id_key, id_key_for(&ring_of(&[&[2; 32]]), None));
        assert_ne!(id_key, ring.sealing_key("").1);
        assert_ne!(id_key, [1; 32]);
    }

    #[test]
    fn explicit_id_key_wins_and_matches_the_secret_it_replaces() {
        let rotated = ring_of(&[&[2; 32], &[1; 32]]);
        let before_rotation = id_key_for(&ring_of(&[&[1; 32]]), None);
        assert_eq!(id_key_for(&rotated, Some(&[1; 32])), before_rotation);
        assert_ne!(id_key_for(&rotated, Some(&[3; 32])), before_rotation);
    }

    #[test]
    fn id_key_var_takes_exactly_one_key() {
        let one = STANDARD.encode([1; 32]);
        let parsed = id_key_from_var(ID_KEY_VAR, Some(one.clone().into())).unwrap();
        assert_eq!(parsed, Some(vec![1; 32]));
        assert_eq!(id_key_from_var(ID_KEY_VAR, None).unwrap(), None);

        let err = id_key_from_var(ID_KEY_VAR, Some(format!("{one},{one}").into())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid ACTUM_ID_KEY: expected exactly one secret key, found 2"
        );
    }

    #[test]
    fn id_key_var_rejects_a_short_key() {
        let short = STANDARD.encode([1; 8]);
        let err = id_key_from_var(ID_KEY_VAR, Some(short.into())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid ACTUM_ID_KEY: secret key entry 1 is too short: 8 bytes, at least 32 needed"
        );
    }

    #[test]
    fn globals_are_made_once() {
        assert!(std::ptr::eq(global(), global()));
        assert!(std::ptr::eq(global_id_key(), global_id_key()));
    }

    #[test]
    fn random_bytes_are_fresh() {
        assert_ne!(random_bytes::<24>(), random_bytes::<24>());
    }
}
