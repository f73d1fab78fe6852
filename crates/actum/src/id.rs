//! Action IDs: the name of an action on the wire.
//!
//! An ID is derived from what identifies an action in the source — crate, module path, name and
//! signature — so it is the same on every instance and after a redeploy, and changes when the
//! signature does (a page rendered for the old signature then fails cleanly instead of feeding
//! the new one inputs of the old shape).
//!
//! - Opaque (release builds): HMAC-SHA256 under the ID key, 128 bits, base64url. It names
//!   nothing, and without the key nobody can tell which function it belongs to.
//! - Readable (debug builds): `posts.create_post.1a2b3c4d`, where the hex is an unkeyed hash,
//!   so IDs survive a development restart even on a random key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

/// The longest well-formed action ID.
pub(crate) const MAX_ID_LEN: usize = 200;

/// Bytes of the HMAC kept in an opaque ID: 128 bits.
const OPAQUE_ID_BYTES: usize = 16;

/// Bytes of the unkeyed hash kept in a readable ID (8 hex characters).
const READABLE_HASH_BYTES: usize = 4;

/// Tag at the start of the hashed fields, so the hash is of an action ID and nothing else.
const ID_DOMAIN: &[u8] = b"actum/v1/action-id";

/// Derives the ID of the action `name` defined in `module_path` of crate `krate`.
///
/// `signature` is the function's signature as text; `readable` picks the debug-build form.
pub(crate) fn derive_id(
    id_key: &[u8; 32],
    krate: &str,
    module_path: &str,
    name: &str,
    signature: &str,
    readable: bool,
) -> String {
    let fields = encode_fields(krate, module_path, name, signature);
    if readable {
        readable_id(module_path, name, &fields)
    } else {
        opaque_id(id_key, &fields)
    }
}

/// Whether `id` could be an action ID: 1 to 200 characters of `[A-Za-z0-9._-]`.
///
/// `.` and `..` are refused too: in a URL path they are not names but steps.
pub(crate) fn is_well_formed_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len()) && id.bytes().all(is_id_byte) && id != "." && id != ".."
}

/// The domain tag, then each field prefixed by its length, so no field can shift into another.
fn encode_fields(krate: &str, module_path: &str, name: &str, signature: &str) -> Vec<u8> {
    let fields = [krate, module_path, name, signature];
    let len = ID_DOMAIN.len() + fields.iter().map(|f| 8 + f.len()).sum::<usize>();
    let mut encoded = Vec::with_capacity(len);
    encoded.extend_from_slice(ID_DOMAIN);
    for field in fields {
        encoded.extend_from_slice(&(field.len() as u64).to_be_bytes());
        encoded.extend_from_slice(field.as_bytes());
    }
    encoded
}

/// 128 bits of HMAC-SHA256 over the fields, base64url without padding (22 characters).
fn opaque_id(id_key: &[u8; 32], fields: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(id_key) {
        Ok(mac) => mac,
        // HMAC takes keys of any length.
        Err(_) => unreachable!("hmac-sha256 refused a 32-byte key"),
    };
    mac.update(fields);
    let tag = mac.finalize().into_bytes();
    URL_SAFE_NO_PAD.encode(&tag[..OPAQUE_ID_BYTES])
}

/// `<module path after the crate>.<name>.<8 hex>`, cut from the front to fit [`MAX_ID_LEN`].
fn readable_id(module_path: &str, name: &str, fields: &[u8]) -> String {
    let hash = hex(&Sha256::digest(fields)[..READABLE_HASH_BYTES]);
    let segments: Vec<String> = module_path
        .split("::")
        .skip(1) // the crate's own name says nothing inside the crate
        .chain([name])
        .map(sanitize)
        .collect();
    let path = segments.join(".");
    let path = keep_tail(&path, MAX_ID_LEN - 1 - hash.len());
    format!("{path}.{hash}")
}

/// Replaces every character outside `[A-Za-z0-9._-]` (such as the `#` of `r#type`) with `_`.
fn sanitize(segment: &str) -> String {
    segment
        .chars()
        .map(|c| match u8::try_from(c) {
            Ok(byte) if is_id_byte(byte) => c,
            _ => '_',
        })
        .collect()
}

/// The last `max` bytes of an ASCII path, without a leading separator; the name is at the end.
fn keep_tail(path: &str, max: usize) -> &str {
    let start = path.len().saturating_sub(max);
    path.get(start..).unwrap_or(path).trim_start_matches('.')
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether a byte may appear in an action ID.
fn is_id_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const SIGNATURE: &str = "async fn create_post(State(db): State<Db>, input: NewPost)";

    fn opaque(krate: &str, module_path: &str, name: &str, signature: &str) -> String {
        derive_id(&KEY, krate, module_path, name, signature, false)
    }

    fn readable(krate: &str, module_path: &str, name: &str, signature: &str) -> String {
        derive_id(&KEY, krate, module_path, name, signature, true)
    }

    /// The readable ID without its hash suffix.
    fn readable_path(id: &str) -> &str {
        id.rsplit_once('.').unwrap().0
    }

    #[test]
    fn ids_are_deterministic() {
        for form in [opaque, readable] {
            assert_eq!(
                form("app", "app::posts", "create_post", SIGNATURE),
                form("app", "app::posts", "create_post", SIGNATURE)
            );
        }
    }

    #[test]
    fn ids_differ_when_any_field_changes() {
        for form in [opaque, readable] {
            let base = form("app", "app::posts", "create_post", SIGNATURE);
            let changed = [
                form("other", "app::posts", "create_post", SIGNATURE),
                form("app", "app::drafts", "create_post", SIGNATURE),
                form("app", "app::posts", "create_draft", SIGNATURE),
                form(
                    "app",
                    "app::posts",
                    "create_post",
                    "async fn create_post(input: NewPost)",
                ),
                form("app", "app::posts", "create_post", &format!("{SIGNATURE} ")),
            ];
            for id in changed {
                assert_ne!(id, base);
            }
        }
    }

    #[test]
    fn fields_cannot_shift_into_each_other() {
        for form in [opaque, readable] {
            assert_ne!(form("a", "b", "cd", "e"), form("a", "bc", "d", "e"));
            assert_ne!(form("ab", "", "c", "d"), form("a", "b", "c", "d"));
        }
    }

    #[test]
    fn opaque_ids_depend_on_the_key() {
        let other_key = [8; 32];
        assert_ne!(
            derive_id(&KEY, "app", "app::posts", "create_post", SIGNATURE, false),
            derive_id(
                &other_key,
                "app",
                "app::posts",
                "create_post",
                SIGNATURE,
                false
            )
        );
    }

    #[test]
    fn readable_ids_do_not_depend_on_the_key() {
        let other_key = [8; 32];
        assert_eq!(
            derive_id(&KEY, "app", "app::posts", "create_post", SIGNATURE, true),
            derive_id(
                &other_key,
                "app",
                "app::posts",
                "create_post",
                SIGNATURE,
                true
            )
        );
    }

    #[test]
    fn opaque_ids_are_128_bits_and_name_nothing() {
        let id = opaque("app", "app::posts", "create_post", SIGNATURE);
        assert_eq!(id.len(), 22);
        assert_eq!(URL_SAFE_NO_PAD.decode(&id).unwrap().len(), 16);
        for name in ["create", "post", "posts", "app"] {
            assert!(!id.contains(name), "{id} contains {name}");
        }
        assert!(is_well_formed_id(&id));
    }

    #[test]
    fn readable_id_shape() {
        let id = readable("app", "app::posts::admin", "create_post", SIGNATURE);
        assert_eq!(readable_path(&id), "posts.admin.create_post");
        let hash = id.rsplit_once('.').unwrap().1;
        assert_eq!(hash.len(), 8);
        assert!(
            hash.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert!(is_well_formed_id(&id));
    }

    #[test]
    fn readable_id_at_the_crate_root_is_the_name() {
        let id = readable("app", "app", "create_post", SIGNATURE);
        assert_eq!(readable_path(&id), "create_post");
    }

    #[test]
    fn readable_id_replaces_characters_unsafe_in_a_url_path() {
        let id = readable("app", "app::r#type::modülé", "r#match", SIGNATURE);
        assert_eq!(readable_path(&id), "r_type.mod_l_.r_match");
        assert!(is_well_formed_id(&id));
    }

    #[test]
    fn long_readable_id_keeps_the_name_and_fits() {
        let module_path = format!("app{}", "::very_long_module_name".repeat(20));
        let id = readable("app", &module_path, "create_post", SIGNATURE);
        assert_eq!(id.len(), MAX_ID_LEN);
        assert!(readable_path(&id).ends_with(".create_post"));
        assert!(!id.starts_with('.'));
        assert!(is_well_formed_id(&id));
    }

    #[test]
    fn well_formed_ids() {
        for id in [
            "a",
            "posts.create_post.0123abcd",
            "Zm9v-YmFy_",
            &"x".repeat(MAX_ID_LEN),
        ] {
            assert!(is_well_formed_id(id), "{id}");
        }
    }

    #[test]
    fn malformed_ids() {
        let too_long = "x".repeat(MAX_ID_LEN + 1);
        for id in [
            "", ".", "..", "a/b", "a b", "a%2e", "a+b", "é", "a?b", &too_long,
        ] {
            assert!(!is_well_formed_id(id), "{id}");
        }
    }
}
